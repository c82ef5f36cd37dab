//! The authorizer Lambda: reads the issuer, audiences and public keys once,
//! and answers each API Gateway TOKEN request with
//! [`s3_latest::authorizer::TokenAuthorizer`].

use lambda_runtime::{Error, LambdaEvent, service_fn};
use s3_latest::authorizer::{TokenAuthorizer, TokenRequest};
use s3_latest::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    s3_latest::logging::init();
    let config = s3_latest::config::authorizer_config(&ProcessEnv).unwrap_or_else(|e| e.exit());
    let authorizer = &TokenAuthorizer::new(config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<TokenRequest>| async move {
        authorizer.authorize(&event.payload)
    }))
    .await
}
