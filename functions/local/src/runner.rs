//! The whole service on one machine: the embedded store, the real ingest
//! handler on a timer and on `POST /ingest`, and the real retrieve handler
//! behind the REST API emulation.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3_latest::config::{CacheLimits, IngestConfig, Location, ResponseMode, RetrieveConfig, SourceConfig};
use s3_latest::ingest::Ingestor;
use s3_latest::ingest::publish::LogPublisher;
use s3_latest::keyring::LocalAesKeyring;
use s3_latest::retrieve::{Retriever, StreamedBody};
use s3_latest::store::{LookupStrategy, SnapshotStore};
use serde_json::json;
use tokio::net::TcpListener;

use crate::embedded_store::{self, EmbeddedStore, StoreOptions};
use crate::rest_api;

/// Everything local mode can be told.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub s3_listen: SocketAddr,
    pub interval: Duration,
    pub bucket: String,
    pub prefix: String,
    pub stage: String,
    pub strategy: LookupStrategy,
    /// retrieve's `MAX_STALENESS_MS`.
    pub max_staleness: Duration,
    /// retrieve's `RESPONSE_MODE`: the local REST API then buffers or
    /// streams, as API Gateway's integration would.
    pub response_mode: ResponseMode,
    pub source: SourceConfig,
    /// Run a scheduled ingest at start (the default), or wait a whole interval.
    pub initial_ingest: bool,
    /// retrieve's `CORS_ALLOWED_ORIGINS` (empty: CORS off).
    pub cors_allowed_origins: Vec<String>,
    /// ingest's function timeout: each ingest, scheduled or `POST /ingest`,
    /// fails with `DeadlineExceeded` a second before it, as on Lambda.
    pub ingest_timeout: Duration,
}

/// Where a started service can be reached.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub api: SocketAddr,
    pub s3: String,
    pub retrieve_url: String,
    pub ingest_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Store(#[from] embedded_store::StoreStartError),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("cannot create bucket {bucket}: {reason}")]
    Bucket { bucket: String, reason: String },
    #[error(transparent)]
    Key(#[from] s3_latest::keyring::KeyError),
    #[error(transparent)]
    Source(#[from] s3_latest::ingest::source::SourceError),
    #[error("data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
}

struct Service {
    retriever: Retriever<LocalAesKeyring>,
    ingestor: Ingestor<LocalAesKeyring, LogPublisher>,
    /// Each ingest's deadline: the timeout less [`DEADLINE_MARGIN`].
    ingest_budget: Duration,
    stage: String,
}

/// Starts everything, calls `ready` once it is serving, and runs until `shutdown` resolves.
pub async fn run(
    options: LocalOptions,
    shutdown: impl std::future::Future<Output = ()>,
    ready: impl FnOnce(&Endpoints),
) -> Result<(), LocalError> {
    let data_dir = &options.data_dir;
    std::fs::create_dir_all(data_dir).map_err(|source| LocalError::DataDir {
        path: data_dir.clone(),
        source,
    })?;
    let s3_listener = TcpListener::bind(options.s3_listen)
        .await
        .map_err(|source| LocalError::Listen {
            addr: options.s3_listen,
            source,
        })?;
    let api_listener = TcpListener::bind(options.listen)
        .await
        .map_err(|source| LocalError::Listen {
            addr: options.listen,
            source,
        })?;
    for (flag, addr) in [("--listen", options.listen), ("--s3-listen", options.s3_listen)] {
        if let Some(warning) = exposure_warning(addr) {
            tracing::warn!(%addr, flag, "{warning}");
        }
    }
    let store = EmbeddedStore::start(&data_dir.join("store"), s3_listener, StoreOptions::default()).await?;
    let client = store.client();
    embedded_store::ensure_bucket(&client, &options.bucket)
        .await
        .map_err(|e| LocalError::Bucket {
            bucket: options.bucket.clone(),
            reason: e.to_string(),
        })?;
    let keys = LocalAesKeyring::load_or_create(&data_dir.join("local.key"))?;

    let location = Location::new(options.bucket.clone(), options.prefix.clone());
    let snapshots = SnapshotStore::new(client, &location.bucket, &location.prefix);
    let retrieve_config = RetrieveConfig {
        location: location.clone(),
        strategy: options.strategy,
        max_staleness: options.max_staleness,
        pointer_audit: Duration::from_secs(s3_latest::config::DEFAULT_POINTER_AUDIT_SECONDS),
        cors_allowed_origins: options.cors_allowed_origins.clone(),
        commitment_policy: Default::default(),
        cache_control: "no-cache".into(),
        response_mode: options.response_mode,
        response_max_bytes: match options.response_mode {
            ResponseMode::Buffered => s3_latest::config::DEFAULT_RESPONSE_MAX_BYTES,
            ResponseMode::Stream => s3_latest::config::DEFAULT_STREAMED_RESPONSE_MAX_BYTES,
        },
        data_key_cache: CacheLimits {
            max_entries: 64,
            max_age: Duration::from_secs(300),
        },
        health_cache: Duration::from_secs(s3_latest::config::DEFAULT_HEALTH_CACHE_SECONDS),
        request_timeout: Duration::from_secs(9),
    };
    let ingest_config = IngestConfig {
        location,
        event_bus: None,
        source: options.source.clone(),
        function_version: "local".into(),
        format: Default::default(),
    };
    let service = Arc::new(Service {
        retriever: Retriever::new(snapshots.clone(), keys.clone(), retrieve_config),
        ingestor: Ingestor::new(snapshots, keys, LogPublisher, &ingest_config)?,
        ingest_budget: options
            .ingest_timeout
            .saturating_sub(DEADLINE_MARGIN)
            .max(DEADLINE_MARGIN),
        stage: options.stage.clone(),
    });

    let api = api_listener.local_addr().map_err(|source| LocalError::Listen {
        addr: options.listen,
        source,
    })?;
    ready(&Endpoints {
        api,
        s3: store.endpoint(),
        retrieve_url: format!("http://{api}/{}{}", options.stage, s3_latest::retrieve::ROUTE),
        ingest_url: format!("http://{api}/ingest"),
    });

    let schedule = tokio::spawn(run_schedule(service.clone(), options.interval, options.initial_ingest));
    serve(api_listener, service, shutdown).await;
    schedule.abort();
    store.shutdown().await;
    Ok(())
}

/// The EventBridge schedule's stand-in: a scheduled event now (unless
/// `initial_ingest` is off), then every
/// `interval`. Like EventBridge's, each names the rule and its tick's time,
/// which is the trigger's identity; unlike EventBridge's, the time has
/// milliseconds, so a tick and a `POST /ingest` in the same second still
/// order by when they happened.
async fn run_schedule(service: Arc<Service>, interval: Duration, initial_ingest: bool) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    if !initial_ingest {
        ticks.tick().await; // the first tick is immediate: skip it
    }
    loop {
        ticks.tick().await;
        let event = json!({
            "version": "0",
            "id": rest_api::new_request_id(),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "region": embedded_store::REGION,
            "resources": ["arn:aws:events:us-east-1:000000000000:rule/s3-latest-local-ingest"],
            "detail": {}
        });
        if let Err(err) = service.ingestor.run_within(&event, service.ingest_budget).await {
            tracing::error!(error = %err, error_type = err.error_type(), "scheduled ingest failed");
        }
    }
}

async fn serve(listener: TcpListener, service: Arc<Service>, shutdown: impl std::future::Future<Output = ()>) {
    let http = ConnBuilder::new(TokioExecutor::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((socket, _)) = accepted else { continue };
                let _ = socket.set_nodelay(true); // see embedded_store: no 40 ms delayed-ACK stalls
                let service = service.clone();
                let handler = hyper::service::service_fn(move |request| handle(service.clone(), request));
                let connection = graceful.watch(http.serve_connection(TokioIo::new(socket), handler).into_owned());
                tokio::spawn(async move { let _ = connection.await; });
            }
            () = &mut shutdown => break,
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// What to shout when `addr` is reachable from beyond this machine: local
/// mode has no authentication, and the store takes writes.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "LISTENING BEYOND THIS MACHINE: local mode has no authentication; anyone who can reach {addr} \
             can read every snapshot, trigger ingests and write to the store"
        )
    })
}

/// A buffered body, or a streamed one (`--response-mode stream`).
type LocalBody = Either<Full<Bytes>, StreamedBody>;

/// The largest request body read.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Kept back from ingest's timeout to report the failure, as on Lambda.
const DEADLINE_MARGIN: Duration = Duration::from_secs(1);

/// The API's error shape: `{"error":{"code","message","request_id"}}`.
fn error_response(status: u16, code: &str, message: &str, request_id: &str) -> http::Response<LocalBody> {
    json_response(
        status,
        json!({"error": {"code": code, "message": message, "request_id": request_id}}),
    )
}

fn json_response(status: u16, body: serde_json::Value) -> http::Response<LocalBody> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Either::Left(Full::new(Bytes::from(body.to_string()))))
        .expect("static response is valid")
}

async fn handle(
    service: Arc<Service>,
    request: http::Request<Incoming>,
) -> Result<http::Response<LocalBody>, std::convert::Infallible> {
    let (parts, body) = request.into_parts();
    let request_id = rest_api::new_request_id();
    // Neither route takes a body; a bounded read keeps a client from
    // filling memory. API Gateway's own limit is 10 MB.
    let body = match http_body_util::Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(error_response(
                413,
                "RequestTooLarge",
                &format!("request bodies are limited to {MAX_REQUEST_BODY} bytes"),
                &request_id,
            ));
        }
    };

    if parts.uri.path() == "/ingest" && parts.method == http::Method::POST {
        // A manual event with an id of its own: each POST is a new trigger.
        let event = json!({
            "version": "0",
            "id": rest_api::new_request_id(),
            "detail-type": s3_latest::ingest::trigger::MANUAL_DETAIL_TYPE,
            "source": "s3-latest.local",
            "account": "000000000000",
            "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "region": embedded_store::REGION,
            "resources": [],
            "detail": {}
        });
        return Ok(match service.ingestor.run_within(&event, service.ingest_budget).await {
            Ok(summary) => json_response(200, json!(summary)),
            Err(err) => {
                // The detail goes to the log, under the request id; the
                // client gets the code and fixed text.
                tracing::error!(error = %err, error_type = err.error_type(), %request_id, "POST /ingest failed");
                let status = match err.error_type() {
                    "DeadlineExceeded" => 504,
                    "StorageUnavailable" | "KeyServiceUnavailable" | "SourceUnavailable" => 503,
                    _ => 502,
                };
                error_response(
                    status,
                    err.error_type(),
                    "the ingest failed; see the log for this request_id",
                    &request_id,
                )
            }
        });
    }

    let event = rest_api::proxy_event(
        &parts.method,
        &parts.uri,
        &parts.headers,
        &body,
        &service.stage,
        &request_id,
    );
    let retriever = &service.retriever;
    let response = match retriever.config().response_mode {
        ResponseMode::Buffered => rest_api::invoke(|request| retriever.handle(request), event, &request_id)
            .await
            .map(|response| response.map(|body| Either::Left(Full::new(body)))),
        ResponseMode::Stream => {
            Ok(
                rest_api::invoke_streaming(|request| retriever.handle_streaming(request), event, &request_id)
                    .await
                    .map(Either::Right),
            )
        }
    };
    Ok(match response {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error = %err, "proxy integration failed");
            // What API Gateway answers when the integration response is malformed.
            json_response(502, json!({"message": "Internal server error"}))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Classifies literal addresses; nothing is bound or connected.
    #[test]
    fn only_loopback_listens_quietly() {
        for quiet in ["127.0.0.1:3000", "127.8.9.10:1", "[::1]:3000"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for loud in [
            "0.0.0.0:3000",
            "[::]:3000",
            "192.168.1.20:3000",
            "10.0.0.5:80",
            "203.0.113.7:3000",
        ] {
            let warning = exposure_warning(loud.parse().unwrap()).unwrap_or_default();
            assert!(
                warning.contains("no authentication") && warning.contains(loud),
                "{loud}: {warning:?}"
            );
        }
    }
}
