//! Which object is newest. The listing decides; the pointer only says when to
//! ask it again.
//!
//! Anyone with plain `s3:PutObject` on the bucket can write the pointer, so it
//! is never the answer. An instance lists:
//!
//! * when it has not listed yet (a cold start);
//! * when the pointer's ETag differs from the one it listed under (someone
//!   wrote it: an ingest, or anyone else);
//! * when there is no usable pointer (every request, as before pointers);
//! * and at least every `POINTER_AUDIT_SECONDS` regardless, so objects that
//!   never moved the pointer (another writer, a restore, a failed pointer
//!   update, a deletion) are served within that bound.
//!
//! Between those, a 304 on the pointer answers with the listing's last word:
//! 0 LIST per request. A pointer naming an older object than the listing's
//! newest is refused, logged once as a security event and counted in the
//! `PointerRefused` metric; one naming an object the listing lacks is logged.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::freshness::Decision;
use super::health::count_metric;
use super::{MAX_OPENS_PER_REQUEST, RetrieveError, Retriever, entity_tag};
use crate::keyring::KeyProvider;
use crate::pointer::PointerRead;
use crate::store::{Listing, LookupStrategy, ObjectSummary};

pub const POINTER_REFUSED_METRIC: &str = "PointerRefused";

/// What a lookup found, and how.
pub(super) struct Looked {
    pub(super) listing: Arc<Listing>,
    /// The pointer read before a listing made now, to judge against what is
    /// served; `None` when the answer came from memory or no pointer is used.
    pub(super) pointer: Option<PointerRead>,
    pub(super) from_memory: bool,
}

/// How a pointer compares with the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It names the listing's newest object.
    Agrees,
    /// It names an older object: a rollback or a freeze.
    Older,
    /// It names a key the listing does not have (deleted, or never written).
    Unlisted,
    /// It names the listing's newest key, but another version of it.
    OtherVersion,
}

/// Compares what the pointer names with the listing's newest. Keys sort
/// newest first, so a greater key is an older object.
pub fn judge(named: &ObjectSummary, listed: Option<&ObjectSummary>) -> Verdict {
    match listed {
        None => Verdict::Unlisted,
        Some(listed) if named == listed => Verdict::Agrees,
        Some(listed) if named.key > listed.key => Verdict::Older,
        Some(listed) if named.key < listed.key => Verdict::Unlisted,
        Some(_) => Verdict::OtherVersion,
    }
}

impl<K: KeyProvider> Retriever<K> {
    /// The newest candidates: from memory when [`super::freshness`] allows,
    /// else listed now (`relist`: now, whatever it allows). The listing
    /// counts only objects this instance has not refused towards the
    /// candidates it wants, so refused ones never cost it a second LIST.
    pub(super) async fn look_up(&self, relist: bool) -> Result<Looked, RetrieveError> {
        let now = Instant::now();
        let remembered = |listing| Looked {
            listing,
            pointer: None,
            from_memory: true,
        };
        if !relist && let Some(listing) = self.freshness.within_staleness(now) {
            return Ok(remembered(listing));
        }
        let pointer = match self.config.strategy {
            LookupStrategy::Pointer => Some(self.pointer.read(&self.store).await),
            LookupStrategy::Index | LookupStrategy::Scan => None,
        };
        let pointer_etag = pointer.as_ref().and_then(|p| p.etag()).map(str::to_owned);
        if !relist && let Decision::Answer(listing) = self.freshness.decide(pointer_etag.as_deref(), now) {
            return Ok(remembered(listing));
        }
        let refused = |summary: &ObjectSummary| self.refusals.contains(&entity_tag(summary));
        let listing = self
            .store
            .candidates(self.config.strategy, Utc::now(), MAX_OPENS_PER_REQUEST, &refused)
            .await?;
        let listing = Arc::new(listing);
        self.freshness.record(pointer_etag, listing.clone(), now);
        Ok(Looked {
            listing,
            pointer,
            from_memory: false,
        })
    }

    /// Compares the pointer with what is served; what is served wins either
    /// way. An older pointer is read once more before it is reported,
    /// because an ingest may have written a newer object between the two
    /// reads. Only ever logs and counts.
    pub(super) async fn check_pointer(&self, pointer: PointerRead, newest: Option<&ObjectSummary>) {
        let PointerRead::Names { summary, .. } = &pointer else {
            return;
        };
        let mut verdict = judge(summary, newest);
        let pointer = if verdict == Verdict::Older {
            let again = self.pointer.read(&self.store).await;
            verdict = match &again {
                PointerRead::Names { summary, .. } => judge(summary, newest),
                PointerRead::FallBack => Verdict::Agrees,
            };
            again
        } else {
            pointer
        };
        let PointerRead::Names { etag, summary } = &pointer else {
            return;
        };
        let listed = newest.map(|n| n.key.as_str()).unwrap_or("");
        match verdict {
            Verdict::Agrees => {}
            Verdict::Older => {
                if self.freshness.first_refusal(etag) {
                    tracing::warn!(
                        security_event = "pointer_older_than_listing",
                        pointer_key = %summary.key,
                        newest_key = %listed,
                        "refused a pointer naming an older snapshot than the listing's newest; serving the listing's"
                    );
                    println!("{}", count_metric(&self.config.location.bucket, POINTER_REFUSED_METRIC));
                }
            }
            Verdict::Unlisted => tracing::warn!(
                pointer_key = %summary.key,
                newest_key = %listed,
                "the pointer names an object the listing does not have, or one refused; serving the newest that authenticates"
            ),
            Verdict::OtherVersion => tracing::info!(
                key = %summary.key,
                "the pointer describes another version of the newest object; serving the listed one"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(key: &str, etag: &str) -> ObjectSummary {
        ObjectSummary {
            key: key.into(),
            etag: etag.into(),
            last_modified: Utc.timestamp_millis_opt(1_764_000_000_000).unwrap(),
            size: 1,
        }
    }

    #[test]
    fn the_listing_judges_the_pointer() {
        let newest = at("p/1", "a");
        assert_eq!(judge(&newest, Some(&newest)), Verdict::Agrees);
        assert_eq!(judge(&at("p/2", "a"), Some(&newest)), Verdict::Older);
        assert_eq!(judge(&at("p/0", "a"), Some(&newest)), Verdict::Unlisted);
        assert_eq!(judge(&newest, None), Verdict::Unlisted);
        assert_eq!(judge(&at("p/1", "b"), Some(&newest)), Verdict::OtherVersion);
    }
}
