//! Cold start and footprint of the release `bootstrap` binaries, driven
//! through a Lambda Runtime API on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};
use test_support::runtime_api::{Outcome, RuntimeApi};

use crate::stats::{Summary, summarize};

/// The zip `cargo lambda build --release --output-format zip` wrote, and its
/// `bootstrap` extracted into `scratch`: what is measured is what ships.
pub fn artifacts(function: &str, scratch: &Path) -> (PathBuf, PathBuf) {
    let zip = test_support::repo::root()
        .join("target/lambda")
        .join(function)
        .join("bootstrap.zip");
    let file =
        std::fs::File::open(&zip).unwrap_or_else(|e| panic!("{}: {e}; run scripts/package.sh first", zip.display()));
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    let bootstrap = scratch.join(function).join("bootstrap");
    std::fs::create_dir_all(bootstrap.parent().unwrap()).unwrap();
    let mut entry = archive.by_name("bootstrap").expect("bootstrap in the zip");
    let mut out = std::fs::File::create(&bootstrap).unwrap();
    std::io::copy(&mut entry, &mut out).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    (bootstrap, zip)
}

#[derive(Debug, Clone, Serialize)]
pub struct ColdStart {
    pub function: &'static str,
    /// Process start to the first `GET /runtime/invocation/next`.
    pub init: Summary,
    /// Process start to the first response posted.
    pub first_response: Summary,
    pub bootstrap_bytes: u64,
    pub zip_bytes: u64,
    /// Peak resident set after serving `served` invocations.
    pub peak_rss_kib: u64,
    pub served: usize,
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Starts `function` `runs` times; each run is timed to its first poll and
/// first response. The last run then serves `serve` more events for RSS.
pub async fn measure(
    function: &'static str,
    env: &[(&str, String)],
    event: Value,
    runs: usize,
    serve: usize,
) -> ColdStart {
    let scratch = tempfile::tempdir().unwrap();
    let (bootstrap, zip) = artifacts(function, scratch.path());
    let (mut init, mut first) = (Vec::new(), Vec::new());
    let mut peak = 0;
    for run in 0..runs {
        let api = RuntimeApi::start().await;
        let started = Instant::now();
        let mut child = api.spawn(&bootstrap, env);
        let outcome = api.invoke(event.clone()).await;
        first.push(started.elapsed());
        init.push(api.first_poll().expect("polled").duration_since(started));
        assert!(matches!(outcome, Outcome::Response(_) | Outcome::Error { .. }));
        if run + 1 == runs {
            for _ in 0..serve {
                api.invoke(event.clone()).await;
            }
            peak = peak_rss_kib(child.id().expect("running"));
        }
        let _ = child.kill().await;
    }
    ColdStart {
        function,
        init: summarize(init),
        first_response: summarize(first),
        bootstrap_bytes: size(&bootstrap),
        zip_bytes: size(&zip),
        peak_rss_kib: peak,
        served: serve + 1,
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// API Gateway's event for `GET /dev/retrieve_most_recent_object`.
pub fn retrieve_event() -> Value {
    let uri: http::Uri = "/dev/retrieve_most_recent_object".parse().unwrap();
    let event = s3_latest_local::rest_api::proxy_event(
        &http::Method::GET,
        &uri,
        &http::HeaderMap::new(),
        b"",
        "dev",
        "cold-start",
    );
    serde_json::to_value(event).expect("an API Gateway event serialises")
}

/// An event ingest refuses without calling AWS: it times start-up and the
/// runtime's round trip, not KMS (local mode has no KMS to call).
pub fn ingest_event() -> Value {
    json!({"detail-type": "Benchmark", "source": "s3-latest.bench", "id": "1", "time": "2026-11-21T00:00:00Z"})
}
