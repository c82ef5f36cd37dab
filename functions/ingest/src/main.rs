//! The ingest Lambda: reads configuration, builds the AWS clients once, and
//! hands each EventBridge invocation to [`s3_latest::ingest::Ingestor`].

use std::time::{Duration, SystemTime};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use s3_latest::config::{
    AwsSettings, CallBudget, ConfigError, DEFAULT_INGEST_FUNCTION_TIMEOUT, IngestConfig, ProcessEnv, function_timeout,
    trigger_key_id,
};

/// Kept back from the invocation's deadline, to report the failure.
const DEADLINE_MARGIN: Duration = Duration::from_millis(1_000);

fn configure() -> Result<(IngestConfig, AwsSettings, String), ConfigError> {
    let config = IngestConfig::from_env(&ProcessEnv)?;
    let timeout = function_timeout(&ProcessEnv, DEFAULT_INGEST_FUNCTION_TIMEOUT)?;
    let aws = AwsSettings::from_env(&ProcessEnv, CallBudget::for_ingest(timeout))?;
    Ok((config, aws, trigger_key_id(&ProcessEnv)?))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    s3_latest::logging::init();
    let (config, aws, trigger_key_id) = configure().unwrap_or_else(|e| e.exit());
    let sdk = s3_latest::aws::load_sdk_config(&aws.calls).await;
    let ingestor = s3_latest::aws::ingestor(&sdk, &aws, &trigger_key_id, &config)?;
    let ingestor = &ingestor;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let left = event
            .context
            .deadline()
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        ingestor
            .run_within(&event.payload, left.saturating_sub(DEADLINE_MARGIN))
            .await
    }))
    .await
}
