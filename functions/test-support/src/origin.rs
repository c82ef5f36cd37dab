//! A tiny HTTP origin on 127.0.0.1 that ingest can snapshot: serves one body
//! with an ETag at `/feed`, answers conditional requests, and can misbehave
//! on demand. `/moved` redirects there by path, `/elsewhere` by absolute URL,
//! `/dir/moved` by a relative reference, `/redirect?to=URL` to URL, and
//! `/loop` to itself.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// What the origin serves next.
#[derive(Debug, Clone)]
pub struct Resource {
    pub body: Vec<u8>,
    pub content_type: String,
    pub etag: String,
    /// Leave out Content-Length (chunked), to test the streaming size cap.
    pub chunked: bool,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body one byte per this interval (zero: all at once): a
    /// source that answers at once and then trickles.
    pub trickle: Duration,
}

impl Resource {
    /// `body` sent at once with its Content-Length, as most origins send it.
    pub fn new(body: Vec<u8>, content_type: &str, etag: &str) -> Self {
        Resource {
            body,
            content_type: content_type.to_owned(),
            etag: etag.to_owned(),
            chunked: false,
            delay: Duration::ZERO,
            trickle: Duration::ZERO,
        }
    }
}

/// `len` bytes with no short period, so a large snapshot cut, shifted or
/// mixed up with another shows in a byte-for-byte comparison.
pub fn patterned_bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| ((i.wrapping_mul(2_654_435_761) >> 13) as u8) ^ seed)
        .collect()
}

#[derive(Debug, Default)]
struct Seen {
    requests: u32,
    conditional: u32,
}

pub struct Origin {
    pub url: String,
    resource: Arc<Mutex<Resource>>,
    seen: Arc<Mutex<Seen>>,
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

impl Origin {
    pub async fn start(resource: Resource) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await.expect("bind origin"), resource)
    }

    /// On a listener of the caller's (another loopback address, a given port).
    pub fn start_on(listener: TcpListener, resource: Resource) -> Self {
        let url = format!("http://{}/feed", listener.local_addr().expect("addr"));
        let resource = Arc::new(Mutex::new(resource));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (r, s) = (resource.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let (r, s) = (r.clone(), s.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let (r, s) = (r.clone(), s.clone());
                        async move { Ok::<_, Infallible>(serve(&r, &s, &req).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Origin { url, resource, seen }
    }

    pub fn set(&self, resource: Resource) {
        *crate::lock(&self.resource) = resource;
    }

    /// (requests, conditional requests) served so far.
    pub fn seen(&self) -> (u32, u32) {
        let seen = crate::lock(&self.seen);
        (seen.requests, seen.conditional)
    }
}

async fn serve(
    resource: &Mutex<Resource>,
    seen: &Mutex<Seen>,
    req: &http::Request<hyper::body::Incoming>,
) -> http::Response<Body> {
    let host = req
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let redirect = |location: String| {
        http::Response::builder()
            .status(302)
            .header("location", location)
            .body(Full::new(Bytes::new()).boxed())
            .unwrap()
    };
    match req.uri().path() {
        "/moved" => return redirect("/feed".into()),
        "/elsewhere" => return redirect(format!("http://{host}/feed")),
        "/loop" => return redirect("/loop".into()),
        // A relative reference without a leading `/`: resolves to /dir/feed.
        "/dir/moved" => return redirect("feed".into()),
        // Wherever `?to=` says (the test picks a loopback address).
        "/redirect" => {
            let to = req
                .uri()
                .query()
                .and_then(|q| q.strip_prefix("to="))
                .unwrap_or_default();
            return redirect(to.to_owned());
        }
        _ => {}
    }
    let resource = crate::lock(resource).clone();
    let if_none_match = req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    {
        let mut seen = crate::lock(seen);
        seen.requests += 1;
        seen.conditional += u32::from(if_none_match.is_some());
    }
    tokio::time::sleep(resource.delay).await;
    if if_none_match.as_deref() == Some(resource.etag.as_str()) {
        return http::Response::builder()
            .status(304)
            .header("etag", &resource.etag)
            .body(Full::new(Bytes::new()).boxed())
            .unwrap();
    }
    let builder = http::Response::builder()
        .status(200)
        .header("content-type", &resource.content_type)
        .header("etag", &resource.etag)
        .header("last-modified", "Sat, 21 Nov 2026 22:00:00 GMT");
    if !resource.trickle.is_zero() {
        let gap = resource.trickle;
        let bytes = futures_util::StreamExt::then(futures_util::stream::iter(resource.body), move |byte| async move {
            tokio::time::sleep(gap).await;
            Ok::<_, Infallible>(Frame::data(Bytes::copy_from_slice(&[byte])))
        });
        builder.body(StreamBody::new(bytes).boxed()).unwrap()
    } else if resource.chunked {
        let chunks: Vec<Result<Frame<Bytes>, Infallible>> = resource
            .body
            .chunks(8192)
            .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
            .collect();
        builder
            .body(StreamBody::new(futures_util::stream::iter(chunks)).boxed())
            .unwrap()
    } else {
        builder.body(Full::new(Bytes::from(resource.body)).boxed()).unwrap()
    }
}
