//! Calling s3-latest from Rust with reqwest: fetch the newest snapshot, then
//! revalidate it with its ETag (a `304` costs the service one conditional
//! GET and no decryption).
//!
//!     S3_LATEST_API_KEY=<key> cargo run -p s3-latest-example-client -- <retrieve URL>
//!
//! Behind IAM authorization, sign the request instead (aws-sigv4).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: s3-latest-example-client <retrieve URL>");
        return ExitCode::from(2);
    };
    match run(&url).await {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    // reqwest's rustls needs a crypto provider: aws-lc-rs, as the service uses.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let client = reqwest::Client::new();
    let with_key = |request: reqwest::RequestBuilder| match std::env::var("S3_LATEST_API_KEY") {
        Ok(key) => request.header("x-api-key", key),
        Err(_) => request,
    };

    let response = with_key(client.get(url)).send().await?;
    let status = response.status();
    if !status.is_success() {
        // Every error is {"error":{"code","message","request_id"}}.
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await?)?;
        return Err(format!(
            "{status}: {} (request {})",
            body["error"]["code"], body["error"]["request_id"]
        )
        .into());
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (etag, key, content_type) = (header("etag"), header("x-object-key"), header("content-type"));
    let bytes = response.bytes().await?.len();

    let again = with_key(client.get(url).header("if-none-match", &etag)).send().await?;
    Ok(serde_json::json!({
        "key": key,
        "etag": etag,
        "content_type": content_type,
        "bytes": bytes,
        "revalidated": again.status().as_u16(),
    }))
}
