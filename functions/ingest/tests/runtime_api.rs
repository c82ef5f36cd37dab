//! The real `ingest` binary, driven through the Lambda Runtime API with real
//! EventBridge payloads, against moto.

use serde_json::Value;
use test_support::lambda_env::aws_env;
use test_support::moto::moto;
use test_support::runtime_api::{Outcome, RuntimeApi};

fn fixture(name: &str) -> Value {
    let path = test_support::repo::root()
        .join("functions/s3-latest/tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn each_trigger_writes_and_announces_and_bad_events_fail_the_invocation() {
    let m = moto();
    let bucket = m.bucket("ingest-bin").await;
    let bus = format!("{bucket}-bus");
    m.events().create_event_bus().name(&bus).send().await.unwrap();
    let mut env = aws_env(m);
    env.extend([
        ("BUCKET_NAME", bucket.clone()),
        ("KMS_KEY_ID", m.kms_key().await),
        ("TRIGGER_KEY_ID", m.trigger_key().await),
        ("EVENT_BUS_NAME", bus),
    ]);

    let api = RuntimeApi::start().await;
    let _ingest = api.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_ingest")), &env);

    let mut written = Vec::new();
    for (name, kind) in [
        ("eventbridge_scheduled_event.json", "schedule"),
        ("scheduler_input.json", "scheduler"),
        ("manual_ingest_event.json", "manual"),
    ] {
        match api.invoke(fixture(name)).await {
            Outcome::Response(summary) => {
                assert_eq!(summary["outcome"], "written", "{name}: {summary}");
                assert_eq!(summary["trigger"]["kind"], kind);
                assert_eq!(summary["event_published"], true);
                written.push(summary["key"].as_str().unwrap().to_owned());
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    // A redelivery of each (a retry, a duplicate) finds its object: success,
    // nothing written, nothing announced.
    for (name, key) in [
        "eventbridge_scheduled_event.json",
        "scheduler_input.json",
        "manual_ingest_event.json",
    ]
    .into_iter()
    .zip(&written)
    {
        match api.invoke(fixture(name)).await {
            Outcome::Response(summary) => {
                assert_eq!(summary["outcome"], "already_ingested", "{name}: {summary}");
                assert_eq!(summary["key"], key.as_str());
                assert_eq!(summary["event_published"], false);
            }
            other => panic!("{name} again: {other:?}"),
        }
    }

    // Anything else fails the invocation, so EventBridge retries and the DLQ see it.
    match api.invoke(fixture("eventbridge_s3_object_created.json")).await {
        Outcome::Error {
            error_type,
            error_message,
        } => {
            assert_eq!(error_type, "InvalidEvent");
            assert!(error_message.contains("Object Created"), "{error_message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }

    let listed = m
        .s3()
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("snapshots/")
        .send()
        .await
        .unwrap();
    let mut keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    keys.sort();
    written.sort();
    assert_eq!(
        keys, written,
        "one object per accepted event, none for its redelivery or the refused one"
    );
    // And one announcement receipt each, beside the snapshots.
    let receipts = m
        .s3()
        .list_objects_v2()
        .bucket(&bucket)
        .prefix("snapshots.announced/")
        .send()
        .await
        .unwrap();
    assert_eq!(receipts.key_count(), Some(3));
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_with_one_message() {
    let api = RuntimeApi::start().await;
    let env = [
        ("BUCKET_NAME", "b".to_owned()),
        ("KMS_KEY_ID", "k".into()),
        ("SOURCE_URL", "file:///etc/passwd".into()),
    ];
    let child = api.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_ingest")), &env);
    let output = child.wait_with_output().await.unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "invalid configuration: SOURCE_URL must be an http:// or https:// URL"
    );

    // Without the tag key, ingest could only name its objects where anyone
    // can compute them: it does not start.
    let env = [("BUCKET_NAME", "b".to_owned()), ("KMS_KEY_ID", "k".into())];
    let child = api.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_ingest")), &env);
    let output = child.wait_with_output().await.unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim(), "invalid configuration: TRIGGER_KEY_ID must be set");
}
