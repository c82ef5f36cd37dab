//! A fault-injecting HTTP proxy on 127.0.0.1, between the service's AWS
//! clients and moto.
//!
//! Each request (each new connection, for [`Fault::Refuse`]) draws from one
//! seeded random stream: with probability `rate` it meets a fault, chosen by
//! weight; otherwise it is forwarded untouched. Some faults happen before the
//! request reaches moto (it has no effect), others after (it took effect, and
//! the client cannot know): the two cases retries must tell apart.
//!
//! It listens on loopback only and forwards only to the upstream it is given.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;

/// What can happen to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// The connection is reset as soon as it is accepted.
    Refuse,
    /// Part of the request is read, then the connection is reset: the request
    /// never reaches the service.
    ResetMidRequest,
    /// The request reaches the service and takes effect; the connection is
    /// reset before any byte of the response.
    ResetMidResponse,
    /// A 500 `InternalError` (S3) or `KMSInternalException`/`InternalException`
    /// (KMS, EventBridge), without forwarding.
    InternalError,
    /// S3 503 `SlowDown`, or KMS/EventBridge 400 `ThrottlingException`.
    Throttle,
    /// The request takes effect; the response declares its full length but
    /// only half of the body arrives before the connection closes.
    TruncatedBody,
    /// Nothing is answered for [`FaultPlan::stall`], then the connection closes.
    Stall,
}

impl Fault {
    pub const ALL: [Fault; 7] = [
        Fault::Refuse,
        Fault::ResetMidRequest,
        Fault::ResetMidResponse,
        Fault::InternalError,
        Fault::Throttle,
        Fault::TruncatedBody,
        Fault::Stall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::Refuse => "connection refused (reset on accept)",
            Fault::ResetMidRequest => "reset mid-request",
            Fault::ResetMidResponse => "reset mid-response (after it took effect)",
            Fault::InternalError => "500 internal error",
            Fault::Throttle => "503 SlowDown / ThrottlingException",
            Fault::TruncatedBody => "response body cut short",
            Fault::Stall => "stall past the timeouts",
        }
    }
}

/// How often, and how, requests fail.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub seed: u64,
    /// Probability that a request (or connection, for `Refuse`) meets a fault.
    pub rate: f64,
    /// Relative weights of the faults drawn.
    pub weights: Vec<(Fault, u32)>,
    /// How long a stalled request is held.
    pub stall: Duration,
}

impl FaultPlan {
    /// No faults: every request forwarded.
    pub fn none() -> Self {
        FaultPlan {
            seed: 0,
            rate: 0.0,
            weights: Vec::new(),
            stall: Duration::ZERO,
        }
    }
}

/// What the proxy saw and did.
#[derive(Debug, Clone, Default)]
pub struct FaultStats {
    pub connections: u64,
    pub requests: u64,
    /// Requests that reached the upstream.
    pub forwarded: u64,
    pub faults: BTreeMap<Fault, u64>,
    /// Requests by service (`s3`, `kms`, `events`).
    pub by_service: BTreeMap<&'static str, u64>,
}

impl FaultStats {
    pub fn injected(&self) -> u64 {
        self.faults.values().sum()
    }
}

struct State {
    upstream: String,
    client: reqwest::Client,
    /// S3 as a caller without `s3:ListBucket` sees it: 403 for a missing key.
    missing_as_forbidden: std::sync::atomic::AtomicBool,
    /// The next S3 PUT whose path contains this takes effect and loses its response.
    lose_put_response: Mutex<Option<String>>,
    /// User metadata (`x-amz-meta-<name>`) rewritten in S3 read responses.
    rewritten_metadata: Mutex<Option<(String, String)>>,
    plan: Mutex<FaultPlan>,
    rng: Mutex<StdRng>,
    stats: Mutex<FaultStats>,
}

impl State {
    /// One draw from the seeded stream: a fault among `eligible`, or none.
    fn draw(&self, eligible: impl Fn(Fault) -> bool) -> Option<(Fault, Duration)> {
        let plan = crate::lock(&self.plan).clone();
        let mut rng = crate::lock(&self.rng);
        if plan.rate <= 0.0 || !rng.random_bool(plan.rate.min(1.0)) {
            return None;
        }
        let total: u32 = plan.weights.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return None;
        }
        let mut pick = rng.random_range(0..total);
        for (fault, weight) in &plan.weights {
            if pick < *weight {
                return eligible(*fault).then_some((*fault, plan.stall));
            }
            pick -= weight;
        }
        None
    }

    fn count(&self, fault: Fault) {
        *crate::lock(&self.stats).faults.entry(fault).or_default() += 1;
    }
}

/// A running proxy; it stops with the test's runtime.
pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
}

type Body = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 in front of `upstream` (an `http://127.0.0.1:…` URL).
    pub async fn start(upstream: &str, plan: FaultPlan) -> Self {
        assert!(
            upstream.starts_with("http://127.0.0.1:"),
            "faults are only ever injected on loopback, not in front of {upstream}"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: {
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                reqwest::Client::builder()
                    .no_proxy()
                    .pool_max_idle_per_host(64)
                    .build()
                    .expect("proxy client")
            },
            missing_as_forbidden: Default::default(),
            lose_put_response: Default::default(),
            rewritten_metadata: Default::default(),
            rng: Mutex::new(StdRng::seed_from_u64(plan.seed)),
            plan: Mutex::new(plan),
            stats: Mutex::new(FaultStats::default()),
        });
        tokio::spawn(accept(listener, state.clone()));
        FaultProxy { endpoint, state }
    }

    /// Replaces the plan (the random stream goes on from where it is).
    pub fn set_plan(&self, plan: FaultPlan) {
        *crate::lock(&self.state.plan) = plan;
    }

    pub fn stats(&self) -> FaultStats {
        crate::lock(&self.state.stats).clone()
    }

    /// From now on, every S3 404 reaches the client as S3 answers a caller
    /// that lacks `s3:ListBucket`: 403 `AccessDenied` (moto answers 404
    /// whatever the caller may do).
    pub fn answer_missing_keys_with_403(&self, on: bool) {
        self.state
            .missing_as_forbidden
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// The next S3 PUT whose path contains `marker` reaches moto and takes
    /// effect, and its response is lost (the connection resets): the SDK
    /// then retries the same request.
    pub fn lose_next_put_response(&self, marker: &str) {
        *crate::lock(&self.state.lose_put_response) = Some(marker.to_owned());
    }

    /// From now on, S3 answers a HEAD or GET that carries the user metadata
    /// `name` with `value` in its place, as S3 hands back a value it trimmed
    /// or re-encoded.
    pub fn rewrite_metadata_on_reads(&self, name: &str, value: &str) {
        *crate::lock(&self.state.rewritten_metadata) = Some((format!("x-amz-meta-{name}"), value.to_owned()));
    }
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        crate::lock(&state.stats).connections += 1;
        if let Some((fault, _)) = state.draw(|f| f == Fault::Refuse) {
            state.count(fault);
            reset(socket);
            continue;
        }
        let _ = socket.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(state.clone(), request));
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

/// Closes with a TCP reset rather than a clean FIN, as a refused or broken
/// connection looks to the client.
fn reset(socket: tokio::net::TcpStream) {
    let _ = socket.set_zero_linger();
}

fn service_of(request: &http::Request<Incoming>) -> &'static str {
    match request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()) {
        Some(target) if target.starts_with("TrentService.") => "kms",
        Some(target) if target.starts_with("AWSEvents.") => "events",
        Some(_) => "other",
        None => "s3",
    }
}

/// The error as each service's protocol shapes it.
fn error_response(service: &str, fault: Fault) -> http::Response<Body> {
    let (status, content_type, body) = match (service, fault) {
        ("s3", Fault::Throttle) => (
            503,
            "application/xml",
            s3_error("SlowDown", "Please reduce your request rate."),
        ),
        ("s3", _) => (
            500,
            "application/xml",
            s3_error("InternalError", "We encountered an internal error. Please try again."),
        ),
        (_, Fault::Throttle) => (
            400,
            "application/x-amz-json-1.1",
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_owned(),
        ),
        ("kms", _) => (
            500,
            "application/x-amz-json-1.1",
            r#"{"__type":"KMSInternalException","message":"internal error"}"#.to_owned(),
        ),
        _ => (
            500,
            "application/x-amz-json-1.1",
            r#"{"__type":"InternalException","message":"internal error"}"#.to_owned(),
        ),
    };
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("x-amz-request-id", "FAULTPROXY")
        .body(full(Bytes::from(body)))
        .expect("static response")
}

fn s3_error(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>FAULTPROXY</RequestId></Error>"#
    )
}

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed()
}

/// An error hyper turns into an aborted connection.
fn aborted(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, what.to_owned())
}

async fn handle(state: Arc<State>, request: http::Request<Incoming>) -> Result<http::Response<Body>, std::io::Error> {
    let service = service_of(&request);
    {
        let mut stats = crate::lock(&state.stats);
        stats.requests += 1;
        *stats.by_service.entry(service).or_default() += 1;
    }
    let fault = state.draw(|f| f != Fault::Refuse);
    let (parts, mut body) = request.into_parts();

    if let Some((fault, stall)) = fault {
        match fault {
            Fault::ResetMidRequest => {
                state.count(fault);
                let _ = body.frame().await; // some of it, then gone
                return Err(aborted("reset mid-request"));
            }
            Fault::Stall => {
                state.count(fault);
                tokio::time::sleep(stall).await;
                return Err(aborted("stalled"));
            }
            Fault::InternalError | Fault::Throttle => {
                state.count(fault);
                let _ = body.collect().await;
                return Ok(error_response(service, fault));
            }
            _ => {}
        }
    }

    let bytes = body.collect().await.map_err(|_| aborted("request body"))?.to_bytes();
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut forward = state
        .client
        .request(parts.method.clone(), format!("{}{path}", state.upstream))
        .body(bytes);
    for (name, value) in &parts.headers {
        if !matches!(
            name.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            forward = forward.header(name, value);
        }
    }
    let upstream = forward.send().await.map_err(|_| aborted("upstream unreachable"))?;
    crate::lock(&state.stats).forwarded += 1;
    let status = upstream.status();
    if service == "s3"
        && status == reqwest::StatusCode::NOT_FOUND
        && state.missing_as_forbidden.load(std::sync::atomic::Ordering::SeqCst)
    {
        let body = if parts.method == http::Method::HEAD {
            String::new()
        } else {
            s3_error("AccessDenied", "Access Denied")
        };
        return Ok(http::Response::builder()
            .status(403)
            .header("content-type", "application/xml")
            .header("x-amz-request-id", "FAULTPROXY")
            .body(full(Bytes::from(body)))
            .expect("static response"));
    }
    let mut headers = upstream.headers().clone();
    let body = upstream.bytes().await.map_err(|_| aborted("upstream body"))?;
    if service == "s3" && parts.method == http::Method::PUT {
        let mut lose = crate::lock(&state.lose_put_response);
        if lose.as_deref().is_some_and(|marker| path.contains(marker)) {
            *lose = None;
            return Err(aborted("response lost after the PUT took effect"));
        }
    }
    let rewritten = crate::lock(&state.rewritten_metadata).clone();
    if let Some((name, value)) = rewritten
        && service == "s3"
        && matches!(parts.method, http::Method::GET | http::Method::HEAD)
        && headers.contains_key(&name)
    {
        headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).expect("a metadata header name"),
            http::HeaderValue::from_str(&value).expect("a header value"),
        );
    }

    // A HEAD's Content-Length is the object's, not the (empty) body's.
    let is_head = parts.method == http::Method::HEAD;
    let mut response = http::Response::builder().status(status);
    for (name, value) in &headers {
        let hop = matches!(name.as_str(), "transfer-encoding" | "connection");
        if !hop && (is_head || name != "content-length") {
            response = response.header(name, value);
        }
    }
    if is_head {
        return match fault {
            Some((fault @ (Fault::ResetMidResponse | Fault::TruncatedBody), _)) => {
                state.count(fault);
                Err(aborted("response lost"))
            }
            _ => Ok(response.body(full(Bytes::new())).expect("forwarded headers are valid")),
        };
    }
    match fault {
        Some((Fault::ResetMidResponse, _)) => {
            state.count(Fault::ResetMidResponse);
            Err(aborted("reset mid-response"))
        }
        Some((Fault::TruncatedBody, _)) if body.len() >= 2 => {
            state.count(Fault::TruncatedBody);
            let half = body.slice(..body.len() / 2);
            let frames = futures_util::stream::iter([Ok(Frame::data(half)), Err(aborted("body cut short"))]);
            Ok(response
                .header("content-length", body.len())
                .body(StreamBody::new(frames).boxed())
                .expect("forwarded headers are valid"))
        }
        Some((Fault::TruncatedBody, _)) => {
            // No body to cut (a HEAD, an empty answer): lose the response instead.
            state.count(Fault::TruncatedBody);
            Err(aborted("response lost"))
        }
        _ => Ok(response
            .header("content-length", body.len())
            .body(full(body))
            .expect("forwarded headers are valid")),
    }
}
