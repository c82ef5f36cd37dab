//! The real `retrieve` binary, driven through the Lambda Runtime API with
//! real API Gateway payloads, against moto.

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

/// Writes one object the way ingest does, with the `ingest` binary.
async fn ingest_one(api: &RuntimeApi, env: &[(&str, String)]) -> String {
    let binary = test_support::repo::binary("ingest");
    let mut env = env.to_vec();
    env.push(("TRIGGER_KEY_ID", test_support::moto::moto().trigger_key().await));
    let _ingest = api.spawn(&binary, &env);
    // A tick of now, so the health check's age is the object's.
    let mut event = fixture("eventbridge_scheduled_event.json");
    event["time"] = chrono::Utc::now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .into();
    match api.invoke(event).await {
        Outcome::Response(summary) => summary["key"].as_str().unwrap().to_owned(),
        other => panic!("ingest failed: {other:?}"),
    }
}

fn response(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(value) => value,
        other => panic!("expected a response, got {other:?}"),
    }
}

#[tokio::test]
async fn serves_rest_and_http_api_payloads_through_the_runtime_api() {
    let m = moto();
    let bucket = m.bucket("retrieve-bin").await;
    let key_id = m.kms_key().await;
    let mut env = aws_env(m);
    env.extend([("BUCKET_NAME", bucket.clone()), ("KMS_KEY_ID", key_id)]);

    let ingest_api = RuntimeApi::start().await;
    let key = ingest_one(&ingest_api, &env).await;

    let api = RuntimeApi::start().await;
    // Lambda's logging controls, as the modules set them (JSON) but at DEBUG,
    // so the log has records to check.
    let mut retrieve_env = env.clone();
    retrieve_env.extend([
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", "DEBUG".to_owned()),
    ]);
    let mut retrieve = api.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_retrieve")), &retrieve_env);
    // Drained as it comes: DEBUG fills a pipe's buffer, and a full pipe
    // would stop the function mid-request.
    let mut stdout = retrieve.stdout.take().expect("piped stdout");
    let stdout = tokio::spawn(async move {
        let mut all = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut all)
            .await
            .map(|_| all)
    });

    // API Gateway REST (v1): headers come back in multiValueHeaders.
    let rest = response(api.invoke(fixture("apigw_rest_proxy_request.json")).await);
    assert_eq!(rest["statusCode"], 200, "{rest}");
    assert_eq!(rest["multiValueHeaders"]["x-object-key"][0], key);
    assert_eq!(rest["multiValueHeaders"]["content-type"][0], "application/json");
    assert_eq!(rest["isBase64Encoded"], false);
    let snapshot: Value = serde_json::from_str(rest["body"].as_str().unwrap()).unwrap();
    assert_eq!(snapshot["trigger"], "schedule");
    let etag = rest["multiValueHeaders"]["etag"][0].as_str().unwrap().to_owned();

    // The same request with the ETag: 304, no body.
    let mut conditional = fixture("apigw_rest_proxy_request.json");
    conditional["headers"]["If-None-Match"] = Value::String(etag.clone());
    conditional["multiValueHeaders"]["If-None-Match"] = serde_json::json!([etag]);
    let not_modified = response(api.invoke(conditional).await);
    assert_eq!(not_modified["statusCode"], 304);
    assert!(not_modified["body"].is_null() || not_modified["body"] == "");

    // A wrong method, through the real event shape.
    let mut delete = fixture("apigw_rest_proxy_request.json");
    delete["httpMethod"] = "DELETE".into();
    let refused = response(api.invoke(delete).await);
    assert_eq!(refused["statusCode"], 405);
    assert_eq!(refused["multiValueHeaders"]["allow"][0], "GET, HEAD");

    // API Gateway HTTP API (v2) works too: headers in `headers`.
    let http_api = response(api.invoke(fixture("apigw_http_proxy_request.json")).await);
    assert_eq!(http_api["statusCode"], 200, "{http_api}");
    assert_eq!(http_api["headers"]["x-object-key"], key);

    // GET /health answers 200 and writes the newest snapshot's age to stdout
    // as one CloudWatch embedded-metric record, which the standby's alarm reads.
    let mut health = fixture("apigw_rest_proxy_request.json");
    health["path"] = "/health".into();
    health["resource"] = "/health".into();
    health["requestContext"]["resourcePath"] = "/health".into();
    health["requestContext"]["path"] = "/prod/health".into();
    let healthy = response(api.invoke(health).await);
    assert_eq!(healthy["statusCode"], 200, "{healthy}");
    retrieve.start_kill().unwrap();
    retrieve.wait().await.unwrap();
    let stdout = stdout.await.unwrap().unwrap();
    let stdout: Vec<Value> = String::from_utf8_lossy(&stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("AWS_LAMBDA_LOG_FORMAT=JSON: every line is JSON, not {line:?}: {e}"))
        })
        .collect();
    let (records, logs): (Vec<Value>, Vec<Value>) = stdout.into_iter().partition(|record| record.get("_aws").is_some());
    assert!(
        logs.iter().any(|log| log["level"] == "DEBUG"),
        "AWS_LAMBDA_LOG_LEVEL=DEBUG lets debug records through: {logs:?}"
    );
    assert_eq!(records.len(), 1, "one metric record per health check: {records:?}");
    let record = &records[0];
    assert_eq!(record["_aws"]["CloudWatchMetrics"][0]["Namespace"], "s3-latest");
    assert_eq!(
        record["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
        "NewestObjectAgeSeconds"
    );
    assert_eq!(record["Bucket"], bucket);
    let age = record["NewestObjectAgeSeconds"].as_u64().expect("age in seconds");
    assert!(age < 300, "the object was written moments ago: {age} s");
}

#[tokio::test]
async fn a_missing_setting_stops_start_up_with_one_message() {
    let api = RuntimeApi::start().await;
    let child = api.spawn(
        &std::path::PathBuf::from(env!("CARGO_BIN_EXE_retrieve")),
        &[("KMS_KEY_ID", "k".into())],
    );
    let output = child.wait_with_output().await.unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim(), "invalid configuration: BUCKET_NAME must be set");
    assert!(api.first_poll().is_none(), "never asked for work");
}

/// `RESPONSE_MODE=stream`: the real binary answers a snapshot over Lambda's
/// 6 MB buffered limit as a stream (`run_with_streaming_response`), as a REST
/// integration in STREAM mode receives it: the HTTP prelude (status and
/// headers) and then the whole body, byte for byte.
#[tokio::test]
async fn streams_a_snapshot_over_the_buffered_limit_through_the_runtime_api() {
    const SIZE: usize = 8 << 20;
    use test_support::origin::{Origin, Resource, patterned_bytes};
    let body = patterned_bytes(SIZE, 0x5a);
    let origin = Origin::start(Resource::new(body.clone(), "application/octet-stream", "\"big\"")).await;
    let m = moto();
    let bucket = m.bucket("retrieve-stream").await;
    let key_id = m.kms_key().await;
    let mut env = aws_env(m);
    env.extend([("BUCKET_NAME", bucket), ("KMS_KEY_ID", key_id)]);
    let mut ingest_env = env.clone();
    ingest_env.extend([
        ("SOURCE_URL", origin.url.clone()),
        ("SOURCE_MAX_BYTES", (2 * SIZE).to_string()),
    ]);
    let key = ingest_one(&RuntimeApi::start().await, &ingest_env).await;

    let buffered = RuntimeApi::start().await;
    let _buffered = buffered.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_retrieve")), &env);
    let refused = response(buffered.invoke(fixture("apigw_rest_proxy_request.json")).await);
    assert_eq!(refused["statusCode"], 502, "buffered: over 6 MB");
    assert!(
        refused["body"]
            .as_str()
            .unwrap_or_default()
            .contains("ResponseTooLarge"),
        "{refused}"
    );

    env.push(("RESPONSE_MODE", "stream".into()));
    let api = RuntimeApi::start().await;
    let _retrieve = api.spawn(&std::path::PathBuf::from(env!("CARGO_BIN_EXE_retrieve")), &env);
    match api.invoke(fixture("apigw_rest_proxy_request.json")).await {
        Outcome::Streamed {
            prelude,
            body: streamed,
        } => {
            assert_eq!(prelude["statusCode"], 200, "{prelude}");
            assert_eq!(prelude["headers"]["x-object-key"], key);
            assert_eq!(prelude["headers"]["content-length"], SIZE.to_string());
            assert_eq!(prelude["headers"]["content-type"], "application/octet-stream");
            assert!(streamed == body, "the whole snapshot, byte for byte");
        }
        other => panic!("expected a streamed response, got {other:?}"),
    }
}
