//! Building the AWS clients once per process.
//!
//! aws-config resolves region, credentials and endpoints (including
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_S3`) from the environment, so the
//! same binary talks to AWS, moto or the embedded store.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::{AwsSettings, CallBudget, IngestConfig, Location, RetrieveConfig};
use crate::ingest::Ingestor;
use crate::ingest::publish::EventBridgePublisher;
use crate::ingest::source::SourceError;
use crate::keyring::KmsKeyring;
use crate::retrieve::Retriever;
use crate::store::SnapshotStore;

/// The environment's AWS configuration, with every call bounded by `calls`.
pub async fn load_sdk_config(calls: &CallBudget) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeout_config(calls))
        .retry_config(retry_config(calls))
        .load()
        .await
}

/// Connect, per-read, per-attempt and whole-operation timeouts. The read
/// timeout also bounds each wait for a streamed body's next bytes, which the
/// attempt timeout (it ends at the response headers) does not.
pub fn timeout_config(calls: &CallBudget) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(calls.connect)
        .read_timeout(calls.attempt)
        .operation_attempt_timeout(calls.attempt)
        .operation_timeout(calls.operation)
        .build()
}

/// The SDK's standard mode (it retries timeouts, I/O errors, 5xx and
/// throttling, and never a 4xx such as a conditional write's 412) with a
/// short first backoff, so a retry fits in the operation's budget.
pub fn retry_config(calls: &CallBudget) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(calls.max_attempts)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(calls.attempt / 2)
}

/// Retry tokens S3's quota regains per second, whatever the answers: a
/// retry costs 5 (10 after a timeout), so 20 retries a second, sustained,
/// beyond the bucket's burst of 500 tokens.
pub const S3_RETRY_TOKENS_PER_SECOND: f32 = 100.0;

/// S3's retry quota, refilled with time. The SDK's standard quota (a token
/// bucket each retry draws from, so retries stop under widespread failure)
/// is refilled only by first-attempt successes. The warm path's normal
/// answer is the pointer's 304, which the SDK counts as a failed attempt that
/// earns nothing, so on a warm instance that quota drains fault by fault and
/// retries stop for good (the fault-injection suite saw 4.5% of retrieves
/// fail where 0.5% do with this quota). Refilled with time, retries stay
/// bounded under a real outage, and never run out on an instance that is
/// merely warm.
pub fn s3_retry_partition() -> aws_sdk_s3::config::retry::RetryPartition {
    use aws_sdk_s3::config::retry::{RetryPartition, TokenBucket};
    RetryPartition::custom("s3-latest-s3")
        .token_bucket(TokenBucket::builder().refill_rate(S3_RETRY_TOKENS_PER_SECOND).build())
        .build()
}

pub fn s3_client(sdk: &SdkConfig, force_path_style: bool) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(force_path_style)
            .retry_partition(s3_retry_partition())
            .build(),
    )
}

fn snapshot_store(sdk: &SdkConfig, aws: &AwsSettings, location: &Location) -> SnapshotStore {
    SnapshotStore::new(
        s3_client(sdk, aws.s3_force_path_style),
        &location.bucket,
        &location.prefix,
    )
    .with_sse_kms(aws.s3_sse_kms_key_id.clone())
}

/// The retrieve service as deployed: S3 plus KMS.
pub fn retriever(sdk: &SdkConfig, aws: &AwsSettings, config: RetrieveConfig) -> Retriever<KmsKeyring> {
    let store = snapshot_store(sdk, aws, &config.location);
    let keys = KmsKeyring::new(aws_sdk_kms::Client::new(sdk), &aws.kms_key_id);
    Retriever::new(store, keys, config)
}

/// The ingest service as deployed: S3, KMS (data keys, and trigger tags
/// under `trigger_key_id`) and, when a bus is named, EventBridge.
pub fn ingestor(
    sdk: &SdkConfig,
    aws: &AwsSettings,
    trigger_key_id: &str,
    config: &IngestConfig,
) -> Result<Ingestor<KmsKeyring, Option<EventBridgePublisher>>, SourceError> {
    let store = snapshot_store(sdk, aws, &config.location);
    let keys = KmsKeyring::new(aws_sdk_kms::Client::new(sdk), &aws.kms_key_id).with_trigger_key(trigger_key_id);
    let publisher = config
        .event_bus
        .as_ref()
        .map(|bus| EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), bus));
    Ingestor::new(store, keys, publisher, config)
}
