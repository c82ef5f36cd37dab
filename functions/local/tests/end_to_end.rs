//! The README's run command, as a process: start `s3-latest-local`, talk HTTP
//! to it, restart it on the same data, and stop it with Ctrl-C (SIGINT).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use test_support::local_runner::LocalRunner;
use tokio::process::Command;

async fn start(data_dir: &std::path::Path) -> LocalRunner {
    start_with(data_dir, &[]).await
}

async fn start_with(data_dir: &std::path::Path, flags: &[&str]) -> LocalRunner {
    test_support::local_runner::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_s3-latest-local")),
        data_dir,
        flags,
    )
    .await
}

async fn stop(mut running: LocalRunner) -> std::process::ExitStatus {
    let pid = running.child.id().expect("running").to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status().await.unwrap();
    assert!(sent.success());
    tokio::time::timeout(Duration::from_secs(10), running.child.wait())
        .await
        .expect("stops within 10 s")
        .unwrap()
}

async fn json(response: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).expect("JSON body")
}

fn object_files(data: &std::path::Path) -> usize {
    let dir = data.join("store/s3-latest-local/snapshots");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// `GET url` with `If-None-Match: etag`.
async fn get_if_none_match(client: &reqwest::Client, url: &str, etag: &str) -> reqwest::Response {
    client.get(url).header("if-none-match", etag).send().await.unwrap()
}

/// The first scheduled ingest runs at start; wait for its snapshot.
async fn first_snapshot(client: &reqwest::Client, url: &str) -> reqwest::Response {
    for _ in 0..100 {
        let response = client.get(url).send().await.unwrap();
        if response.status() == 200 {
            return response;
        }
        assert_eq!(response.status(), 404, "only 404 before the first snapshot");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no snapshot within 10 s");
}

#[tokio::test]
async fn the_local_service_serves_revalidates_survives_restart_and_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let client = test_support::http_client();
    let running = start(data.path()).await;
    assert!(
        running.retrieve_url.starts_with("http://127.0.0.1:")
            && running.retrieve_url.ends_with("/dev/retrieve_most_recent_object")
    );

    let first = first_snapshot(&client, &running.retrieve_url).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let snapshot = json(first).await;
    let run_id = snapshot["run_id"].as_str().unwrap().to_owned();

    let revalidated = get_if_none_match(&client, &running.retrieve_url, &etag).await;
    assert_eq!(revalidated.status(), 304);

    let ingested = client.post(&running.ingest_url).send().await.unwrap();
    assert_eq!(ingested.status(), 200);
    let summary = json(ingested).await;
    assert_eq!(summary["outcome"], "written");
    let changed = get_if_none_match(&client, &running.retrieve_url, &etag).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let newest_key = changed.headers()["x-object-key"].to_str().unwrap().to_owned();
    assert_eq!(summary["key"], newest_key);

    assert!(stop(running).await.success(), "Ctrl-C is a clean exit");

    // What is on disk is ciphertext: the snapshot's run id appears nowhere.
    let mut files = vec![data.path().to_path_buf()];
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(run_id.len()).any(|w| w == run_id.as_bytes()),
                "plaintext in {}",
                path.display()
            );
            scanned += 1;
        }
    }
    assert!(scanned >= 3, "the store's files and the key were scanned");

    // A restart on the same data keeps the objects and the wrapping key, and
    // serves a snapshot again (its own first scheduled ingest).
    let key_file = std::fs::read(data.path().join("local.key")).unwrap();
    assert_eq!(object_files(data.path()), 2);
    let again = start(data.path()).await;
    let served = first_snapshot(&client, &again.retrieve_url).await;
    assert_eq!(served.status(), 200);
    assert_eq!(std::fs::read(data.path().join("local.key")).unwrap(), key_file);
    // The old snapshots are served at once; the restart's own ingest may still be writing.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while object_files(data.path()) < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(object_files(data.path()), 3);
    assert!(stop(again).await.success());
}

/// A snapshot over Lambda's buffered limit (8 MiB): refused with 502 in
/// buffered mode; through the local REST API in stream mode (as a REST
/// integration in STREAM transfer mode), served whole with the same headers,
/// ETag, 304 and HEAD as a small one; and a newer one tampered at its very
/// end (the GCM tag) is skipped before any of its plaintext leaves: the older
/// genuine one is served whole, never a 200 cut short.
#[tokio::test]
async fn a_large_snapshot_streams_whole_or_not_at_all() {
    const SIZE: usize = 8 << 20;
    use test_support::origin::{Origin, Resource, patterned_bytes};
    let body = patterned_bytes(SIZE, 0);
    let origin = Origin::start(Resource::new(body.clone(), "application/octet-stream", "\"v1\"")).await;
    let data = tempfile::tempdir().unwrap();
    let client = test_support::http_client();
    let source = [
        "--no-initial-ingest",
        "--source-url",
        &origin.url,
        "--source-max-bytes",
        "67108864",
    ];
    let streaming = [&source[..], &["--response-mode", "stream"]].concat();

    // Buffered: over Lambda's 6 MB payload, refused whole.
    let buffered = start_with(data.path(), &source).await;
    let ingested = json(client.post(&buffered.ingest_url).send().await.unwrap()).await;
    assert_eq!(ingested["outcome"], "written", "{ingested}");
    let too_large = client.get(&buffered.retrieve_url).send().await.unwrap();
    assert_eq!(too_large.status(), 502);
    assert_eq!(json(too_large).await["error"]["code"], "ResponseTooLarge");
    assert!(stop(buffered).await.success());

    // Streamed, on the same data.
    let running = start_with(data.path(), &streaming).await;

    let served = client.get(&running.retrieve_url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["content-length"], SIZE.to_string().as_str());
    assert_eq!(headers["x-object-key"], ingested["key"].as_str().unwrap());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        served.bytes().await.unwrap() == body,
        "the whole snapshot, byte for byte"
    );

    let revalidated = get_if_none_match(&client, &running.retrieve_url, &etag).await;
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["etag"], etag.as_str());
    let head = client.head(&running.retrieve_url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], SIZE.to_string().as_str());
    assert_eq!(head.headers()["etag"], etag.as_str());

    // A second snapshot, its last byte flipped in the store before anyone reads it.
    let mut second = body.clone();
    second[..8].copy_from_slice(b"second!!");
    origin.set(Resource::new(second, "application/octet-stream", "\"v2\""));
    let written = json(client.post(&running.ingest_url).send().await.unwrap()).await;
    let key = written["key"].as_str().unwrap();
    let s3 = s3_latest_local::embedded_store::client_for(&running.s3_endpoint);
    let stored = s3.get_object().bucket("s3-latest-local").key(key).send().await.unwrap();
    let (metadata, content_type) = (stored.metadata().cloned(), stored.content_type().map(str::to_owned));
    let mut ciphertext = stored.body.collect().await.unwrap().to_vec();
    *ciphertext.last_mut().unwrap() ^= 0x01;
    s3.put_object()
        .bucket("s3-latest-local")
        .key(key)
        .set_metadata(metadata)
        .set_content_type(content_type)
        .body(ciphertext.into())
        .send()
        .await
        .unwrap();
    // It fails authentication, so it is skipped: the first snapshot is
    // served, whole, and not one byte of the tampered one.
    let skipped = client.get(&running.retrieve_url).send().await.unwrap();
    assert_eq!(skipped.status(), 200);
    assert_eq!(skipped.headers()["etag"], etag.as_str(), "the first snapshot");
    assert_ne!(skipped.headers()["x-object-key"], key);
    let served = skipped.bytes().await.unwrap();
    assert!(served.as_ref() == body.as_slice(), "the first snapshot, byte for byte");
    assert!(stop(running).await.success());
}

/// SIGKILL, as a crash or an OOM kill would end it: no shutdown code runs.
async fn crash(mut running: LocalRunner) {
    running.child.start_kill().expect("SIGKILL");
    let status = running.child.wait().await.unwrap();
    assert!(!status.success(), "killed, not exited");
}

/// Kills the runner with SIGKILL while ingests are in flight, five times,
/// then restarts it without its start-up ingest (which would otherwise write
/// a fresh newest object and hide a broken one) and reads everything back.
#[tokio::test]
async fn a_crash_mid_ingest_leaves_every_object_whole_and_loses_none_acknowledged() {
    const CRASHES: usize = 5;
    const WRITERS: usize = 12;
    let data = tempfile::tempdir().unwrap();
    let client = test_support::http_client();
    let mut acknowledged = Vec::new();
    let mut cut_off = 0;
    for crash_number in 0..CRASHES {
        let running = start_with(data.path(), &["--no-initial-ingest"]).await;
        let mut writers = tokio::task::JoinSet::new();
        let acks = Arc::new(AtomicUsize::new(0));
        for _ in 0..WRITERS {
            let (client, url, acks) = (client.clone(), running.ingest_url.clone(), acks.clone());
            writers.spawn(async move {
                let mut keys = Vec::new();
                loop {
                    match client.post(&url).send().await {
                        Ok(response) if response.status() == 200 => match response.bytes().await {
                            Ok(body) => {
                                let summary: serde_json::Value = serde_json::from_slice(&body).unwrap();
                                keys.push(summary["key"].as_str().unwrap().to_owned());
                                acks.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(_) => return (keys, true),
                        },
                        Ok(response) => {
                            let status = response.status();
                            panic!(
                                "ingest answered {status}: {}",
                                response.text().await.unwrap_or_default()
                            )
                        }
                        Err(_) => return (keys, true), // the process died under it
                    }
                }
            });
        }
        // Let writes pile up until one is acknowledged (however loaded the
        // machine), then pull the plug mid-flight.
        let waited = std::time::Instant::now();
        while acks.load(Ordering::SeqCst) == 0 {
            assert!(waited.elapsed() < Duration::from_secs(60), "no ingest was acknowledged");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(50 + 70 * crash_number as u64)).await;
        crash(running).await;
        for (keys, interrupted) in writers.join_all().await {
            acknowledged.extend(keys);
            cut_off += usize::from(interrupted);
        }
    }
    assert!(acknowledged.len() >= CRASHES, "ingests ran before each crash");

    let running = start_with(data.path(), &["--no-initial-ingest"]).await;
    // No temporary file survives the restart.
    let leftovers: Vec<_> = std::fs::read_dir(data.path().join("store"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // Every object in the store is whole: it has its envelope and decrypts.
    let store = s3_latest::store::SnapshotStore::new(
        s3_latest_local::embedded_store::client_for(&running.s3_endpoint),
        "s3-latest-local",
        s3_latest::config::DEFAULT_PREFIX,
    );
    let keys = s3_latest::keyring::LocalAesKeyring::load_or_create(&data.path().join("local.key")).unwrap();
    let mut config = s3_latest::config::RetrieveConfig::from_env(&|name: &str| {
        (name == "BUCKET_NAME").then(|| "s3-latest-local".to_owned())
    })
    .unwrap();
    config.location.store_id = "s3-latest-local".into();
    let reader = s3_latest::retrieve::Retriever::new(store.clone(), keys, config);
    let listed = s3_latest_local::embedded_store::client_for(&running.s3_endpoint)
        .list_objects_v2()
        .bucket("s3-latest-local")
        .prefix(s3_latest::config::DEFAULT_PREFIX)
        .send()
        .await
        .unwrap();
    let mut stored = std::collections::HashSet::new();
    for object in listed.contents() {
        let summary = s3_latest::store::ObjectSummary {
            key: object.key().unwrap().to_owned(),
            etag: object.e_tag().unwrap_or_default().to_owned(),
            last_modified: chrono::Utc::now(),
            size: object.size().unwrap_or_default() as u64,
        };
        let snapshot = reader
            .open_listed(&summary)
            .await
            .unwrap_or_else(|e| panic!("{} is not whole: {e}", summary.key));
        serde_json::from_slice::<serde_json::Value>(&snapshot.body).expect("a whole snapshot");
        stored.insert(summary.key);
    }
    // Nothing acknowledged is lost.
    for key in &acknowledged {
        assert!(stored.contains(key), "{key} was acknowledged and is gone");
    }
    // And the newest is served, decrypted, by the restarted service.
    let newest = client.get(&running.retrieve_url).send().await.unwrap();
    assert_eq!(newest.status(), 200);
    println!(
        "crash test: {CRASHES} SIGKILLs with {WRITERS} writers each; {} ingests acknowledged, {cut_off} cut off in flight; {} objects after restart, all whole, none acknowledged lost",
        acknowledged.len(),
        stored.len()
    );
    assert!(stop(running).await.success());
}

/// Resident memory (kB) and open file descriptors of a process, from /proc.
fn rss_and_fds(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).expect("/proc fd").count();
    (rss_kb, fds)
}

/// Concurrent ingests and retrieves against the real binary for
/// `SOAK_SECONDS` (default 120): every answer is a success, and memory and
/// file descriptors do not grow with the work done.
#[tokio::test]
async fn a_soak_of_concurrent_ingests_and_retrieves_holds_memory_and_descriptors() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    const READERS: usize = 4;
    let data = tempfile::tempdir().unwrap();
    let client = test_support::http_client();
    let running = start(data.path()).await;
    let pid = running.child.id().expect("running");
    first_snapshot(&client, &running.retrieve_url).await;

    // Warm up before the first sample: connections, caches, allocator arenas.
    for _ in 0..200 {
        assert_eq!(client.get(&running.retrieve_url).send().await.unwrap().status(), 200);
    }
    let before = rss_and_fds(pid);
    let until = std::time::Instant::now() + Duration::from_secs(seconds);

    let mut readers = tokio::task::JoinSet::new();
    for reader in 0..READERS {
        let (client, url) = (client.clone(), running.retrieve_url.clone());
        readers.spawn(async move {
            let (mut ok, mut not_modified) = (0u64, 0u64);
            let mut etag: Option<String> = None;
            while std::time::Instant::now() < until {
                let mut request = client.get(&url);
                if reader % 2 == 0
                    && let Some(tag) = &etag
                {
                    request = request.header("if-none-match", tag);
                }
                let response = request.send().await.expect("retrieve answers");
                match response.status().as_u16() {
                    200 => {
                        etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned());
                        response.bytes().await.expect("whole body");
                        ok += 1;
                    }
                    304 => not_modified += 1,
                    status => panic!("retrieve answered {status} during the soak"),
                }
            }
            (ok, not_modified)
        });
    }
    let ingests = {
        let (client, url) = (client.clone(), running.ingest_url.clone());
        tokio::spawn(async move {
            let mut written = 0u64;
            while std::time::Instant::now() < until {
                let response = client.post(&url).send().await.expect("ingest answers");
                assert_eq!(response.status(), 200, "ingest during the soak");
                written += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            written
        })
    };
    let (mut ok, mut not_modified) = (0, 0);
    for (a, b) in readers.join_all().await {
        ok += a;
        not_modified += b;
    }
    let written = ingests.await.unwrap();
    let after = rss_and_fds(pid);
    println!(
        "soak: {seconds} s, {READERS} readers + 1 writer every 200 ms: {ok} GET 200, {not_modified} GET 304, {written} ingests ({:.0} requests/s); RSS {} kB -> {} kB, open fds {} -> {}",
        (ok + not_modified + written) as f64 / seconds as f64,
        before.0,
        after.0,
        before.1,
        after.1
    );
    assert!(written >= seconds, "ingests kept running");
    assert!(
        after.1 <= before.1 + 16,
        "file descriptors grew from {} to {}",
        before.1,
        after.1
    );
    assert!(
        after.0 <= before.0 * 2 + 32 * 1024,
        "resident memory grew from {} kB to {} kB",
        before.0,
        after.0
    );
    assert!(stop(running).await.success());
}

/// The runner bounds what it reads and reports failures in the API's error
/// shape: an oversized request body is refused with 413, and a failed
/// `POST /ingest` says its code and request id, nothing internal.
#[tokio::test]
async fn the_runner_bounds_bodies_and_reports_ingest_failures_in_the_error_shape() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let source = format!("http://{closed}/snapshot");
    let data = tempfile::tempdir().unwrap();
    let running = start_with(data.path(), &["--no-initial-ingest", "--source-url", &source]).await;
    let client = test_support::http_client();

    let too_large = client
        .post(&running.retrieve_url)
        .body(vec![b'x'; (1 << 20) + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    let body = json(too_large).await;
    assert_eq!(body["error"]["code"], "RequestTooLarge", "{body}");
    assert!(body["error"]["request_id"].is_string(), "{body}");

    let failed = client.post(&running.ingest_url).send().await.unwrap();
    assert_eq!(failed.status(), 503);
    let text = String::from_utf8(failed.bytes().await.unwrap().to_vec()).unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "SourceUnavailable", "{body}");
    assert!(body["error"]["request_id"].is_string(), "{body}");
    assert!(
        !text.contains(&closed.port().to_string()) && !text.to_lowercase().contains("connect"),
        "no internal detail: {text}"
    );
    assert_eq!(object_files(data.path()), 0, "nothing written");
    assert!(stop(running).await.success());
}

/// `--help` lists every flag with its text, the values of the enumerated
/// ones, the Lambda variable each also reads, and examples.
#[tokio::test]
async fn help_lists_values_variables_and_examples() {
    let output = Command::new(env!("CARGO_BIN_EXE_s3-latest-local"))
        .arg("--help")
        .output()
        .await
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "pointer",
        "index",
        "scan",
        "buffered",
        "stream",
        "[env: LOOKUP_STRATEGY=",
        "[env: RESPONSE_MODE=",
        "[env: SOURCE_URL=",
        "[env: BUCKET_NAME=",
        "Examples:",
    ] {
        assert!(help.contains(expected), "--help lacks {expected}:\n{help}");
    }
    // Every flag has a line of help under it.
    let lines: Vec<&str> = help.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("--") && !line.contains("--help") && !line.contains("--version") {
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or_default();
            assert!(!next.is_empty(), "{line} has no help text");
        }
    }
}

/// CORS is off by default; with allowed origins, a browser's preflight is
/// answered 204 and every answer (errors included) names the origin, and any
/// other origin gets nothing.
#[tokio::test]
async fn cors_is_off_by_default_and_answers_only_allowed_origins() {
    let client = test_support::http_client();
    let preflight = |url: &str, origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, url)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-api-key")
            .send()
    };

    let data = tempfile::tempdir().unwrap();
    let off = start(data.path()).await;
    let refused = preflight(&off.retrieve_url, "https://app.example.com").await.unwrap();
    assert_eq!(refused.status(), 405, "off by default: OPTIONS is just a method");
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    assert!(stop(off).await.success());

    let on = start_with(data.path(), &["--cors-allowed-origins", "https://app.example.com"]).await;
    let answered = preflight(&on.retrieve_url, "https://app.example.com").await.unwrap();
    assert_eq!(answered.status(), 204);
    assert_eq!(
        answered.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        answered.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("x-api-key")
    );
    first_snapshot(&client, &on.retrieve_url).await;
    let from_app = client
        .get(&on.retrieve_url)
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(from_app.status(), 200);
    assert_eq!(
        from_app.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        from_app.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("etag")
    );
    let error = client
        .get(format!("{}?format=xml", on.retrieve_url))
        .header("origin", "https://app.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(error.status(), 400);
    assert_eq!(
        error.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let stranger = preflight(&on.retrieve_url, "https://evil.example").await.unwrap();
    assert_eq!(stranger.status(), 405);
    assert!(stranger.headers().get("access-control-allow-origin").is_none());
    assert!(stop(on).await.success());
}

/// An ingest has the deadline its Lambda has: `POST /ingest` against an
/// upstream slower than `--ingest-timeout-secs` answers 504 DeadlineExceeded
/// a second before the timeout, in the error shape, and writes nothing.
#[tokio::test]
async fn an_ingest_slower_than_its_timeout_fails_with_deadline_exceeded_and_writes_nothing() {
    let mut slow = test_support::origin::Resource::new(b"late".to_vec(), "text/plain", "\"v1\"");
    slow.delay = Duration::from_secs(8);
    let origin = test_support::origin::Origin::start(slow).await;
    let data = tempfile::tempdir().unwrap();
    let running = start_with(
        data.path(),
        &[
            "--no-initial-ingest",
            "--source-url",
            &origin.url,
            "--ingest-timeout-secs",
            "3",
        ],
    )
    .await;
    let client = test_support::http_client();

    let started = std::time::Instant::now();
    let failed = client.post(&running.ingest_url).send().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(failed.status(), 504);
    let body = json(failed).await;
    assert_eq!(body["error"]["code"], "DeadlineExceeded", "{body}");
    assert!(body["error"]["request_id"].is_string(), "{body}");
    assert!(
        elapsed < Duration::from_secs(6),
        "answered at the deadline, not when the upstream finished: {elapsed:?}"
    );
    assert_eq!(object_files(data.path()), 0, "nothing written");
    let none = client.get(&running.retrieve_url).send().await.unwrap();
    assert_eq!(none.status(), 404);
    assert!(stop(running).await.success());
}
