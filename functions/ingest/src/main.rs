//! The ingest Lambda: reads configuration, builds the AWS clients once, and
//! hands each EventBridge invocation to [`s3_latest::ingest::Ingestor`].

use lambda_runtime::{Error, LambdaEvent, service_fn};
use s3_latest::config::{AwsSettings, ConfigError, IngestConfig, ProcessEnv};

fn configure() -> Result<(IngestConfig, AwsSettings), ConfigError> {
    Ok((
        IngestConfig::from_env(&ProcessEnv)?,
        AwsSettings::from_env(&ProcessEnv)?,
    ))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let (config, aws) = configure().unwrap_or_else(|e| e.exit());
    let sdk = s3_latest::aws::load_sdk_config().await;
    let ingestor = s3_latest::aws::ingestor(&sdk, &aws, &config)?;
    let ingestor = &ingestor;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        ingestor.run(&event.payload).await
    }))
    .await
}
