//! A large snapshot end to end: `s3-latest-local` (the release binary) in
//! stream mode ingests it from an origin on 127.0.0.1, and a fresh runner on
//! the same data serves it, so the runner's peak RSS is the read path's:
//! the embedded store's GET, decryption in place, and the streamed response.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Debug, Clone, Serialize)]
pub struct LargeObject {
    pub bytes: u64,
    /// 200, and every byte as the origin served it.
    pub served_whole: bool,
    /// Request sent to the response's first body byte.
    pub ttfb_ms: f64,
    /// Request sent to the last body byte.
    pub total_ms: f64,
    /// The fresh runner before the request, and its high-water mark after.
    pub idle_rss_kib: u64,
    pub peak_rss_kib: u64,
    /// Peak RSS over the snapshot's size.
    pub peak_over_size: f64,
}

struct Runner {
    child: Child,
    retrieve_url: String,
    ingest_url: String,
}

async fn start(data: &std::path::Path, flags: &[&str]) -> Runner {
    let mut child = Command::new(test_support::repo::binary("s3-latest-local"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--interval-secs",
            "3600",
            "--no-initial-ingest",
        ])
        .args(flags)
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start s3-latest-local (scripts/bench.sh builds it)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut retrieve_url, mut ingest_url) = (None, None);
    while retrieve_url.is_none() || ingest_url.is_none() {
        let line = lines.next_line().await.unwrap().expect("output before exit");
        if let Some(url) = line.trim().strip_prefix("retrieve:") {
            retrieve_url = Some(url.trim().to_owned());
        }
        if let Some(command) = line.trim().strip_prefix("ingest:") {
            ingest_url = command.split_whitespace().last().map(str::to_owned);
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Runner {
        child,
        retrieve_url: retrieve_url.unwrap(),
        ingest_url: ingest_url.unwrap(),
    }
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn measure(size: usize) -> LargeObject {
    use test_support::origin::{Origin, Resource, patterned_bytes};
    let body = patterned_bytes(size, 0);
    let origin = Origin::start(Resource::new(body.clone(), "application/octet-stream", "\"large\"")).await;
    let data = tempfile::tempdir().unwrap();
    let max = (size * 2).to_string();
    let flags = [
        "--response-mode",
        "stream",
        "--source-url",
        &origin.url,
        "--source-max-bytes",
        &max,
    ];
    let client = reqwest::Client::new();

    let ingesting = start(data.path(), &flags).await;
    let ingested = client.post(&ingesting.ingest_url).send().await.unwrap();
    assert_eq!(ingested.status(), 200, "{}", ingested.text().await.unwrap_or_default());
    drop(ingesting);

    let mut serving = start(data.path(), &flags).await;
    let pid = serving.child.id().expect("running");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle_rss_kib = status_kib(pid, "VmRSS:");
    let sent = Instant::now();
    let mut response = client.get(&serving.retrieve_url).send().await.unwrap();
    let ok = response.status() == 200;
    let (mut ttfb, mut received) = (None, Vec::with_capacity(size));
    while let Some(chunk) = response.chunk().await.unwrap() {
        ttfb.get_or_insert_with(|| sent.elapsed());
        received.extend_from_slice(&chunk);
    }
    let total = sent.elapsed();
    let peak_rss_kib = status_kib(pid, "VmHWM:");
    let _ = serving.child.kill().await;
    LargeObject {
        bytes: size as u64,
        served_whole: ok && received == body,
        ttfb_ms: ttfb.unwrap_or(total).as_secs_f64() * 1000.0,
        total_ms: total.as_secs_f64() * 1000.0,
        idle_rss_kib,
        peak_rss_kib,
        peak_over_size: (peak_rss_kib * 1024) as f64 / size as f64,
    }
}
