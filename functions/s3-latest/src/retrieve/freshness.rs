//! Freshness: when an instance may answer from what it last listed, and
//! when it must list again. One type, one lock, and a pure [`decide`]: the
//! I/O (the pointer read, the LIST) happens around it, in [`super::lookup`].
//!
//! An instance answers from its last listing while *both* hold:
//!
//! * the pointer's ETag is the one it read just before that listing (any
//!   write of the pointer, by an ingest or anyone, changes it), and
//! * the audit (`POINTER_AUDIT_SECONDS`) since that listing is not due,
//!   which bounds serving an object that never moved the pointer.
//!
//! Within `MAX_STALENESS_MS` of the last lookup it answers without even
//! reading the pointer; that budget is at most the audit period (refused
//! at start-up otherwise), so the audit bound holds either way.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::store::Listing;
use crate::sync::lock;

/// What an instance knows about the newest objects.
#[derive(Debug, Default)]
struct State {
    /// The last listing, the pointer ETag read just before it, and when.
    listed: Option<Listed>,
    /// When the last lookup started and what it answered, for the staleness
    /// budget (a pointer read that confirmed the listing counts).
    looked: Option<(Instant, Arc<Listing>)>,
    /// The last pointer reported as refused, so each is reported once.
    refused_pointer: Option<String>,
}

#[derive(Debug)]
struct Listed {
    at: Instant,
    pointer_etag: Option<String>,
    listing: Arc<Listing>,
}

/// What [`decide`] says to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    /// Answer from this listing: nothing says it changed.
    Answer(Arc<Listing>),
    /// List now.
    List,
}

/// Whether the last listing still answers, given the pointer's ETag now
/// (`None`: no usable pointer) and the audit period.
fn decide(state: &State, pointer_etag: Option<&str>, now: Instant, audit: Duration) -> Decision {
    match (&state.listed, pointer_etag) {
        (Some(listed), Some(etag))
            if listed.pointer_etag.as_deref() == Some(etag) && now.saturating_duration_since(listed.at) < audit =>
        {
            Decision::Answer(listed.listing.clone())
        }
        _ => Decision::List,
    }
}

/// The freshness state of one instance.
pub(super) struct Freshness {
    audit: Duration,
    staleness: Duration,
    state: Mutex<State>,
}

impl Freshness {
    pub(super) fn new(audit: Duration, staleness: Duration) -> Self {
        Freshness {
            audit,
            staleness,
            state: Mutex::new(State::default()),
        }
    }

    /// The last lookup's answer, if it started within the staleness budget.
    pub(super) fn within_staleness(&self, now: Instant) -> Option<Arc<Listing>> {
        if self.staleness.is_zero() {
            return None;
        }
        let state = lock(&self.state);
        let (at, listing) = state.looked.as_ref()?;
        (now.saturating_duration_since(*at) < self.staleness).then(|| listing.clone())
    }

    /// See [`decide`]; an answer counts as a lookup started at `now`.
    pub(super) fn decide(&self, pointer_etag: Option<&str>, now: Instant) -> Decision {
        let mut state = lock(&self.state);
        let decision = decide(&state, pointer_etag, now, self.audit);
        if let Decision::Answer(listing) = &decision {
            state.looked = Some((now, listing.clone()));
        }
        decision
    }

    /// A listing that started at `at`, after the pointer read `pointer_etag`
    /// (which is what it is recorded under: a pointer read *after* the LIST
    /// may name an object written since, that this listing never saw).
    pub(super) fn record(&self, pointer_etag: Option<String>, listing: Arc<Listing>, at: Instant) {
        let mut state = lock(&self.state);
        state.looked = Some((at, listing.clone()));
        state.listed = Some(Listed {
            at,
            pointer_etag,
            listing,
        });
    }

    /// Whether the pointer with this ETag is reported now: once each.
    pub(super) fn first_refusal(&self, etag: &str) -> bool {
        let mut state = lock(&self.state);
        if state.refused_pointer.as_deref() == Some(etag) {
            return false;
        }
        state.refused_pointer = Some(etag.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(key: &str) -> Arc<Listing> {
        Arc::new(Listing {
            candidates: vec![crate::store::ObjectSummary {
                key: key.into(),
                etag: "\"e\"".into(),
                last_modified: chrono::DateTime::UNIX_EPOCH,
                size: 16,
            }],
            complete: true,
        })
    }

    #[test]
    fn the_last_listing_answers_only_under_its_pointer_and_until_the_audit() {
        let t0 = Instant::now();
        let audit = Duration::from_secs(60);
        let freshness = Freshness::new(audit, Duration::ZERO);
        assert_eq!(freshness.decide(Some("x"), t0), Decision::List, "cold: list");
        freshness.record(Some("x".into()), listing("p/1"), t0);
        assert_eq!(
            freshness.decide(Some("x"), t0 + audit / 2),
            Decision::Answer(listing("p/1"))
        );
        assert_eq!(freshness.decide(Some("y"), t0), Decision::List, "the pointer moved");
        assert_eq!(freshness.decide(Some("x"), t0 + audit), Decision::List, "audit due");
        assert_eq!(freshness.decide(None, t0), Decision::List, "no pointer");
        freshness.record(None, listing("p/1"), t0);
        assert_eq!(freshness.decide(None, t0), Decision::List, "listed without a pointer");
    }

    #[test]
    fn the_staleness_budget_answers_from_the_last_lookup_only_within_it() {
        let t0 = Instant::now();
        let budget = Duration::from_millis(500);
        let freshness = Freshness::new(Duration::from_secs(60), budget);
        assert_eq!(freshness.within_staleness(t0), None);
        freshness.record(Some("x".into()), listing("p/1"), t0);
        assert_eq!(freshness.within_staleness(t0 + budget / 2), Some(listing("p/1")));
        assert_eq!(freshness.within_staleness(t0 + budget), None);
        // A pointer read that confirms the listing restarts the budget.
        assert!(matches!(freshness.decide(Some("x"), t0 + budget), Decision::Answer(_)));
        assert!(freshness.within_staleness(t0 + budget + budget / 2).is_some());
        let off = Freshness::new(Duration::from_secs(60), Duration::ZERO);
        off.record(None, listing("p/1"), t0);
        assert_eq!(off.within_staleness(t0), None, "0: always look");
    }

    #[test]
    fn a_refused_pointer_is_reported_once() {
        let freshness = Freshness::new(Duration::from_secs(60), Duration::ZERO);
        assert!(freshness.first_refusal("x"));
        assert!(!freshness.first_refusal("x"));
        assert!(freshness.first_refusal("y"));
    }
}
