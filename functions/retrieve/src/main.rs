//! The retrieve Lambda: reads configuration, builds the AWS clients once, and
//! hands each API Gateway request to [`s3_latest::retrieve::Retriever`],
//! answering in one payload or, with `RESPONSE_MODE=stream`, as a stream.

// The streaming runtime's tower layers nest deeper than rustc's default
// layout query depth allows for `main`'s future.
#![recursion_limit = "256"]

use lambda_http::{Error, Request, service_fn};
use s3_latest::config::{AwsSettings, CallBudget, ConfigError, ProcessEnv, ResponseMode, RetrieveConfig};

fn configure() -> Result<(RetrieveConfig, AwsSettings), ConfigError> {
    let config = RetrieveConfig::from_env(&ProcessEnv)?;
    // The SDK's calls share the request's bound: three in sequence fit in it.
    let aws = AwsSettings::from_env(&ProcessEnv, CallBudget::for_retrieve(config.request_timeout))?;
    Ok((config, aws))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    s3_latest::logging::init();
    let (config, aws) = configure().unwrap_or_else(|e| e.exit());
    let sdk = s3_latest::aws::load_sdk_config(&aws.calls).await;
    let retriever = s3_latest::aws::retriever(&sdk, &aws, config);
    let retriever = &retriever;

    match retriever.config().response_mode {
        ResponseMode::Buffered => {
            lambda_http::run(service_fn(move |request: Request| async move {
                Ok::<_, Error>(retriever.handle(request).await)
            }))
            .await
        }
        ResponseMode::Stream => {
            lambda_http::run_with_streaming_response(service_fn(move |request: Request| async move {
                Ok::<_, Error>(retriever.handle_streaming(request).await)
            }))
            .await
        }
    }
}
