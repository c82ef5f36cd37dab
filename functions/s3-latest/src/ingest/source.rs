//! Where a snapshot comes from: a generated JSON document, or an HTTP(S)
//! resource fetched with a timeout, a size cap and conditional requests.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rand::RngCore;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use crate::config::SourceConfig;

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

    pub fn to_metadata(&self) -> impl Iterator<Item = (String, String)> + '_ {
        // S3 metadata must be printable ASCII; a validator that is not cannot be replayed anyway.
        let printable = |v: &&String| v.bytes().all(|b| (0x20..0x7f).contains(&b));
        [
            (META_SOURCE_ETAG, &self.etag),
            (META_SOURCE_LAST_MODIFIED, &self.last_modified),
        ]
        .into_iter()
        .filter_map(move |(name, value)| value.as_ref().filter(printable).map(|v| (name.to_owned(), v.clone())))
    }
}

/// A snapshot ready to encrypt.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub body: Vec<u8>,
    pub content_type: String,
    pub validators: SourceValidators,
}

#[derive(Debug)]
pub enum Fetch {
    Changed(Snapshot),
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
}

pub struct Source {
    kind: SourceKind,
}

enum SourceKind {
    Generated {
        function_version: String,
    },
    Url {
        client: reqwest::Client,
        url: reqwest::Url,
        max_bytes: u64,
        timeout: Duration,
    },
}

impl Source {
    pub fn new(config: &SourceConfig, function_version: &str) -> Result<Self, SourceError> {
        let kind = match config {
            SourceConfig::Generated => SourceKind::Generated {
                function_version: function_version.to_owned(),
            },
            SourceConfig::Url {
                url,
                timeout,
                max_bytes,
            } => {
                // The SDKs already link aws-lc-rs; use it for this client too rather than a second TLS stack.
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                let client = reqwest::Client::builder()
                    .timeout(*timeout)
                    .connect_timeout(*timeout)
                    .user_agent(concat!("s3-latest/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| SourceError::Client(e.to_string()))?;
                SourceKind::Url {
                    client,
                    url: url.clone(),
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
                max_bytes,
                timeout,
            } => fetch_url(client, url, *max_bytes, *timeout, previous).await,
        }
    }
}

fn generated(function_version: &str, trigger: &str) -> Snapshot {
    let mut run_id = [0u8; 16];
    rand::rng().fill_bytes(&mut run_id);
    let document = serde_json::json!({
        "generated_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "run_id": hex::encode(run_id),
        "function_version": function_version,
        "trigger": trigger,
    });
    Snapshot {
        body: document.to_string().into_bytes(),
        content_type: "application/json".into(),
        validators: SourceValidators::default(),
    }
}

async fn fetch_url(
    client: &reqwest::Client,
    url: &reqwest::Url,
    max_bytes: u64,
    timeout: Duration,
    previous: &SourceValidators,
) -> Result<Fetch, SourceError> {
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            SourceError::Timeout(timeout)
        } else {
            SourceError::Unreachable
        }
    };
    let mut request = client.get(url.clone());
    if let Some(etag) = &previous.etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    if let Some(last_modified) = &previous.last_modified {
        request = request.header(IF_MODIFIED_SINCE, last_modified);
    }
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetch::Unchanged);
    }
    if !status.is_success() {
        return Err(SourceError::Status(status.as_u16()));
    }
    if response.content_length().is_some_and(|len| len > max_bytes) {
        return Err(SourceError::TooLarge { limit: max_bytes });
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(CONTENT_TYPE).unwrap_or_else(|| "application/octet-stream".into());
    let validators = SourceValidators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };

    // Content-Length can be absent or wrong; count what actually arrives.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        if e.is_timeout() {
            SourceError::Timeout(timeout)
        } else {
            SourceError::Body
        }
    })? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(SourceError::TooLarge { limit: max_bytes });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetch::Changed(Snapshot {
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
    }
}
