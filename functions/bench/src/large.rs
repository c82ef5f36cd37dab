//! A large snapshot end to end: `s3-latest-local` (the release binary) in
//! stream mode ingests it from an origin on 127.0.0.1, and a fresh runner on
//! the same data serves it, so the runner's peak RSS is the read path's:
//! the embedded store's GET, decryption in place, and the streamed response.

use std::time::{Duration, Instant};

use serde::Serialize;
use test_support::local_runner::LocalRunner;

#[derive(Debug, Clone, Default, Serialize)]
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

async fn start(data: &std::path::Path, flags: &[&str]) -> LocalRunner {
    let binary = test_support::repo::binary("s3-latest-local"); // scripts/bench.sh builds it
    let flags = [&["--no-initial-ingest"], flags].concat();
    test_support::local_runner::start(&binary, data, &flags).await
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
