//! Clients generated from docs/openapi.yaml by a generator nobody here
//! wrote, used as a consumer would use them, against local mode: before the
//! first snapshot (a typed 404 and /health's 503), then with a JSON, a text
//! and a binary snapshot (the raw bytes, the typed JSON view, a 304, HEAD,
//! /health). A contract change that breaks a generated client fails here.
//!
//! Python: openapi-python-client (tests/requirements.txt). TypeScript:
//! openapi-typescript's types, called through openapi-fetch and checked by
//! `tsc --strict` (tests/clients/typescript, installed by `npm ci` in
//! scripts/test.sh). Every generator's version is pinned.

use std::path::Path;
use std::process::Command;

use test_support::local_runner::LocalRunner;
use test_support::origin::{Origin, Resource};
use test_support::repo::{root, venv_program};

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command` and fails the test, with its output, unless it succeeds.
fn succeeds(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(output.status.success(), "{what}:\n{}", text(&output));
}

/// A client check's arguments: the server, the case, and for a snapshot
/// its bytes' file and media type.
fn with_case<'c>(command: &'c mut Command, base: &str, case: &str, expected: Option<(&Path, &str)>) -> &'c mut Command {
    command.args([base, case]);
    if let Some((file, content_type)) = expected {
        command.arg(file).arg(content_type);
    }
    command
}

/// Generates the Python client into `parent/s3_latest_client`.
fn generate_python_client(parent: &Path) {
    succeeds(
        Command::new(venv_program("openapi-python-client"))
            .args(["generate", "--meta", "none", "--path"])
            .arg(root().join("docs/openapi.yaml"))
            .arg("--output-path")
            .arg(parent.join("s3_latest_client")),
        "openapi-python-client",
    );
}

fn python_client(parent: &Path, base: &str, case: &str, expected: Option<(&Path, &str)>) {
    let mut command = Command::new(venv_program("python"));
    command.arg(root().join("tests/clients/python_client.py")).arg(parent);
    succeeds(
        with_case(&mut command, base, case, expected),
        &format!("python client, {case}"),
    );
}

async fn local(flags: &[&str]) -> (LocalRunner, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let binary = Path::new(env!("CARGO_BIN_EXE_s3-latest-local"));
    (
        test_support::local_runner::start(binary, data.path(), flags).await,
        data,
    )
}

/// The server URL the contract's paths are relative to (`…/dev`).
fn base_of(running: &LocalRunner) -> String {
    running
        .retrieve_url
        .trim_end_matches("/retrieve_most_recent_object")
        .to_owned()
}

fn typescript_dir() -> std::path::PathBuf {
    root().join("tests/clients/typescript")
}

fn npm_tool(name: &str) -> std::path::PathBuf {
    let tool = typescript_dir().join("node_modules/.bin").join(name);
    assert!(
        tool.exists(),
        "{}: run `npm ci` in tests/clients/typescript (scripts/test.sh does)",
        tool.display()
    );
    tool
}

/// Generates the TypeScript types and compiles the check against them:
/// a contract change that breaks a typed call fails to compile.
fn build_typescript_client() {
    let dir = typescript_dir();
    succeeds(
        Command::new(npm_tool("openapi-typescript"))
            .arg(root().join("docs/openapi.yaml"))
            .arg("-o")
            .arg(dir.join("generated/schema.d.ts")),
        "openapi-typescript",
    );
    succeeds(Command::new(npm_tool("tsc")).arg("-p").arg(&dir), "tsc");
}

fn typescript_client(base: &str, case: &str, expected: Option<(&Path, &str)>) {
    let mut command = Command::new("node");
    command.arg(typescript_dir().join("out/check.js"));
    succeeds(
        with_case(&mut command, base, case, expected),
        &format!("typescript client, {case}"),
    );
}

fn clients(parent: &Path, base: &str, case: &str, expected: Option<(&Path, &str)>) {
    python_client(parent, base, case, expected);
    typescript_client(base, case, expected);
}

#[tokio::test]
async fn generated_clients_read_every_representation() {
    let generated = tempfile::tempdir().unwrap();
    generate_python_client(generated.path());
    build_typescript_client();

    // Before any snapshot, on a service of its own (/health keeps its
    // verdict for a few seconds).
    let (empty, _data) = local(&["--no-initial-ingest"]).await;
    clients(generated.path(), &base_of(&empty), "empty", None);

    let origin = Origin::start(Resource::new(Vec::new(), "application/json", "\"0\"")).await;
    let (running, _data) = local(&["--no-initial-ingest", "--source-url", &origin.url]).await;
    let base = base_of(&running);

    let binary: Vec<u8> = (0..=255u8).rev().cycle().take(1000).collect();
    let cases: [(&str, &str, Vec<u8>); 3] = [
        ("json", "application/json", br#"{"rates":{"EUR":1.0}}"#.to_vec()),
        (
            "text",
            "text/plain; charset=utf-8",
            "plain text, not JSON: \u{e9}t\u{e9}\n".into(),
        ),
        ("binary", "application/octet-stream", binary),
    ];
    let client = test_support::http_client();
    for (i, (case, content_type, body)) in cases.into_iter().enumerate() {
        origin.set(Resource::new(body.clone(), content_type, &format!("\"{i}\"")));
        let ingested = client
            .post(&running.ingest_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let ingested: serde_json::Value = serde_json::from_slice(&ingested).unwrap();
        assert_eq!(ingested["outcome"], "written", "{case}: {ingested}");
        let expected = generated.path().join(format!("{case}.expected"));
        std::fs::write(&expected, &body).unwrap();
        clients(generated.path(), &base, case, Some((&expected, content_type)));
    }
}
