//! `s3-latest-local` as a process on 127.0.0.1, as the README's run command
//! starts it, with the addresses it prints once ready.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct LocalRunner {
    pub child: Child,
    /// `GET` here for the newest snapshot.
    pub retrieve_url: String,
    /// `POST` here to take a snapshot now.
    pub ingest_url: String,
    /// The embedded S3-compatible store.
    pub s3_endpoint: String,
}

/// Starts `binary` on `data_dir` with an hourly schedule and `flags` on top,
/// and waits (30 s at most) until it has printed where it listens. The rest
/// of its output is drained, so a chatty runner never blocks on its pipe.
pub async fn start(binary: &Path, data_dir: &Path, flags: &[&str]) -> LocalRunner {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--interval-secs", "3600"])
        .args(flags)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let (mut retrieve_url, mut ingest_url, mut s3_endpoint) = (None, None, None);
    while retrieve_url.is_none() || ingest_url.is_none() || s3_endpoint.is_none() {
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
        if let Some(store) = line.trim().strip_prefix("S3 store:") {
            s3_endpoint = store.split_whitespace().next().map(str::to_owned);
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    LocalRunner {
        child,
        retrieve_url: retrieve_url.unwrap(),
        ingest_url: ingest_url.unwrap(),
        s3_endpoint: s3_endpoint.unwrap(),
    }
}
