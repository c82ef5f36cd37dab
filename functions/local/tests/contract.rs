//! The API contract, docs/openapi.yaml: it validates, it lists exactly the
//! errors the handler, API Gateway and local mode answer, and schemathesis,
//! generating requests from it with every check on (one off for one
//! operation, tests/openapi/schemathesis.toml says why), finds nothing against
//! the local service.

use std::process::Command;
use std::time::Duration;

use test_support::repo::{root, venv_program};

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn the_openapi_document_validates_and_lists_exactly_the_answered_errors() {
    let output = Command::new(venv_program("python"))
        .arg(root().join("tests/openapi/check.py"))
        .arg(root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// Redocly's strictest ruleset finds nothing in the contract (no telemetry,
/// no update check: the test reaches nothing beyond this machine).
#[test]
fn the_contract_passes_redocly_recommended_strict() {
    let redocly = root().join("tests/clients/typescript/node_modules/.bin/redocly");
    assert!(
        redocly.exists(),
        "run `npm ci` in tests/clients/typescript (scripts/test.sh does)"
    );
    let output = Command::new(redocly)
        .args(["lint", "--extends", "recommended-strict", "--format", "stylish"])
        .arg(root().join("docs/openapi.yaml"))
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// Cases per operation and phase; the run's figures go to docs/reliability.md.
const MAX_EXAMPLES: &str = "100";

/// The local service, once its first snapshot is served.
async fn local_with_a_snapshot(data: &std::path::Path) -> test_support::local_runner::LocalRunner {
    let running =
        test_support::local_runner::start(std::path::Path::new(env!("CARGO_BIN_EXE_s3-latest-local")), data, &[]).await;
    let client = test_support::http_client();
    for _ in 0..100 {
        if client.get(&running.retrieve_url).send().await.unwrap().status() == 200 {
            return running;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no snapshot within 10 s");
}

#[tokio::test]
async fn schemathesis_finds_nothing_against_local_mode() {
    let data = tempfile::tempdir().unwrap();
    let running = local_with_a_snapshot(data.path()).await;
    let base = running
        .retrieve_url
        .trim_end_matches("/retrieve_most_recent_object")
        .to_owned();

    // ignored_auth is off: local mode has no authentication (it listens on
    // 127.0.0.1); on AWS, API Gateway enforces the key or the signature, and
    // the deploy test reads that configuration back.
    // tests/openapi/schemathesis.toml says why one check is off for one operation.
    let output = tokio::process::Command::new(venv_program("schemathesis"))
        .arg("--config-file")
        .arg(root().join("tests/openapi/schemathesis.toml"))
        .args(["run", "--exclude-checks", "ignored_auth"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", "20261204", "--url", &base])
        .arg(root().join("docs/openapi.yaml"))
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap();
    let said = text(&output);
    let summary: Vec<&str> = said.lines().filter(|l| l.contains(" generated")).collect();
    println!("schemathesis: {}", summary.join(" | "));
    assert!(output.status.success(), "{said}");
    assert!(!summary.is_empty(), "{said}");
}

/// The client examples in examples/ run as a reader would copy them: Python
/// (an API key, and SigV4 with botocore, which local mode ignores) and Rust.
#[tokio::test]
async fn the_client_examples_fetch_and_revalidate() {
    let data = tempfile::tempdir().unwrap();
    let running = local_with_a_snapshot(data.path()).await;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let rust = target.join("debug/s3-latest-example-client");
    assert!(rust.exists(), "{} (built by cargo build --workspace)", rust.display());
    let python = venv_program("python");
    let script = root().join("examples/python/retrieve.py");
    let runs: Vec<(&str, tokio::process::Command)> = vec![
        ("python, API key", {
            let mut c = tokio::process::Command::new(&python);
            c.arg(&script)
                .arg(&running.retrieve_url)
                .env("S3_LATEST_API_KEY", "local");
            c
        }),
        ("python, SigV4", {
            let mut c = tokio::process::Command::new(&python);
            c.arg(&script)
                .args(["--sigv4", &running.retrieve_url])
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "eu-west-1");
            c
        }),
        ("rust", {
            let mut c = tokio::process::Command::new(&rust);
            c.arg(&running.retrieve_url);
            c
        }),
    ];
    for (name, mut command) in runs {
        let output = command.output().await.unwrap();
        assert!(output.status.success(), "{name}: {}", text(&output));
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(summary["revalidated"], 304, "{name}: {summary}");
        assert!(
            summary["key"].as_str().unwrap().starts_with("snapshots/"),
            "{name}: {summary}"
        );
        assert_eq!(summary["content_type"], "application/json", "{name}: {summary}");
    }
}
