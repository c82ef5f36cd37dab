//! The Lambda Runtime API on 127.0.0.1, enough of it to drive a real
//! `bootstrap` as the Lambda service does: `next`, `response` (buffered, or
//! streamed as `InvokeWithResponseStream` receives it), `error` and
//! `init/error`.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

use crate::lock;

/// How one invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    /// A streamed HTTP response (`Lambda-Runtime-Function-Response-Mode:
    /// streaming`): the JSON metadata prelude (status, headers, cookies) and
    /// the body after its eight NUL separator bytes.
    Streamed {
        prelude: Value,
        body: Bytes,
    },
    Error {
        error_type: String,
        error_message: String,
    },
}

/// The prelude and body of a streamed HTTP integration response.
fn split_streamed(payload: &Bytes) -> Option<(Value, Bytes)> {
    const SEPARATOR: [u8; 8] = [0; 8];
    let at = payload.windows(SEPARATOR.len()).position(|w| w == SEPARATOR)?;
    let prelude = serde_json::from_slice(&payload[..at]).ok()?;
    Some((prelude, payload.slice(at + SEPARATOR.len()..)))
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<(String, Value)>>,
    arrived: Notify,
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    init_error: Mutex<Option<Value>>,
    first_poll: Mutex<Option<Instant>>,
}

pub struct RuntimeApi {
    addr: SocketAddr,
    state: Arc<State>,
    next_id: std::sync::atomic::AtomicU64,
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind runtime api");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State::default());
        let served = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let state = served.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| route(state.clone(), req));
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        RuntimeApi {
            addr,
            state,
            next_id: 1.into(),
        }
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for an invocation (end of its init).
    pub fn first_poll(&self) -> Option<Instant> {
        *lock(&self.state.first_poll)
    }

    pub fn init_error(&self) -> Option<Value> {
        lock(&self.state.init_error).clone()
    }

    /// Queues `event` and waits for the function's answer.
    pub async fn invoke(&self, event: Value) -> Outcome {
        let id = format!(
            "req-{}",
            self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let (tx, rx) = oneshot::channel();
        lock(&self.state.waiting).insert(id.clone(), tx);
        lock(&self.state.queue).push_back((id, event));
        self.state.arrived.notify_waiters();
        tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .expect("function answered within 60 s")
            .expect("runtime api alive")
    }

    /// Starts `binary` as Lambda would, pointed at this Runtime API, with `env` on top.
    pub fn spawn(&self, binary: &Path, env: &[(&str, String)]) -> tokio::process::Child {
        let mut command = tokio::process::Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", self.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", binary.file_name().unwrap_or_default())
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        command.spawn().expect("spawn function binary")
    }
}

fn reply(status: u16, body: Bytes, headers: &[(&str, String)]) -> http::Response<Full<Bytes>> {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder.body(Full::new(body)).expect("valid response")
}

async fn route(state: Arc<State>, req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let streamed = req
        .headers()
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|mode| mode == "streaming");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Ok(match (method.as_str(), parts.as_slice()) {
        ("GET", ["2018-06-01", "runtime", "invocation", "next"]) => {
            lock(&state.first_poll).get_or_insert_with(Instant::now);
            let (id, event) = loop {
                let notified = state.arrived.notified();
                if let Some(next) = lock(&state.queue).pop_front() {
                    break next;
                }
                notified.await;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                + Duration::from_secs(30);
            reply(
                200,
                Bytes::from(event.to_string()),
                &[
                    ("lambda-runtime-aws-request-id", id),
                    ("lambda-runtime-deadline-ms", deadline.as_millis().to_string()),
                    (
                        "lambda-runtime-invoked-function-arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:test".into(),
                    ),
                    (
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
                    ),
                    ("content-type", "application/json".into()),
                ],
            )
        }
        ("POST", ["2018-06-01", "runtime", "invocation", id, kind @ ("response" | "error")]) => {
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let outcome = if *kind == "response" && streamed {
                match split_streamed(&body) {
                    Some((prelude, body)) => Outcome::Streamed { prelude, body },
                    None => Outcome::Error {
                        error_type: "MalformedStream".into(),
                        error_message: "no JSON prelude and NUL separator".into(),
                    },
                }
            } else if *kind == "response" {
                Outcome::Response(value)
            } else {
                Outcome::Error {
                    error_type: value["errorType"].as_str().unwrap_or_default().to_owned(),
                    error_message: value["errorMessage"].as_str().unwrap_or_default().to_owned(),
                }
            };
            if let Some(tx) = lock(&state.waiting).remove(*id) {
                let _ = tx.send(outcome);
            }
            reply(202, Bytes::from_static(b"{}"), &[])
        }
        ("POST", ["2018-06-01", "runtime", "init", "error"]) => {
            *lock(&state.init_error) = serde_json::from_slice(&body).ok();
            reply(202, Bytes::from_static(b"{}"), &[])
        }
        _ => reply(404, Bytes::from_static(b"{}"), &[]),
    })
}
