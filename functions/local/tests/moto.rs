//! The handlers against moto (S3, KMS with enforced encryption context,
//! EventBridge), and interop with the official Amazon S3 Encryption Client.

mod common;

use std::process::Stdio;

use common::*;
use s3_latest::config::{IngestConfig, Location, SourceConfig};
use s3_latest::envelope::Format;
use s3_latest::ingest::publish::EventBridgePublisher;
use s3_latest::ingest::{Ingestor, Outcome};
use s3_latest::keyring::KmsKeyring;
use s3_latest::retrieve::Retriever;
use s3_latest::store::LookupStrategy;
use test_support::moto::{self, moto};
use test_support::request_count::RequestCounter;
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
    let trigger_key = m.trigger_key().await;
    let bucket = m.bucket(test).await;
    let harness = Harness {
        s3,
        bucket,
        keys: KmsKeyring::new(kms, &kms_key).with_trigger_key(trigger_key),
        counter,
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
async fn a_replayed_object_is_refused_warm_and_fresh() -> TestResult {
    a_replayed_object_is_refused_by_a_warm_instance(&with_moto("replay").await.harness).await
}

#[tokio::test]
async fn the_health_route() -> TestResult {
    health_reflects_whether_the_newest_can_be_served(&with_moto("health").await.harness).await
}

#[tokio::test]
async fn no_overwrites() -> TestResult {
    concurrent_writers_never_overwrite(&with_moto("race").await.harness).await
}

#[tokio::test]
async fn exactly_once_per_trigger() -> TestResult {
    a_retried_trigger_writes_one_object(&with_moto("retries").await.harness).await
}

#[tokio::test]
async fn the_pointer_spares_the_warm_path_its_list() -> TestResult {
    the_pointer_takes_the_list_off_the_warm_path(&with_moto("pointer").await.harness).await
}

#[tokio::test]
async fn an_unusable_pointer_falls_back() -> TestResult {
    an_unusable_pointer_falls_back_to_the_listing(&with_moto("fallback").await.harness).await
}

#[tokio::test]
async fn a_lost_pointer_update_is_repaired() -> TestResult {
    a_lost_pointer_update_is_repaired_by_the_retry(&with_moto("repair").await.harness).await
}

#[tokio::test]
async fn the_pointer_never_moves_backwards() -> TestResult {
    racing_ingests_never_move_the_pointer_backwards(&with_moto("pointer-race").await.harness).await
}

#[tokio::test]
async fn a_rewritten_pointer_rolls_nothing_back() -> TestResult {
    a_rewritten_pointer_cannot_roll_back_or_freeze_newest(&with_moto("rollback").await.harness).await
}

#[tokio::test]
async fn a_pointer_to_a_missing_key_is_repaired() -> TestResult {
    a_pointer_to_a_missing_newer_key_is_repaired(&with_moto("phantom").await.harness).await
}

#[tokio::test]
async fn writes_that_skip_the_pointer_are_served() -> TestResult {
    writes_that_skip_the_pointer_are_served_within_the_audit(&with_moto("skipped").await.harness).await
}

#[tokio::test]
async fn an_oversized_snapshot_is_refused_before_any_read() -> TestResult {
    common::an_oversized_snapshot_is_refused_before_any_read(&with_moto("oversized").await.harness).await
}

#[tokio::test]
async fn the_default_commitment_policy_refuses_v2() -> TestResult {
    common::the_default_commitment_policy_refuses_v2(&with_moto("commitment").await.harness).await
}

#[tokio::test]
async fn a_swapped_content_type_is_refused() -> TestResult {
    common::a_swapped_content_type_is_refused(&with_moto("content-type").await.harness).await
}

#[tokio::test]
async fn a_far_future_key_cannot_pin_newest() -> TestResult {
    common::a_far_future_key_cannot_pin_newest(&with_moto("far-future").await.harness).await
}

#[tokio::test]
async fn an_unauthentic_newest_is_skipped() -> TestResult {
    common::an_unauthentic_newest_is_skipped(&with_moto("unauthentic").await.harness).await
}

#[tokio::test]
async fn strays_cost_at_most_two_lists() -> TestResult {
    common::strays_cost_at_most_two_lists(&with_moto("strays").await.harness).await
}

#[tokio::test]
async fn the_next_ticks_key_cannot_be_claimed_in_advance() -> TestResult {
    common::the_next_ticks_key_cannot_be_claimed_in_advance(&with_moto("claim").await.harness).await
}

#[tokio::test]
async fn a_key_written_in_advance_is_not_served() -> TestResult {
    common::a_key_written_in_advance_is_not_served(&with_moto("advance").await.harness).await
}

#[tokio::test]
async fn served_bytes_cannot_become_a_page() -> TestResult {
    common::served_bytes_cannot_become_a_page(&with_moto("page").await.harness).await
}

#[tokio::test]
async fn stray_keys_are_skipped() -> TestResult {
    a_stray_key_is_skipped(&with_moto("stray").await.harness).await
}

/// Revocation reaches warm instances: once the key is disabled, a warm
/// instance stops serving the plaintext it holds within the data-key TTL,
/// and answers 502 without a byte of it.
#[tokio::test]
async fn a_disabled_key_stops_a_warm_instance_within_the_data_key_ttl() -> TestResult {
    let m = with_moto("revocation").await;
    let h = &m.harness;
    let key = h.ingest().await;
    let ttl = std::time::Duration::from_millis(1500);
    let warm = retriever_tuned(h, std::time::Duration::from_secs(60), ttl);
    let served = call(&warm, "GET", URL, &[]).await;
    assert_eq!(served.status(), 200);
    assert_eq!(header(&served, "x-object-key"), key);

    moto().kms().disable_key().key_id(&m.kms_key).send().await?;
    tokio::time::sleep(ttl).await;
    h.counter.reset();
    for _ in 0..3 {
        // The body is our JSON error, nothing of the snapshot.
        assert_error(&call(&warm, "GET", URL, &[]).await, 502, "KeyServiceError");
    }
    assert_eq!(
        h.counter.get("Decrypt"),
        1,
        "asked once, then the refusal is replayed briefly"
    );
    assert_eq!(
        h.counter.get("GetObject"),
        3,
        "the pointer only, answered 304: no body fetched"
    );
    assert_eq!(h.counter.not_modified(), 3);
    moto().kms().enable_key().key_id(&m.kms_key).send().await?;
    Ok(())
}

/// Revocation within one TTL on every path: a plaintext re-read after its
/// data key came from the cache is due for proof a TTL after the key's own
/// unwrap, not after the re-read; and once refused, a conditional request
/// with the old ETag gets the error a GET would, never a 304.
#[tokio::test]
async fn revocation_through_the_data_key_cache_takes_one_ttl_and_stops_304s() -> TestResult {
    let m = with_moto("revocation-cache").await;
    let h = &m.harness;
    let key = h.ingest().await;
    let ttl = std::time::Duration::from_secs(4);
    let warm = retriever_tuned(h, std::time::Duration::from_millis(500), ttl);
    let unwrapped_at = std::time::Instant::now();
    let served = call(&warm, "GET", URL, &[]).await;
    assert_eq!(served.status(), 200);
    let etag = header(&served, "etag").to_owned();

    // Halfway through the TTL the object is rewritten as it was (same bytes,
    // same metadata): a new entity tag, read again, its data key from the
    // cache. Then the key is disabled.
    tokio::time::sleep(ttl / 2).await;
    let (ciphertext, metadata) = h.raw_get(&key).await;
    h.raw_put(&key, ciphertext.to_vec(), metadata).await;
    h.counter.reset();
    let reread = call(&warm, "GET", URL, &[]).await;
    assert_eq!(reread.status(), 200);
    assert_eq!(h.counter.get("Decrypt"), 0, "the data key came from the cache");
    let reread_etag = header(&reread, "etag").to_owned();
    assert_ne!(reread_etag, etag, "a new entity tag");
    moto().kms().disable_key().key_id(&m.kms_key).send().await?;

    // One TTL after the key's unwrap (not after the re-read) it is refused.
    tokio::time::sleep(ttl.saturating_sub(unwrapped_at.elapsed()) + std::time::Duration::from_millis(200)).await;
    assert!(
        unwrapped_at.elapsed() < ttl + ttl / 2,
        "the machine was too slow for the TTL"
    );
    assert_error(&call(&warm, "GET", URL, &[]).await, 502, "KeyServiceError");
    for tag in [reread_etag.as_str(), "*"] {
        let conditional = call(&warm, "GET", URL, &[("if-none-match", tag)]).await;
        assert_error(&conditional, 502, "KeyServiceError");
    }
    let fresh = h.retriever(LookupStrategy::Pointer);
    let conditional = call(&fresh, "GET", URL, &[("if-none-match", reread_etag.as_str())]).await;
    assert_error(&conditional, 502, "KeyServiceError");
    moto().kms().enable_key().key_id(&m.kms_key).send().await?;
    Ok(())
}

#[tokio::test]
async fn the_staleness_budget() -> TestResult {
    the_staleness_budget_answers_from_memory_within_it(&with_moto("staleness").await.harness).await
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
        KmsKeyring::new(unreachable, &m.kms_key).with_trigger_key(moto().trigger_key().await),
        None::<EventBridgePublisher>,
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
        location: Location::new(h.bucket.clone(), PREFIX),
        event_bus: None,
        source: SourceConfig::Generated,
        function_version: "test".into(),
        format: Default::default(),
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
        EventBridgePublisher::new(events.clone(), "no-such-bus"),
        &ingest_config(h),
    )?;
    let event = scheduled_event();
    let err = missing.run(&event).await.unwrap_err();
    assert_eq!(err.error_type(), "PublishFailed");
    // The object was written; the failure names it so the retry is traceable.
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(2));
    assert!(err.to_string().contains(PREFIX), "{err}");
    let key = listed.contents()[0].key().unwrap().to_owned();

    // The retry (the bus answers again) finds the object and no receipt of
    // its announcement, and announces it; later retries find the receipt.
    let announced = Announced::new(EventBridgePublisher::new(events, &bus));
    let retrying = Ingestor::new(h.store(PREFIX), h.keys.clone(), announced.clone(), &ingest_config(h))?;
    // Within the grace the writer is presumed to be announcing still.
    let too_soon = retrying.run(&event).await?;
    assert!(!too_soon.event_published, "left to its writer within the grace");
    // Lambda retries a minute later; here, no grace.
    let retrying = retrying.with_announce_grace(std::time::Duration::ZERO);
    let retry = retrying.run(&event).await?;
    assert_eq!(retry.outcome, Outcome::AlreadyIngested);
    assert!(retry.event_published, "the missing announcement is made by the retry");
    assert_eq!(retry.key.as_deref(), Some(key.as_str()));
    for _ in 0..2 {
        let again = retrying.run(&event).await?;
        assert!(!again.event_published, "announced once");
    }
    assert_eq!(announced.counts(), [(key.clone(), 1)].into_iter().collect());
    // Receipts live beside the snapshots: listings of the prefix never see them.
    let receipts =
        h.s3.list_objects_v2()
            .bucket(&h.bucket)
            .prefix("snapshots.announced/")
            .send()
            .await?;
    assert_eq!(receipts.key_count(), Some(2), "one per announced object");
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(2));
    Ok(())
}

/// Runs the official client; `Err` carries its stderr when it refuses.
async fn s3ec(args: &[&str], stdin: &[u8]) -> Result<Vec<u8>, String> {
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
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[tokio::test]
async fn objects_we_write_decrypt_with_the_official_s3_encryption_client() -> TestResult {
    let m = with_moto("s3ec-read").await;
    let h = &m.harness;
    let endpoint = moto().endpoint.clone();
    for (ours_format, their_format) in [(Format::V3, "v3"), (Format::V2, "v2")] {
        let key = h.ingest_in(ours_format).await;
        let ours = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
        assert_eq!(ours.status(), 200);

        let theirs = s3ec(&["get", their_format, &endpoint, &h.bucket, &key, &m.kms_key], b"").await;
        assert_eq!(theirs.as_deref(), Ok(ours.body().as_ref()), "{ours_format:?}");
    }
    // Why V2 writing is a setting and not the default: the official client at
    // its defaults refuses V2 objects (no key commitment).
    let v2 = h.ingest_in(Format::V2).await;
    let refused = s3ec(&["get", "v3", &endpoint, &h.bucket, &v2, &m.kms_key], b"").await;
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("non-key-committing")),
        "{refused:?}"
    );
    Ok(())
}

#[tokio::test]
async fn objects_the_official_client_writes_decrypt_with_ours() -> TestResult {
    let m = with_moto("s3ec-write").await;
    let h = &m.harness;
    let endpoint = moto().endpoint.clone();
    for (their_format, format_key) in [("v3", "x-amz-3"), ("v2", "x-amz-key-v2")] {
        let key = s3_latest::object_key::snapshot_key(PREFIX, chrono::Utc::now(), 99);
        let plaintext = format!("{{\"written_by\":\"amazon-s3-encryption-client-python {their_format}\"}}");
        s3ec(
            &[
                "put",
                their_format,
                &endpoint,
                &h.bucket,
                &key,
                &m.kms_key,
                "application/json",
            ],
            plaintext.as_bytes(),
        )
        .await?;

        let (_, metadata) = h.raw_get(&key).await;
        assert!(metadata.contains_key(format_key), "{their_format}: {metadata:?}");
        if their_format == "v3" {
            assert_eq!(metadata["x-amz-c"], "115");
            assert_eq!(metadata["x-amz-w"], "12");
        } else {
            assert_eq!(metadata["x-amz-cek-alg"], "AES/GCM/NoPadding");
            assert_eq!(metadata["x-amz-wrap-alg"], "kms+context");
        }

        let response = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
        assert_eq!(response.status(), 200, "{their_format}: {:?}", response.body());
        assert_eq!(response.body().as_ref(), plaintext.as_bytes());
        assert_eq!(header(&response, "content-type"), "application/json");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    Ok(())
}

#[tokio::test]
async fn writes_name_the_bucket_key_for_sse_kms_when_configured() -> TestResult {
    let m = with_moto("sse").await;
    let h = &m.harness;
    let store = h.store(PREFIX).with_sse_kms(Some(m.kms_key.clone()));
    let ingestor = Ingestor::new(store, h.keys.clone(), None::<EventBridgePublisher>, &ingest_config(h))?;
    let key = ingestor.run(&scheduled_event()).await?.key.unwrap();
    let head = h.s3.head_object().bucket(&h.bucket).key(&key).send().await?;
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms)
    );
    assert!(
        head.ssekms_key_id().unwrap_or_default().contains(&m.kms_key),
        "{:?}",
        head.ssekms_key_id()
    );
    // Still client-side encrypted underneath, and still served.
    assert_eq!(
        call(&h.retriever(LookupStrategy::Index), "GET", URL, &[])
            .await
            .status(),
        200
    );
    Ok(())
}

/// Every AWS call each function makes is covered by the IAM actions the code
/// declares (and the Terraform wiring check holds the roles to those lists).
#[tokio::test]
async fn every_call_made_is_covered_by_the_declared_iam_actions() -> TestResult {
    use s3_latest::deployment::{INGEST_IAM_ACTIONS, RETRIEVE_IAM_ACTIONS, iam_action};
    let m = moto();
    let config = m.sdk_config();
    let bucket = m.bucket("iam").await;
    let kms_key = m.kms_key().await;
    let bus = format!("{bucket}-bus");
    m.events().create_event_bus().name(&bus).send().await?;
    let counted = |counter: &RequestCounter| {
        (
            aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .interceptor(counter.clone())
                    .build(),
            ),
            aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(&config)
                    .interceptor(counter.clone())
                    .build(),
            ),
            aws_sdk_eventbridge::Client::from_conf(
                aws_sdk_eventbridge::config::Builder::from(&config)
                    .interceptor(counter.clone())
                    .build(),
            ),
        )
    };

    let ingest_calls = RequestCounter::default();
    let (s3, kms, events) = counted(&ingest_calls);
    let origin = test_support::origin::Origin::start(test_support::origin::Resource {
        body: b"{}".to_vec(),
        content_type: "application/json".into(),
        etag: "\"1\"".into(),
        chunked: false,
        delay: std::time::Duration::ZERO,
        trickle: std::time::Duration::ZERO,
    })
    .await;
    let ingest_config = IngestConfig {
        location: Location::new(bucket.clone(), PREFIX),
        event_bus: Some(bus.clone()),
        source: SourceConfig::Url {
            url: origin.url.parse()?,
            timeout: std::time::Duration::from_secs(5),
            max_bytes: 1 << 20,
            redirect_hosts: Vec::new(),
        },
        function_version: "test".into(),
        format: Default::default(),
    };
    let store = s3_latest::store::SnapshotStore::new(s3.clone(), &bucket, PREFIX);
    let ingestor = Ingestor::new(
        store.clone(),
        KmsKeyring::new(kms.clone(), &kms_key).with_trigger_key(m.trigger_key().await),
        EventBridgePublisher::new(events, &bus),
        &ingest_config,
    )?;
    ingestor.run(&scheduled_event()).await?;
    ingestor.run(&scheduled_event()).await?; // the conditional path: LIST + HEAD
    let allowed = INGEST_IAM_ACTIONS;
    for operation in ingest_calls.snapshot().keys() {
        let action =
            iam_action(operation).unwrap_or_else(|| panic!("ingest calls {operation}, which has no IAM mapping"));
        assert!(allowed.contains(&action), "ingest needs {action} for {operation}");
    }
    assert!(
        ingest_calls.get("HeadObject") > 0 && ingest_calls.get("PutEvents") > 0,
        "{:?}",
        ingest_calls.snapshot()
    );

    let retrieve_calls = RequestCounter::default();
    let (s3, kms, _) = counted(&retrieve_calls);
    let retriever = Retriever::new(
        s3_latest::store::SnapshotStore::new(s3, &bucket, PREFIX),
        KmsKeyring::new(kms, &kms_key),
        Harness {
            s3: m.s3(),
            bucket: bucket.clone(),
            keys: (),
            counter: RequestCounter::default(),
        }
        .retrieve_config_for(PREFIX, LookupStrategy::Index),
    );
    assert_eq!(call(&retriever, "GET", URL, &[]).await.status(), 200);
    for operation in retrieve_calls.snapshot().keys() {
        let action =
            iam_action(operation).unwrap_or_else(|| panic!("retrieve calls {operation}, which has no IAM mapping"));
        assert!(
            RETRIEVE_IAM_ACTIONS.contains(&action),
            "retrieve needs {action} for {operation}"
        );
    }
    assert_eq!(
        retrieve_calls.snapshot().len(),
        3,
        "ListObjectsV2, GetObject, Decrypt: {:?}",
        retrieve_calls.snapshot()
    );
    Ok(())
}

/// Disaster recovery across two regions: ingest writes in the primary under
/// a multi-region key; replication copies the object, metadata and all, to
/// the standby's bucket; the standby's retrieve, holding only the replica
/// key's ARN and the shared store identity, serves it. Relocation and replay
/// stay refused in the standby. (moto decrypts multi-region ciphertexts only
/// with the repair in tests/moto/server.py.)
#[tokio::test]
async fn a_snapshot_written_in_the_primary_is_served_by_the_standby() -> TestResult {
    const PRIMARY: &str = "eu-west-1";
    const STANDBY: &str = "eu-central-1";
    let m = moto();
    let (primary_key, replica_key) = m.multi_region_key(PRIMARY, STANDBY).await;
    // Only the primary ingests, so only it has a tag key.
    let tags = aws_sdk_kms::Client::new(&m.sdk_config_in(PRIMARY))
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Hmac256)
        .key_usage(aws_sdk_kms::types::KeyUsageType::GenerateVerifyMac)
        .send()
        .await?
        .key_metadata()
        .map(|k| k.key_id().to_owned())
        .expect("an HMAC key");
    let region = |name: &str, bucket: String, key: &str| {
        let config = m.sdk_config_in(name);
        let counter = RequestCounter::default();
        Harness {
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&config)
                    .force_path_style(true)
                    .interceptor(counter.clone())
                    .build(),
            ),
            bucket,
            keys: KmsKeyring::new(
                aws_sdk_kms::Client::from_conf(
                    aws_sdk_kms::config::Builder::from(&config)
                        .interceptor(counter.clone())
                        .build(),
                ),
                key,
            )
            .with_trigger_key(&tags),
            counter,
        }
    };
    let primary = region(PRIMARY, m.bucket_in("dr-primary", PRIMARY).await, &primary_key);
    let standby = region(STANDBY, m.bucket_in("dr-standby", STANDBY).await, &replica_key);
    // Both regions' readers name the primary bucket as the store, as env/prod-dr does.
    let store_id = primary.bucket.clone();

    let written = primary.ingest().await;
    let served_in_primary = call(&primary.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
    assert_eq!(served_in_primary.status(), 200);

    // Replication: same key, same bytes, same metadata, the other region's bucket.
    standby
        .s3
        .copy_object()
        .copy_source(format!("{}/{written}", primary.bucket))
        .bucket(&standby.bucket)
        .key(&written)
        .send()
        .await?;
    let reader = |store: &str| {
        let mut config = standby.retrieve_config(PREFIX, LookupStrategy::Index);
        config.location.store_id = store.to_owned();
        Retriever::new(standby.store(PREFIX), standby.keys.clone(), config)
    };

    let warm = reader(&store_id);
    standby.counter.reset();
    let served = call(&warm, "GET", URL, &[]).await;
    assert_eq!(served.status(), 200, "{:?}", served.body());
    assert_eq!(served.body(), served_in_primary.body());
    assert_eq!(header(&served, "x-object-key"), written);
    // The ETag is not compared: it covers Last-Modified, which a copy (here,
    // made a moment later) need not share, as docs/disaster-recovery.md says.
    // The data key was unwrapped by the standby region's KMS, which holds only the replica.
    assert_eq!(standby.counter.get("Decrypt"), 1);

    // The standby's own bucket name is not the store: relocated, refused.
    assert_error(
        &call(&reader(&standby.bucket), "GET", URL, &[]).await,
        502,
        "IntegrityError",
    );

    // A replay inside the standby's bucket, skipped by the warm reader and a
    // fresh one: the replicated snapshot is still what they serve.
    let (ciphertext, metadata) = standby.raw_get(&written).await;
    let later = s3_latest::object_key::snapshot_key(PREFIX, chrono::Utc::now() + chrono::Duration::minutes(1), 5);
    standby
        .raw_put(&later, ciphertext.to_vec(), forged_for(&metadata, &later))
        .await;
    for retriever in [&warm, &reader(&store_id)] {
        let response = call(retriever, "GET", URL, &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-object-key"), written);
    }
    Ok(())
}
