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

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::health::METRIC_NAMESPACE;
use super::{RetrieveError, Retriever};
use crate::keyring::KeyProvider;
use crate::pointer::PointerRead;
use crate::store::{LookupStrategy, ObjectSummary};
use crate::sync::lock;

pub const POINTER_REFUSED_METRIC: &str = "PointerRefused";

/// The listing's last answer, and the pointer it was listed under.
struct Listed {
    at: Instant,
    pointer_etag: String,
    newest: Option<ObjectSummary>,
}

pub(super) struct Listing {
    audit: Duration,
    last: Mutex<Option<Listed>>,
    /// The last pointer refused, so each is reported once.
    refused: Mutex<Option<String>>,
}

impl Listing {
    pub(super) fn new(audit: Duration) -> Self {
        Listing {
            audit,
            last: Mutex::new(None),
            refused: Mutex::new(None),
        }
    }

    /// The listing's last answer, if the pointer is the one it was listed
    /// under and the audit is not due.
    fn still_current(&self, pointer: &PointerRead, now: Instant) -> Option<Option<ObjectSummary>> {
        let etag = pointer.etag()?;
        lock(&self.last)
            .as_ref()
            .filter(|last| last.pointer_etag == etag && now.saturating_duration_since(last.at) < self.audit)
            .map(|last| last.newest.clone())
    }

    fn record(&self, pointer: &PointerRead, newest: Option<ObjectSummary>, at: Instant) {
        *lock(&self.last) = pointer.etag().map(|etag| Listed {
            at,
            pointer_etag: etag.to_owned(),
            newest,
        });
    }

    /// Whether `etag` is reported now: once per refused pointer.
    fn first_refusal(&self, etag: &str) -> bool {
        let mut refused = lock(&self.refused);
        if refused.as_deref() == Some(etag) {
            return false;
        }
        *refused = Some(etag.to_owned());
        true
    }
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
    /// The newest object, asked of S3 now: see the module's text.
    pub async fn look_up(&self) -> Result<Option<ObjectSummary>, RetrieveError> {
        let strategy = self.config.strategy;
        if strategy != LookupStrategy::Pointer {
            return Ok(self.store.newest(strategy).await?);
        }
        let pointer = self.pointer.read(&self.store).await;
        let now = Instant::now();
        if let Some(newest) = self.listing.still_current(&pointer, now) {
            return Ok(newest);
        }
        let newest = self.store.newest(strategy).await?;
        let pointer = self.check_pointer(pointer, newest.as_ref()).await;
        self.listing.record(&pointer, newest.clone(), now);
        Ok(newest)
    }

    /// Compares the pointer with the listing; the listing wins either way.
    /// An older pointer is read once more before it is reported, because an
    /// ingest may have written a newer object between the two reads.
    async fn check_pointer(&self, pointer: PointerRead, newest: Option<&ObjectSummary>) -> PointerRead {
        let PointerRead::Names { summary, .. } = &pointer else {
            return pointer;
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
            return pointer;
        };
        let listed = newest.map(|n| n.key.as_str()).unwrap_or("");
        match verdict {
            Verdict::Agrees => {}
            Verdict::Older => {
                if self.listing.first_refusal(etag) {
                    tracing::warn!(
                        security_event = "pointer_older_than_listing",
                        pointer_key = %summary.key,
                        newest_key = %listed,
                        "refused a pointer naming an older snapshot than the listing's newest; serving the listing's"
                    );
                    println!("{}", refused_metric(&self.config.location.bucket));
                }
            }
            Verdict::Unlisted => tracing::warn!(
                pointer_key = %summary.key,
                newest_key = %listed,
                "the pointer names an object the listing does not have; serving the listing's newest"
            ),
            Verdict::OtherVersion => tracing::info!(
                key = %summary.key,
                "the pointer describes another version of the newest object; serving the listed one"
            ),
        }
        pointer
    }
}

/// One CloudWatch embedded-metric-format record: a refused pointer.
fn refused_metric(bucket: &str) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": Utc::now().timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["Bucket"]],
                "Metrics": [{ "Name": POINTER_REFUSED_METRIC, "Unit": "Count" }],
            }],
        },
        "Bucket": bucket,
        POINTER_REFUSED_METRIC: 1,
    })
    .to_string()
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

    #[test]
    fn the_last_listing_answers_only_under_its_pointer_and_until_the_audit() {
        let t0 = Instant::now();
        let audit = Duration::from_secs(60);
        let listing = Listing::new(audit);
        let pointer = |etag: &str| PointerRead::Names {
            etag: etag.into(),
            summary: at("p/1", "a"),
        };
        assert_eq!(listing.still_current(&pointer("x"), t0), None, "cold: list");
        listing.record(&pointer("x"), Some(at("p/1", "a")), t0);
        assert_eq!(
            listing.still_current(&pointer("x"), t0 + audit / 2),
            Some(Some(at("p/1", "a")))
        );
        assert_eq!(listing.still_current(&pointer("y"), t0), None, "the pointer moved");
        assert_eq!(listing.still_current(&pointer("x"), t0 + audit), None, "audit due");
        assert_eq!(listing.still_current(&PointerRead::FallBack, t0), None, "no pointer");
    }

    #[test]
    fn a_refused_pointer_is_reported_once_and_the_metric_is_one_emf_line() {
        let listing = Listing::new(Duration::from_secs(60));
        assert!(listing.first_refusal("x"));
        assert!(!listing.first_refusal("x"));
        assert!(listing.first_refusal("y"));
        let record: serde_json::Value = serde_json::from_str(&refused_metric("b")).unwrap();
        assert_eq!(
            record["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            POINTER_REFUSED_METRIC
        );
        assert_eq!(record[POINTER_REFUSED_METRIC], 1);
        assert_eq!(record["Bucket"], "b");
    }
}
