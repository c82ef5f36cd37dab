//! The handlers against moto (S3, KMS with enforced encryption context,
//! EventBridge), and interop with the official Amazon S3 Encryption Client.

mod common;

use std::process::Stdio;

use common::*;
use s3_latest::config::{IngestConfig, Location, SourceConfig};
use s3_latest::ingest::Ingestor;
use s3_latest::ingest::publish::EventBridgePublisher;
use s3_latest::keyring::KmsKeyring;
use s3_latest::request_count::RequestCounter;
use s3_latest::retrieve::Retriever;
use s3_latest::store::LookupStrategy;
use test_support::moto::{self, moto};
use tokio::io::AsyncWriteExt;

struct Moto {
    harness: Harness<KmsKeyring>,
    kms_key: String,
}

async fn with_moto(test: &str) -> Moto {
    let m = moto();
    let counter = RequestCounter::default();
    let config = m.sdk_config();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .interceptor(counter.clone())
            .build(),
    );
    let kms = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(&config)
            .interceptor(counter.clone())
            .build(),
    );
    let kms_key = m.kms_key().await;
    let bucket = m.bucket(test).await;
    let harness = Harness {
        s3,
        bucket,
        keys: KmsKeyring::new(kms, &kms_key),
        counter,
        context_is_authenticated: true,
    };
    Moto { harness, kms_key }
}

#[tokio::test]
async fn an_empty_bucket_answers_404() -> TestResult {
    an_empty_bucket_is_404(&with_moto("empty").await.harness).await
}

#[tokio::test]
async fn the_newest_of_one_object() -> TestResult {
    the_newest_object_is_found_at_scale(&with_moto("one").await.harness, 0).await
}

#[tokio::test]
async fn the_newest_of_1_001_objects() -> TestResult {
    the_newest_object_is_found_at_scale(&with_moto("n1001").await.harness, 1_000).await
}

#[tokio::test]
async fn the_newest_of_2_500_objects() -> TestResult {
    the_newest_object_is_found_at_scale(&with_moto("n2500").await.harness, 2_499).await
}

#[tokio::test]
async fn http_semantics() -> TestResult {
    get_head_json_and_conditional_requests(&with_moto("http").await.harness).await
}

#[tokio::test]
async fn the_warm_path_makes_no_get_and_no_kms_call() -> TestResult {
    let m = with_moto("warm").await;
    m.harness.ingest().await;
    let retriever = m.harness.retriever(LookupStrategy::Index);
    m.harness.counter.reset();
    call(&retriever, "GET", URL, &[]).await;
    assert_eq!(m.harness.counter.get("Decrypt"), 1, "cold: one KMS Decrypt");
    the_warm_path_lists_once_and_reads_only_on_change(&m.harness).await
}

#[tokio::test]
async fn error_responses() -> TestResult {
    routing_methods_and_limits_give_precise_errors(&with_moto("errors").await.harness).await
}

#[tokio::test]
async fn bad_objects_are_refused() -> TestResult {
    bad_objects_are_refused_without_plaintext(&with_moto("bad").await.harness).await
}

#[tokio::test]
async fn no_overwrites() -> TestResult {
    concurrent_writers_never_overwrite(&with_moto("race").await.harness).await
}

#[tokio::test]
async fn unsupported_events() -> TestResult {
    unsupported_events_fail_the_invocation(&with_moto("events").await.harness).await
}

#[tokio::test]
async fn kms_failures_map_to_502_and_503() -> TestResult {
    let m = with_moto("kms").await;
    let h = &m.harness;
    h.ingest().await;
    let config = h.retrieve_config(PREFIX, LookupStrategy::Index);

    // A different key: KMS refuses; a configuration problem, not tampering.
    let other_key = moto().kms_key().await;
    let wrong = Retriever::new(
        h.store(PREFIX),
        KmsKeyring::new(moto().kms(), other_key),
        config.clone(),
    );
    assert_error(&call(&wrong, "GET", URL, &[]).await, 502, "KeyServiceError");

    // KMS unreachable: retry later.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let unreachable = aws_sdk_kms::Client::new(&moto::sdk_config(&format!("http://{closed}")));
    let down = Retriever::new(
        h.store(PREFIX),
        KmsKeyring::new(unreachable.clone(), &m.kms_key),
        config,
    );
    let response = call(&down, "GET", URL, &[]).await;
    assert_error(&response, 503, "KeyServiceUnavailable");
    assert_eq!(header(&response, "retry-after"), "1");

    // ingest cannot get a data key: the invocation fails and nothing is written.
    let before = h.s3.list_objects_v2().bucket(&h.bucket).send().await?.key_count();
    let ingestor = Ingestor::new(
        h.store(PREFIX),
        KmsKeyring::new(unreachable, &m.kms_key),
        s3_latest::ingest::publish::NoPublisher,
        &ingest_config(h),
    )?;
    let err = ingestor.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "KeyServiceUnavailable");
    assert_eq!(
        h.s3.list_objects_v2().bucket(&h.bucket).send().await?.key_count(),
        before
    );
    Ok(())
}

fn ingest_config(h: &Harness<KmsKeyring>) -> IngestConfig {
    IngestConfig {
        location: Location {
            bucket: h.bucket.clone(),
            prefix: PREFIX.into(),
        },
        event_bus: None,
        source: SourceConfig::Generated,
        function_version: "test".into(),
    }
}

#[tokio::test]
async fn ingest_announces_each_object_and_reports_a_failed_announcement() -> TestResult {
    let m = with_moto("publish").await;
    let h = &m.harness;
    let events = moto().events();
    let bus = format!("{}-bus", h.bucket);
    events.create_event_bus().name(&bus).send().await?;

    let publishing = Ingestor::new(
        h.store(PREFIX),
        h.keys.clone(),
        EventBridgePublisher::new(events.clone(), &bus),
        &ingest_config(h),
    )?;
    let summary = publishing.run(&scheduled_event()).await?;
    assert!(summary.event_published);

    let missing = Ingestor::new(
        h.store(PREFIX),
        h.keys.clone(),
        EventBridgePublisher::new(events, "no-such-bus"),
        &ingest_config(h),
    )?;
    let err = missing.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "PublishFailed");
    // The object was written; the failure names it so the retry is traceable.
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(2));
    assert!(err.to_string().contains(PREFIX), "{err}");
    Ok(())
}

async fn s3ec(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let python = test_support::repo::venv_program("python");
    let script = test_support::repo::root().join("tests/interop/s3ec.py");
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python");
    child.stdin.take().unwrap().write_all(stdin).await.unwrap();
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "s3ec.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[tokio::test]
async fn objects_we_write_decrypt_with_the_official_s3_encryption_client() -> TestResult {
    let m = with_moto("s3ec-read").await;
    let h = &m.harness;
    let key = h.ingest().await;
    let ours = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
    assert_eq!(ours.status(), 200);

    let theirs = s3ec(&["get", &moto().endpoint, &h.bucket, &key, &m.kms_key], b"").await;
    assert_eq!(theirs.stdout, ours.body().as_ref());
    Ok(())
}

#[tokio::test]
async fn objects_the_official_client_writes_decrypt_with_ours() -> TestResult {
    let m = with_moto("s3ec-write").await;
    let h = &m.harness;
    let key = s3_latest::object_key::snapshot_key(PREFIX, chrono::Utc::now(), 99);
    let plaintext = b"{\"written_by\":\"amazon-s3-encryption-client-python\"}";
    s3ec(
        &["put", &moto().endpoint, &h.bucket, &key, &m.kms_key, "application/json"],
        plaintext,
    )
    .await;

    let (_, metadata) = h.raw_get(&key).await;
    assert_eq!(metadata["x-amz-cek-alg"], "AES/GCM/NoPadding");
    assert_eq!(metadata["x-amz-wrap-alg"], "kms+context");
    assert!(metadata.contains_key("x-amz-key-v2"));

    let response = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    assert_eq!(response.body().as_ref(), plaintext);
    assert_eq!(header(&response, "content-type"), "application/json");
    Ok(())
}
