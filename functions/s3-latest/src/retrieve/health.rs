//! `GET /health`: whether this instance can serve the newest snapshot now,
//! for Route 53 health checks and failover.
//!
//! Route 53's checkers call from many places, several times a second. The
//! verdict is therefore kept per instance for `HEALTH_CACHE_SECONDS`, so the
//! route costs at most one LIST per interval and instance, plus the one GET
//! and KMS Decrypt that the first read of a new snapshot needs anyway (the
//! check goes through retrieve's own caches, so it proves the same path a
//! client request takes).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Retriever;
use crate::keyring::KeyProvider;

pub const HEALTH_ROUTE: &str = "/health";

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
        let last = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.filter(|(at, _)| now.saturating_duration_since(*at) < self.max_age)
            .map(|(_, healthy)| healthy)
    }

    fn record(&self, at: Instant, healthy: bool) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((at, healthy));
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
        let healthy = match self.newest().await {
            Ok(Some(summary)) => match self.load(&summary).await {
                Ok(_) => true,
                Err(err) => {
                    tracing::warn!(error = %err, key = %summary.key, "health: the newest snapshot cannot be served");
                    false
                }
            },
            Ok(None) => {
                tracing::warn!("health: no snapshot to serve yet");
                false
            }
            Err(err) => {
                tracing::warn!(error = %err, "health: the newest snapshot cannot be listed");
                false
            }
        };
        self.health.record(now, healthy);
        healthy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
