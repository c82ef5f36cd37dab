//! Building the AWS clients once per process.
//!
//! aws-config resolves region, credentials and endpoints (including
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_S3`) from the environment, so the
//! same binary talks to AWS, moto or the embedded store.

use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::{AwsSettings, IngestConfig, RetrieveConfig};
use crate::ingest::Ingestor;
use crate::ingest::publish::{EventBridgePublisher, NoPublisher, Publisher};
use crate::ingest::source::SourceError;
use crate::keyring::KmsKeyring;
use crate::retrieve::Retriever;
use crate::store::SnapshotStore;

pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub fn s3_client(sdk: &SdkConfig, force_path_style: bool) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(force_path_style)
            .build(),
    )
}

/// The retrieve service as deployed: S3 plus KMS.
pub fn retriever(sdk: &SdkConfig, aws: &AwsSettings, config: RetrieveConfig) -> Retriever<KmsKeyring> {
    let store = SnapshotStore::new(
        s3_client(sdk, aws.s3_force_path_style),
        &config.location.bucket,
        &config.location.prefix,
    );
    let keys = KmsKeyring::new(aws_sdk_kms::Client::new(sdk), &aws.kms_key_id);
    Retriever::new(store, keys, config)
}

/// The ingest service as deployed: S3, KMS and, when a bus is named, EventBridge.
pub fn ingestor(
    sdk: &SdkConfig,
    aws: &AwsSettings,
    config: &IngestConfig,
) -> Result<Ingestor<KmsKeyring, Publisher>, SourceError> {
    let store = SnapshotStore::new(
        s3_client(sdk, aws.s3_force_path_style),
        &config.location.bucket,
        &config.location.prefix,
    );
    let keys = KmsKeyring::new(aws_sdk_kms::Client::new(sdk), &aws.kms_key_id);
    let publisher = match &config.event_bus {
        Some(bus) => Publisher::EventBridge(EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(sdk), bus)),
        None => Publisher::None(NoPublisher),
    };
    Ingestor::new(store, keys, publisher, config)
}
