//! Counts AWS API calls by operation, as an SDK interceptor. Tests and the
//! benchmark attach it to prove how many S3 and KMS requests a path makes.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Shared tally of requests sent, keyed by operation name (`ListObjectsV2`,
/// `GetObject`, `Decrypt`, ...). Counts every attempt, retries included;
/// [`operations`](Self::operations) counts each call once, however many
/// attempts it took.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    operations: Arc<AtomicU64>,
    not_modified: Arc<AtomicU64>,
}

impl RequestCounter {
    pub fn get(&self, operation: &str) -> u64 {
        self.lock().get(operation).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    /// Calls made, each counted once (attempts beyond the first are retries).
    pub fn operations(&self) -> u64 {
        self.operations.load(Ordering::Relaxed)
    }

    /// Responses that were `304 Not Modified` (conditional GETs answered
    /// without a body).
    pub fn not_modified(&self) -> u64 {
        self.not_modified.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.lock().clear();
        self.operations.store(0, Ordering::Relaxed);
        self.not_modified.store(0, Ordering::Relaxed);
    }

    // A std mutex: the critical section is a map update, never held across an await.
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        crate::lock(&self.counts)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_execution(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.operations.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_owned())
            .unwrap_or_else(|| "unknown".into());
        *self.lock().entry(name).or_default() += 1;
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().status().as_u16() == 304 {
            self.not_modified.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
