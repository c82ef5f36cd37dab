//! `GET /health`: whether this instance can serve the newest snapshot now,
//! for Route 53 health checks and failover.
//!
//! Route 53's checkers call from many places, several times a second. The
//! verdict is therefore kept per instance for `HEALTH_CACHE_SECONDS`, so the
//! route costs at most one LIST per interval and instance, plus the one GET
//! and KMS Decrypt that the first read of a new snapshot needs anyway (the
//! check takes the path a client request takes, caches, size limit and
//! skipped unauthentic objects included).
//!
//! Each check also writes the newest snapshot's age as a CloudWatch embedded
//! metric (`s3-latest` / `NewestObjectAgeSeconds`, per bucket): the standby's
//! alarm on it says whether replication keeps the standby worth failing over
//! to. No API call and no extra permission: Lambda ships stdout to the log
//! group, and CloudWatch Logs extracts the metric.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Retriever;
use crate::keyring::KeyProvider;
use crate::object_key;
use crate::sync::lock;

pub const HEALTH_ROUTE: &str = "/health";

pub const METRIC_NAMESPACE: &str = "s3-latest";
pub const NEWEST_AGE_METRIC: &str = "NewestObjectAgeSeconds";
/// Objects that failed authentication, once each per instance.
pub const UNAUTHENTIC_OBJECT_METRIC: &str = "UnauthenticObject";

/// The last verdict and when it was reached. A std mutex: the critical
/// section is a copy, never held across an await.
pub struct HealthVerdict {
    max_age: Duration,
    last: Mutex<Option<(Instant, bool)>>,
}

impl HealthVerdict {
    pub fn new(max_age: Duration) -> Self {
        HealthVerdict {
            max_age,
            last: Mutex::new(None),
        }
    }

    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    fn fresh(&self, now: Instant) -> Option<bool> {
        let last = *lock(&self.last);
        last.filter(|(at, _)| now.saturating_duration_since(*at) < self.max_age)
            .map(|(_, healthy)| healthy)
    }

    fn record(&self, at: Instant, healthy: bool) {
        *lock(&self.last) = Some((at, healthy));
    }
}

impl<K: KeyProvider> Retriever<K> {
    /// Whether the newest snapshot lists, reads and decrypts: from the kept
    /// verdict while it is fresh, else checked now. An empty store is
    /// unhealthy: this region has nothing to serve.
    pub async fn healthy(&self) -> bool {
        let now = Instant::now();
        if let Some(healthy) = self.health.fresh(now) {
            return healthy;
        }
        let healthy = match Box::pin(self.newest_snapshot()).await {
            Ok(Some(snapshot)) => {
                let now = Utc::now();
                let age = newest_age(&self.config.location.prefix, &snapshot.key, snapshot.last_modified, now);
                println!("{}", newest_age_metric(&self.config.location.bucket, age, now));
                true
            }
            Ok(None) => {
                tracing::warn!("health: no snapshot to serve yet");
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, "health: the newest snapshot cannot be served");
                false
            }
        };
        self.health.record(now, healthy);
        healthy
    }
}

/// How old the newest snapshot is: from the write time in its key, which
/// replication keeps (a replica's LastModified is when it landed), else from
/// LastModified for keys written by others.
fn newest_age(prefix: &str, key: &str, last_modified: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    let written = object_key::written_at(prefix, key).unwrap_or(last_modified);
    (now - written).to_std().unwrap_or(Duration::ZERO)
}

/// One CloudWatch embedded-metric-format record counting one event
/// (`name`, per bucket), as a single JSON line.
pub(super) fn count_metric(bucket: &str, name: &str) -> String {
    emf_line(bucket, name, "Count", 1, Utc::now())
}

fn newest_age_metric(bucket: &str, age: Duration, now: DateTime<Utc>) -> String {
    emf_line(bucket, NEWEST_AGE_METRIC, "Seconds", age.as_secs(), now)
}

/// One CloudWatch embedded-metric-format record: `name` = `value` in `unit`,
/// in the `s3-latest` namespace, per bucket, as a single JSON line. Lambda
/// ships stdout to the log group and CloudWatch Logs extracts the metric.
fn emf_line(bucket: &str, name: &str, unit: &str, value: u64, at: DateTime<Utc>) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": at.timestamp_millis(),
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": [["Bucket"]],
                "Metrics": [{ "Name": name, "Unit": unit }],
            }],
        },
        "Bucket": bucket,
        name: value,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjectSummary;

    #[test]
    fn the_age_comes_from_the_key_and_the_metric_is_one_emf_line() {
        let now = Utc::now();
        let written = now - chrono::Duration::seconds(90);
        let summary = ObjectSummary {
            key: object_key::snapshot_key("p/", written, 7),
            etag: "\"e\"".into(),
            // A replica lands later; its LastModified must not make it look fresher.
            last_modified: now - chrono::Duration::seconds(1),
            size: 1,
        };
        assert_eq!(newest_age("p/", &summary.key, summary.last_modified, now).as_secs(), 90);
        assert_eq!(newest_age("p/", "p/other", summary.last_modified, now).as_secs(), 1);

        let line = newest_age_metric("b", Duration::from_secs(90), now);
        assert!(!line.contains('\n'));
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        let directive = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], METRIC_NAMESPACE);
        assert_eq!(directive["Dimensions"][0][0], "Bucket");
        assert_eq!(directive["Metrics"][0]["Name"], NEWEST_AGE_METRIC);
        assert_eq!(record["Bucket"], "b");
        assert_eq!(record[NEWEST_AGE_METRIC], 90);
        assert_eq!(record["_aws"]["Timestamp"], now.timestamp_millis());

        let count: serde_json::Value = serde_json::from_str(&count_metric("b", UNAUTHENTIC_OBJECT_METRIC)).unwrap();
        assert_eq!(
            count["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            UNAUTHENTIC_OBJECT_METRIC
        );
        assert_eq!(count[UNAUTHENTIC_OBJECT_METRIC], 1);
        assert_eq!(count["Bucket"], "b");
    }

    #[test]
    fn a_verdict_is_kept_for_its_max_age_only() {
        let verdict = HealthVerdict::new(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(verdict.fresh(t0), None);
        verdict.record(t0, true);
        assert_eq!(verdict.fresh(t0 + Duration::from_millis(4_999)), Some(true));
        assert_eq!(verdict.fresh(t0 + Duration::from_secs(5)), None);
        let zero = HealthVerdict::new(Duration::ZERO);
        zero.record(t0, true);
        assert_eq!(zero.fresh(t0), None, "0 keeps nothing");
    }
}
