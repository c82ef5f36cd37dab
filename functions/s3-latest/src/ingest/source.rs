//! Where a snapshot comes from: a generated JSON document, or an HTTP(S)
//! resource fetched with a timeout, a size cap and conditional requests.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use http::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, USER_AGENT};
use http::{StatusCode, Uri};
use http_body_util::{BodyExt, Empty};
use hyper_rustls::{ConfigBuilderExt, HttpsConnector};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::RngCore;

use super::redirect::{RedirectPolicy, Refusal};
use super::resolve::{CheckedResolver, refusal_in};
use crate::config::{SourceConfig, is_printable_ascii};

/// The same HTTP stack the AWS SDK runs on (hyper, hyper-rustls over
/// aws-lc-rs, the system's root certificates), so fetching a source adds no
/// second client to the binary.
type HttpsClient = Client<HttpsConnector<HttpConnector<CheckedResolver>>, Empty<Bytes>>;

/// Redirects followed before a source is refused, as a browser would.
const MAX_REDIRECTS: usize = 5;

/// The longest upstream `ETag` or `Last-Modified` kept (an HTTP date is 29).
pub const MAX_VALIDATOR_LEN: usize = 256;

/// The longest upstream `Content-Type` kept; it is stored, bound into the
/// encryption context and served.
pub const MAX_CONTENT_TYPE_LEN: usize = 256;

/// Object metadata names that carry the source's validators to the next run.
const META_SOURCE_ETAG: &str = "source-etag";
const META_SOURCE_LAST_MODIFIED: &str = "source-last-modified";

/// The upstream's `ETag` and `Last-Modified`, kept with each object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceValidators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl SourceValidators {
    pub fn from_metadata(metadata: &HashMap<String, String>) -> Self {
        SourceValidators {
            etag: metadata.get(META_SOURCE_ETAG).cloned(),
            last_modified: metadata.get(META_SOURCE_LAST_MODIFIED).cloned(),
        }
    }

    /// The validators worth keeping. S3 metadata must be printable ASCII,
    /// and all of an object's user metadata fits in 2 KB: one long upstream
    /// validator would fail every PutObject, forever. A validator that is
    /// not printable or longer than [`MAX_VALIDATOR_LEN`] is dropped (the
    /// next fetch is then unconditional) and logged.
    pub fn to_metadata(&self) -> impl Iterator<Item = (String, String)> + '_ {
        [
            (META_SOURCE_ETAG, &self.etag),
            (META_SOURCE_LAST_MODIFIED, &self.last_modified),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_ref()?;
            if is_printable_ascii(value, MAX_VALIDATOR_LEN) {
                Some((name.to_owned(), value.clone()))
            } else {
                tracing::warn!(
                    validator = name,
                    len = value.len(),
                    "dropping an upstream validator S3 cannot keep"
                );
                None
            }
        })
    }
}

/// A snapshot ready to encrypt.
#[derive(Debug, Clone)]
pub struct SourceSnapshot {
    pub body: Vec<u8>,
    pub content_type: String,
    pub validators: SourceValidators,
}

#[derive(Debug)]
pub enum Fetch {
    Changed(SourceSnapshot),
    /// The source answered 304 to our validators: nothing new to write.
    Unchanged,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("source did not answer within {0:?}")]
    Timeout(Duration),
    #[error("source unreachable")]
    Unreachable,
    #[error("source answered HTTP {0}")]
    Status(u16),
    #[error("source body exceeds the {limit}-byte limit")]
    TooLarge { limit: u64 },
    #[error("source body could not be read")]
    Body,
    #[error("HTTP client could not be built: {0}")]
    Client(String),
    #[error("source redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    #[error("source redirect refused: {0}")]
    Redirect(#[from] Refusal),
}

pub struct Source {
    kind: SourceKind,
}

enum SourceKind {
    Generated {
        function_version: String,
    },
    Url {
        // Boxed: the client is large, and a Source is built once.
        client: Box<HttpsClient>,
        url: url::Url,
        redirects: RedirectPolicy,
        max_bytes: u64,
        timeout: Duration,
    },
}

impl Source {
    pub fn new(config: &SourceConfig, function_version: &str) -> Result<Self, SourceError> {
        Self::with_resolver(config, function_version, CheckedResolver::system)
    }

    /// [`new`](Self::new) with another resolver, made for the source's host
    /// (tests answer their own addresses).
    pub fn with_resolver(
        config: &SourceConfig,
        function_version: &str,
        resolver: impl FnOnce(&str) -> CheckedResolver,
    ) -> Result<Self, SourceError> {
        let kind = match config {
            SourceConfig::Generated => SourceKind::Generated {
                function_version: function_version.to_owned(),
            },
            SourceConfig::Url {
                url,
                timeout,
                max_bytes,
                redirect_hosts,
            } => {
                let url: url::Url = url
                    .to_string()
                    .parse()
                    .map_err(|e: url::ParseError| SourceError::Client(e.to_string()))?;
                let resolver = resolver(url.host_str().unwrap_or_default());
                SourceKind::Url {
                    client: Box::new(https_client(*timeout, resolver)?),
                    redirects: RedirectPolicy::new(&url, redirect_hosts),
                    url,
                    max_bytes: *max_bytes,
                    timeout: *timeout,
                }
            }
        };
        Ok(Source { kind })
    }

    /// Whether fetches depend on the previous object's validators.
    pub fn is_conditional(&self) -> bool {
        matches!(self.kind, SourceKind::Url { .. })
    }

    pub async fn fetch(&self, previous: &SourceValidators, trigger: &str) -> Result<Fetch, SourceError> {
        match &self.kind {
            SourceKind::Generated { function_version } => Ok(Fetch::Changed(generated(function_version, trigger))),
            SourceKind::Url {
                client,
                url,
                redirects,
                max_bytes,
                timeout,
            } => fetch_url(client, url, redirects, *max_bytes, *timeout, previous).await,
        }
    }
}

fn https_client(connect_timeout: Duration, resolver: CheckedResolver) -> Result<HttpsClient, SourceError> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SourceError::Client(e.to_string()))?
        // The system's roots, as the SDK's client loads them.
        .with_native_roots()
        .map_err(|e| SourceError::Client(e.to_string()))?
        .with_no_client_auth();
    let mut tcp = HttpConnector::new_with_resolver(resolver);
    tcp.set_connect_timeout(Some(connect_timeout));
    tcp.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

fn generated(function_version: &str, trigger: &str) -> SourceSnapshot {
    let mut run_id = [0u8; 16];
    rand::rng().fill_bytes(&mut run_id);
    let document = serde_json::json!({
        "generated_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "run_id": hex::encode(run_id),
        "function_version": function_version,
        "trigger": trigger,
    });
    SourceSnapshot {
        body: document.to_string().into_bytes(),
        content_type: "application/json".into(),
        validators: SourceValidators::default(),
    }
}

/// One fetch, redirects and body included, within `timeout`: a source that
/// answers at once and then trickles is cut off like one that never answers.
async fn fetch_url(
    client: &HttpsClient,
    url: &url::Url,
    redirects: &RedirectPolicy,
    max_bytes: u64,
    timeout: Duration,
    previous: &SourceValidators,
) -> Result<Fetch, SourceError> {
    tokio::time::timeout(
        timeout,
        fetch_following_redirects(client, url, redirects, max_bytes, previous),
    )
    .await
    .unwrap_or(Err(SourceError::Timeout(timeout)))
}

async fn fetch_following_redirects(
    client: &HttpsClient,
    url: &url::Url,
    redirects: &RedirectPolicy,
    max_bytes: u64,
    previous: &SourceValidators,
) -> Result<Fetch, SourceError> {
    let mut url = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let uri: Uri = url
            .as_str()
            .parse()
            .map_err(|e: http::uri::InvalidUri| SourceError::Client(e.to_string()))?;
        let mut request = http::Request::get(uri).header(USER_AGENT, concat!("s3-latest/", env!("CARGO_PKG_VERSION")));
        if let Some(etag) = &previous.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &previous.last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified);
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| SourceError::Client(e.to_string()))?;
        let response = client.request(request).await.map_err(|e| match refusal_in(&e) {
            // The resolver refused the host: what it resolves to is internal.
            Some(refusal) => SourceError::Redirect(refusal),
            None => SourceError::Unreachable,
        })?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
            url = redirects.follow(&url, location).inspect_err(|refusal| {
                tracing::warn!(from = %url, %refusal, "refused a source redirect");
            })?;
            continue;
        }
        return read_response(response, max_bytes).await;
    }
    Err(SourceError::TooManyRedirects)
}

async fn read_response(response: http::Response<hyper::body::Incoming>, max_bytes: u64) -> Result<Fetch, SourceError> {
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Fetch::Unchanged);
    }
    if !status.is_success() {
        return Err(SourceError::Status(status.as_u16()));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &http::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    if header(http::header::CONTENT_LENGTH)
        .and_then(|len| len.parse::<u64>().ok())
        .is_some_and(|len| len > max_bytes)
    {
        return Err(SourceError::TooLarge { limit: max_bytes });
    }
    let content_type = match header(CONTENT_TYPE) {
        Some(value) if is_printable_ascii(&value, MAX_CONTENT_TYPE_LEN) => value,
        Some(value) => {
            tracing::warn!(
                len = value.len(),
                "the upstream Content-Type is unusable; storing octet-stream"
            );
            "application/octet-stream".into()
        }
        None => "application/octet-stream".into(),
    };
    let validators = SourceValidators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };

    // Content-Length can be absent or wrong; count what actually arrives.
    let mut body = Vec::new();
    let mut incoming = response.into_body();
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|_| SourceError::Body)?;
        if let Ok(chunk) = frame.into_data() {
            if body.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(SourceError::TooLarge { limit: max_bytes });
            }
            body.extend_from_slice(&chunk);
        }
    }
    Ok(Fetch::Changed(SourceSnapshot {
        body,
        content_type,
        validators,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_generated_snapshot_is_json_with_a_fresh_run_id() {
        let source = Source::new(&SourceConfig::Generated, "7").unwrap();
        assert!(!source.is_conditional());
        let Fetch::Changed(a) = source.fetch(&SourceValidators::default(), "schedule").await.unwrap() else {
            panic!()
        };
        let Fetch::Changed(b) = source.fetch(&SourceValidators::default(), "schedule").await.unwrap() else {
            panic!()
        };
        let doc: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(a.content_type, "application/json");
        assert_eq!(doc["function_version"], "7");
        assert_eq!(doc["trigger"], "schedule");
        assert_eq!(doc["run_id"].as_str().unwrap().len(), 32);
        assert_ne!(a.body, b.body);
    }

    #[test]
    fn validators_round_trip_through_metadata_and_skip_unprintable_values() {
        let v = SourceValidators {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Sat, 21 Nov 2026 22:00:00 GMT".into()),
        };
        let metadata: HashMap<_, _> = v.to_metadata().collect();
        assert_eq!(SourceValidators::from_metadata(&metadata), v);
        let odd = SourceValidators {
            etag: Some("\"caf\u{e9}\"".into()),
            last_modified: None,
        };
        assert_eq!(odd.to_metadata().count(), 0);
        let long = SourceValidators {
            etag: Some(format!("\"{}\"", "a".repeat(MAX_VALIDATOR_LEN))),
            last_modified: Some("Sat, 21 Nov 2026 22:00:00 GMT".into()),
        };
        let kept: HashMap<_, _> = long.to_metadata().collect();
        assert_eq!(kept.len(), 1, "the over-long ETag is dropped, the date kept");
        assert!(kept.contains_key(META_SOURCE_LAST_MODIFIED));
    }
}
