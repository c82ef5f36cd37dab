//! The README's run command, as a process: start `s3-latest-local`, talk HTTP
//! to it, restart it on the same data, and stop it with Ctrl-C (SIGINT).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

struct Running {
    child: Child,
    retrieve_url: String,
    ingest_url: String,
}

async fn start(data_dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_s3-latest-local"))
        .args(["--listen", "127.0.0.1:0", "--interval-secs", "3600", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start s3-latest-local");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut retrieve_url, mut ingest_url) = (None, None);
    while retrieve_url.is_none() || ingest_url.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("ready within 30 s")
            .unwrap()
            .expect("output before exit");
        if let Some(url) = line.trim().strip_prefix("retrieve:") {
            retrieve_url = Some(url.trim().to_owned());
        }
        if let Some(command) = line.trim().strip_prefix("ingest:") {
            ingest_url = command.split_whitespace().last().map(str::to_owned);
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Running {
        child,
        retrieve_url: retrieve_url.unwrap(),
        ingest_url: ingest_url.unwrap(),
    }
}

async fn stop(mut running: Running) -> std::process::ExitStatus {
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

    let revalidated = client
        .get(&running.retrieve_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);

    let ingested = client.post(&running.ingest_url).send().await.unwrap();
    assert_eq!(ingested.status(), 200);
    let summary = json(ingested).await;
    assert_eq!(summary["outcome"], "written");
    let changed = client
        .get(&running.retrieve_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
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
