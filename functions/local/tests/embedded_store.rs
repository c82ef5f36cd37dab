//! The handlers against the embedded S3-compatible store (s3s + s3s-fs), in
//! process, with the local AES keyring.

mod common;

use std::time::Duration;

use common::*;
use s3_latest::config::SourceConfig;
use s3_latest::ingest::Outcome;
use s3_latest::keyring::LocalAesKeyring;
use s3_latest::retrieve::Retriever;
use s3_latest::store::{LookupStrategy, SnapshotStore};
use s3_latest_local::embedded_store::{self, EmbeddedStore, StoreOptions};
use test_support::origin::{Origin, Resource};
use test_support::request_count::RequestCounter;

struct Embedded {
    harness: Harness<LocalAesKeyring>,
    store: EmbeddedStore,
    _dir: tempfile::TempDir,
}

async fn embedded() -> Embedded {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let store = EmbeddedStore::start(&dir.path().join("store"), listener, StoreOptions::default())
        .await
        .unwrap();
    let counter = RequestCounter::default();
    let s3 = aws_sdk_s3::Client::from_conf(
        embedded_store::client_config(&store.endpoint())
            .interceptor(counter.clone())
            .build(),
    );
    embedded_store::ensure_bucket(&s3, "snapshots-test").await.unwrap();
    let keys = LocalAesKeyring::load_or_create(&dir.path().join("local.key")).unwrap();
    let harness = Harness {
        s3,
        bucket: "snapshots-test".into(),
        keys,
        counter,
    };
    Embedded {
        harness,
        store,
        _dir: dir,
    }
}

#[tokio::test]
async fn an_empty_bucket_answers_404() -> TestResult {
    an_empty_bucket_is_404(&embedded().await.harness).await
}

#[tokio::test]
async fn the_newest_of_one_object() -> TestResult {
    the_newest_object_is_found_at_scale(&embedded().await.harness, 0).await
}

#[tokio::test]
async fn the_newest_of_1_001_objects() -> TestResult {
    the_newest_object_is_found_at_scale(&embedded().await.harness, 1_000).await
}

#[tokio::test]
async fn the_newest_of_2_500_objects() -> TestResult {
    the_newest_object_is_found_at_scale(&embedded().await.harness, 2_499).await
}

/// The benchmark's S3 model: LIST from the ordered index gives the same
/// answers, page by page, as s3s-fs's own listing.
#[tokio::test]
async fn the_ordered_listing_index_answers_like_the_filesystem() -> TestResult {
    let e = embedded().await;
    e.store.set_ordered_listing(true);
    the_newest_object_is_found_at_scale(&e.harness, 1_000).await?;
    let listed = e
        .harness
        .s3
        .list_objects_v2()
        .bucket(&e.harness.bucket)
        .prefix("foreign/")
        .max_keys(3)
        .send()
        .await?;
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["foreign/obj-00000", "foreign/obj-00001", "foreign/obj-00002"]);
    assert_eq!(listed.is_truncated(), Some(true));
    Ok(())
}

#[tokio::test]
async fn http_semantics() -> TestResult {
    get_head_json_and_conditional_requests(&embedded().await.harness).await
}

#[tokio::test]
async fn the_warm_path() -> TestResult {
    let e = embedded().await;
    the_warm_path_lists_once_and_reads_only_on_change(&e.harness).await?;
    // The store saw the same: the readers never HEAD; the two ingests each
    // HEAD their trigger's key once (is it written already?).
    assert_eq!(e.store.counts().get("HeadObject"), 2);
    Ok(())
}

#[tokio::test]
async fn error_responses() -> TestResult {
    routing_methods_and_limits_give_precise_errors(&embedded().await.harness).await
}

#[tokio::test]
async fn bad_objects_are_refused() -> TestResult {
    bad_objects_are_refused_without_plaintext(&embedded().await.harness).await
}

#[tokio::test]
async fn a_replayed_object_is_refused_warm_and_fresh() -> TestResult {
    a_replayed_object_is_refused_by_a_warm_instance(&embedded().await.harness).await
}

#[tokio::test]
async fn the_health_route() -> TestResult {
    health_reflects_whether_the_newest_can_be_served(&embedded().await.harness).await
}

#[tokio::test]
async fn no_overwrites() -> TestResult {
    concurrent_writers_never_overwrite(&embedded().await.harness).await
}

#[tokio::test]
async fn exactly_once_per_trigger() -> TestResult {
    a_retried_trigger_writes_one_object(&embedded().await.harness).await
}

#[tokio::test]
async fn the_pointer_spares_the_warm_path_its_list() -> TestResult {
    the_pointer_takes_the_list_off_the_warm_path(&embedded().await.harness).await
}

#[tokio::test]
async fn an_unusable_pointer_falls_back() -> TestResult {
    an_unusable_pointer_falls_back_to_the_listing(&embedded().await.harness).await
}

#[tokio::test]
async fn a_lost_pointer_update_is_repaired() -> TestResult {
    a_lost_pointer_update_is_repaired_by_the_retry(&embedded().await.harness).await
}

#[tokio::test]
async fn a_rewritten_pointer_rolls_nothing_back() -> TestResult {
    a_rewritten_pointer_cannot_roll_back_or_freeze_newest(&embedded().await.harness).await
}

#[tokio::test]
async fn a_pointer_to_a_missing_key_is_repaired() -> TestResult {
    a_pointer_to_a_missing_newer_key_is_repaired(&embedded().await.harness).await
}

#[tokio::test]
async fn writes_that_skip_the_pointer_are_served() -> TestResult {
    writes_that_skip_the_pointer_are_served_within_the_audit(&embedded().await.harness).await
}

#[tokio::test]
async fn an_oversized_snapshot_is_refused_before_any_read() -> TestResult {
    common::an_oversized_snapshot_is_refused_before_any_read(&embedded().await.harness).await
}

#[tokio::test]
async fn the_default_commitment_policy_refuses_v2() -> TestResult {
    common::the_default_commitment_policy_refuses_v2(&embedded().await.harness).await
}

#[tokio::test]
async fn a_swapped_content_type_is_refused() -> TestResult {
    common::a_swapped_content_type_is_refused(&embedded().await.harness).await
}

#[tokio::test]
async fn a_far_future_key_cannot_pin_newest() -> TestResult {
    common::a_far_future_key_cannot_pin_newest(&embedded().await.harness).await
}

#[tokio::test]
async fn an_unauthentic_newest_is_skipped() -> TestResult {
    common::an_unauthentic_newest_is_skipped(&embedded().await.harness).await
}

#[tokio::test]
async fn strays_cost_at_most_two_lists() -> TestResult {
    common::strays_cost_at_most_two_lists(&embedded().await.harness).await
}

#[tokio::test]
async fn the_next_ticks_key_cannot_be_claimed_in_advance() -> TestResult {
    common::the_next_ticks_key_cannot_be_claimed_in_advance(&embedded().await.harness).await
}

#[tokio::test]
async fn a_key_written_in_advance_is_not_served() -> TestResult {
    common::a_key_written_in_advance_is_not_served(&embedded().await.harness).await
}

#[tokio::test]
async fn served_bytes_cannot_become_a_page() -> TestResult {
    common::served_bytes_cannot_become_a_page(&embedded().await.harness).await
}

#[tokio::test]
async fn stray_keys_are_skipped() -> TestResult {
    a_stray_key_is_skipped(&embedded().await.harness).await
}

#[tokio::test]
async fn the_pointer_never_moves_backwards() -> TestResult {
    racing_ingests_never_move_the_pointer_backwards(&embedded().await.harness).await
}

#[tokio::test]
async fn the_staleness_budget() -> TestResult {
    the_staleness_budget_answers_from_memory_within_it(&embedded().await.harness).await
}

#[tokio::test]
async fn unsupported_events() -> TestResult {
    unsupported_events_fail_the_invocation(&embedded().await.harness).await
}

#[tokio::test]
async fn an_unreachable_store_is_503_with_retry_after() -> TestResult {
    let e = embedded().await;
    let endpoint = e.store.endpoint();
    e.store.shutdown().await;
    let s3 = embedded_store::client_for(&endpoint);
    let store = SnapshotStore::new(s3, &e.harness.bucket, PREFIX);
    let retriever = Retriever::new(
        store,
        e.harness.keys.clone(),
        e.harness.retrieve_config(PREFIX, LookupStrategy::Index),
    );
    let response = call(&retriever, "GET", URL, &[]).await;
    assert_error(&response, 503, "StorageUnavailable");
    assert_eq!(header(&response, "retry-after"), "1");

    let err = e.harness.ingestor().run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "StorageUnavailable");
    Ok(())
}

fn resource(body: &[u8], etag: &str) -> Resource {
    Resource {
        body: body.to_vec(),
        content_type: "text/csv; charset=utf-8".into(),
        etag: etag.into(),
        chunked: false,
        delay: Duration::ZERO,
        trickle: Duration::ZERO,
    }
}

fn url_source(origin: &Origin, max_bytes: u64, timeout: Duration) -> SourceConfig {
    SourceConfig::Url {
        url: origin.url.parse().unwrap(),
        timeout,
        max_bytes,
        redirect_hosts: Vec::new(),
    }
}

#[tokio::test]
async fn a_source_url_is_fetched_conditionally_and_keeps_its_content_type() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let origin = Origin::start(resource(b"id,value\n1,42\n", "\"v1\"")).await;
    let ingestor = h.ingestor_at(PREFIX, url_source(&origin, 1 << 20, Duration::from_secs(5)));

    let first = ingestor.run(&scheduled_event()).await?;
    assert_eq!(first.outcome, Outcome::Written);
    assert_eq!(first.content_type.as_deref(), Some("text/csv; charset=utf-8"));

    // Unchanged upstream: a conditional request, a 304, and nothing written.
    let second = ingestor.run(&scheduled_event()).await?;
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert_eq!(second.key, first.key);
    assert_eq!(origin.seen(), (2, 1));
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(1));

    let response = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(response.body().as_ref(), b"id,value\n1,42\n");

    origin.set(resource(b"id,value\n1,43\n", "\"v2\""));
    let third = ingestor.run(&scheduled_event()).await?;
    assert_eq!(third.outcome, Outcome::Written);
    assert_ne!(third.key, first.key);
    Ok(())
}

/// Redirects are followed (by path and by absolute URL), up to a limit.
#[tokio::test]
async fn a_redirected_source_is_followed_a_redirect_loop_is_refused() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let origin = Origin::start(resource(b"moved here", "\"v1\"")).await;
    let base = origin.url.trim_end_matches("/feed").to_owned();
    let at = |path: &str| SourceConfig::Url {
        url: format!("{base}{path}").parse().unwrap(),
        timeout: Duration::from_secs(5),
        max_bytes: 1 << 20,
        redirect_hosts: Vec::new(),
    };
    let written = h.ingestor_at(PREFIX, at("/moved")).run(&scheduled_event()).await?;
    assert_eq!(written.outcome, Outcome::Written);
    // The validators go along the redirect: unchanged upstream, nothing written.
    let again = h.ingestor_at(PREFIX, at("/elsewhere")).run(&scheduled_event()).await?;
    assert_eq!(again.outcome, Outcome::Unchanged);
    origin.set(resource(b"moved again", "\"v2\""));
    let changed = h.ingestor_at(PREFIX, at("/elsewhere")).run(&scheduled_event()).await?;
    assert_eq!(changed.outcome, Outcome::Written);

    let err = h
        .ingestor_at(PREFIX, at("/loop"))
        .run(&scheduled_event())
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "SourceUnavailable", "{err}");
    let response = call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await;
    assert_eq!(response.body().as_ref(), b"moved again");

    // A relative reference without a leading `/` resolves as RFC 3986 says.
    origin.set(resource(b"relative", "\"v3\""));
    let relative = h.ingestor_at(PREFIX, at("/dir/moved")).run(&scheduled_event()).await?;
    assert_eq!(relative.outcome, Outcome::Written);
    Ok(())
}

/// A redirect away from the source's origin is refused, whatever the
/// source says: another port or another loopback address (standing in for
/// an internal service such as the Lambda Runtime API on 127.0.0.1:9001), even
/// when its host is allowed, because it resolves to a loopback address.
/// Nothing is fetched from there and nothing is written.
#[tokio::test]
async fn a_redirect_to_an_internal_service_is_refused() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let origin = Origin::start(resource(b"public", "\"v1\"")).await;
    let internal = Origin::start(resource(b"internal secret", "\"s\"")).await;
    let internal_port = internal
        .url
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let base = origin.url.trim_end_matches("/feed").to_owned();
    let via = |to: &str, allowed: &[String]| SourceConfig::Url {
        url: format!("{base}/redirect?to={to}").parse().unwrap(),
        timeout: Duration::from_secs(5),
        max_bytes: 1 << 20,
        redirect_hosts: allowed.to_vec(),
    };
    let on_port = |host: &str| format!("{host}:{internal_port}");
    for (to, allowed, refusal) in [
        (internal.url.clone(), vec![], "OtherOrigin"),
        (format!("http://127.0.0.2:{internal_port}/feed"), vec![], "OtherOrigin"),
        // The allow-list carries the port: the host alone allows port 80 only.
        (internal.url.clone(), vec!["127.0.0.1".to_owned()], "OtherOrigin"),
        (internal.url.clone(), vec![on_port("127.0.0.1")], "InternalAddress"),
        (
            format!("http://localhost:{internal_port}/feed"),
            vec![on_port("localhost")],
            "InternalAddress",
        ),
    ] {
        let err = h
            .ingestor_at(PREFIX, via(&to, &allowed))
            .run(&scheduled_event())
            .await
            .unwrap_err();
        assert_eq!(err.error_type(), "SourceRedirectRefused", "{to}: {err}");
        assert!(format!("{err:?}").contains(refusal), "{to}: {err:?}");
    }
    assert_eq!(internal.seen().0, 0, "the internal service was never asked");
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(0), "nothing written");
    Ok(())
}

/// Answers `first` to the first lookup and `then` to every later one.
struct Rebinding {
    first: std::net::IpAddr,
    then: std::net::IpAddr,
    lookups: std::sync::atomic::AtomicUsize,
}

impl s3_latest::ingest::resolve::LookUp for Rebinding {
    fn look_up(
        &self,
        _: &str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<std::net::IpAddr>>> + Send + '_>> {
        let n = self.lookups.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answer = if n == 0 { self.first } else { self.then };
        Box::pin(async move { Ok(vec![answer]) })
    }
}

/// DNS rebinding: an allowed name that resolves to a public address first
/// and to a loopback one after. The addresses checked are the addresses
/// connected to, so the fetch reaches the first answer's server, never the
/// second's, and the name is looked up once. Everything stays in
/// 127.0.0.0/8: the resolver is injected, and 127.0.0.2 stands for the
/// public address (judged public in this test alone). A name that answers
/// loopback from the start is refused.
#[tokio::test]
async fn a_rebinding_name_reaches_only_the_address_that_was_checked() -> TestResult {
    use s3_latest::ingest::redirect::{AddressClass, classify};
    use s3_latest::ingest::resolve::CheckedResolver;
    use s3_latest::ingest::source::{Fetch, Source, SourceError, SourceValidators};

    let stand_in: std::net::IpAddr = "127.0.0.2".parse()?;
    // The same port on both addresses, so only the address tells them apart.
    let (public, internal, port) = loop {
        let public = tokio::net::TcpListener::bind((stand_in, 0)).await?;
        let port = public.local_addr()?.port();
        if let Ok(internal) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            break (
                Origin::start_on(public, resource(b"public", "\"p\"")),
                Origin::start_on(internal, resource(b"internal secret", "\"s\"")),
                port,
            );
        }
    };
    let source = Origin::start(resource(b"source", "\"v\"")).await;
    let base = source.url.trim_end_matches("/feed");
    let config = SourceConfig::Url {
        url: format!("{base}/redirect?to=http://rebind.test:{port}/feed")
            .parse()
            .unwrap(),
        timeout: Duration::from_secs(5),
        max_bytes: 1 << 20,
        redirect_hosts: vec![format!("rebind.test:{port}")],
    };
    fn judge(ip: std::net::IpAddr) -> AddressClass {
        if ip == std::net::IpAddr::from([127, 0, 0, 2]) {
            AddressClass::Public
        } else {
            classify(ip)
        }
    }
    let fetch = |first: std::net::IpAddr| {
        let answers = std::sync::Arc::new(Rebinding {
            first,
            then: "127.0.0.1".parse().unwrap(),
            lookups: Default::default(),
        });
        let resolver = answers.clone();
        let source = Source::with_resolver(&config, "test", move |host| CheckedResolver::new(resolver, host, judge));
        async move {
            let fetched = source?.fetch(&SourceValidators::default(), "schedule").await;
            Ok::<_, SourceError>((fetched, answers.lookups.load(std::sync::atomic::Ordering::SeqCst)))
        }
    };

    let (fetched, lookups) = fetch(stand_in).await?;
    match fetched? {
        Fetch::Changed(snapshot) => assert_eq!(snapshot.body, b"public"),
        Fetch::Unchanged => panic!("unconditional fetch answered unchanged"),
    }
    assert_eq!(lookups, 1, "one resolution, the one connected to");
    assert_eq!(public.seen().0, 1);

    let (fetched, _) = fetch("127.0.0.1".parse()?).await?;
    match fetched {
        Err(SourceError::Redirect(s3_latest::ingest::redirect::Refusal::InternalAddress { class, .. })) => {
            assert_eq!(class, AddressClass::Loopback)
        }
        other => panic!("expected an internal-address refusal, got {other:?}"),
    }
    assert_eq!(internal.seen().0, 0, "the loopback service was never asked");
    Ok(())
}

#[tokio::test]
async fn an_oversize_or_slow_source_fails_and_writes_nothing() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let big = vec![b'x'; 40_000];
    let origin = Origin::start(resource(&big, "\"big\"")).await;
    let capped = h.ingestor_at(PREFIX, url_source(&origin, 10_000, Duration::from_secs(5)));
    let err = capped.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "SourceTooLarge", "declared length over the cap");

    origin.set(Resource {
        chunked: true,
        ..resource(&big, "\"big\"")
    });
    let err = capped.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "SourceTooLarge", "streamed body over the cap");

    origin.set(Resource {
        delay: Duration::from_secs(3),
        ..resource(b"late", "\"late\"")
    });
    let impatient = h.ingestor_at(PREFIX, url_source(&origin, 10_000, Duration::from_millis(300)));
    let err = impatient.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "SourceUnavailable");
    assert!(err.to_string().contains("did not answer within"), "{err}");

    // Headers at once, then a byte every 50 ms (100 bytes: 5 s): the same
    // bound cuts it off.
    origin.set(Resource {
        trickle: Duration::from_millis(50),
        ..resource(&[b'.'; 100], "\"slow\"")
    });
    let started = std::time::Instant::now();
    let err = impatient.run(&scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type(), "SourceUnavailable", "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut off, not read to the end"
    );

    // However the time goes, the invocation ends within its own budget, with
    // an error type of its own, before Lambda would kill it.
    let slow = h.ingestor_at(PREFIX, url_source(&origin, 10_000, Duration::from_secs(10)));
    let started = std::time::Instant::now();
    let err = slow
        .run_within(&scheduled_event(), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "DeadlineExceeded", "{err}");
    assert!(started.elapsed() < Duration::from_secs(2), "ended at its budget");

    let listed = h.s3.list_objects_v2().bucket(&h.bucket).send().await?;
    assert_eq!(listed.key_count(), Some(0), "no object, whole or partial");
    Ok(())
}

/// A store slower than the request's bound: retrieve answers 503
/// `RequestTimeout` with `Retry-After` at the bound, rather than hanging until
/// API Gateway gives up.
#[tokio::test]
async fn a_request_slower_than_its_bound_is_answered_503_at_the_bound() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    h.ingest().await;
    e.store.set_added_latency(Duration::from_secs(2));
    let mut config = h.retrieve_config(PREFIX, LookupStrategy::Index);
    config.request_timeout = Duration::from_millis(300);
    let retriever = Retriever::new(h.store(PREFIX), h.keys.clone(), config);
    let started = std::time::Instant::now();
    let response = call(&retriever, "GET", URL, &[]).await;
    assert!(started.elapsed() < Duration::from_secs(1), "answered at the bound");
    let body = assert_error(&response, 503, "RequestTimeout");
    assert_eq!(header(&response, "retry-after"), "1");
    assert!(!body.to_string().contains("elapsed"), "{body}");
    Ok(())
}

#[tokio::test]
async fn binary_snapshots_round_trip_as_base64_through_api_gateway() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let png: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let origin = Origin::start(Resource {
        content_type: "image/png".into(),
        ..resource(&png, "\"p\"")
    })
    .await;
    h.ingestor_at(PREFIX, url_source(&origin, 1 << 20, Duration::from_secs(5)))
        .run(&scheduled_event())
        .await?;
    let retriever = h.retriever(LookupStrategy::Index);

    let raw = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(header(&raw, "content-type"), "image/png");
    assert_eq!(raw.body().as_ref(), png.as_slice());

    // The JSON view, by the query and by its own route: the same document.
    let json = call(&retriever, "GET", &format!("{URL}?format=json"), &[]).await;
    let doc: serde_json::Value = serde_json::from_slice(json.body())?;
    assert_eq!(doc["encoding"], "base64");
    use base64::Engine;
    assert_eq!(
        base64::engine::general_purpose::STANDARD.decode(doc["body"].as_str().unwrap())?,
        png
    );
    let routed = call(&retriever, "GET", &format!("{URL}/json"), &[]).await;
    assert_eq!(header(&routed, "content-type"), "application/json");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(routed.body())?, doc);
    Ok(())
}

/// A crash between s3s-fs renaming a body into place and writing its
/// metadata (or its ETag record) leaves an object that lists but has no
/// envelope. Such a write was never acknowledged; the store removes it when it
/// starts, and keeps every whole object.
#[tokio::test]
async fn a_write_torn_by_a_crash_is_removed_when_the_store_starts() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let whole = h.ingest().await;
    let without_metadata = h.ingest().await;
    let without_etag = h.ingest().await;
    let root = e._dir.path().join("store");
    e.store.shutdown().await;

    // The state a SIGKILL at each of those two moments leaves on disk.
    use base64::Engine;
    let sidecar = |key: &str, suffix: &str| {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        root.join(format!(".bucket-{}.object-{}{suffix}", encode(&h.bucket), encode(key)))
    };
    std::fs::remove_file(sidecar(&without_metadata, ".metadata.json"))?;
    std::fs::remove_file(sidecar(&without_etag, ".internal.json"))?;
    // An overwrite cut after its body was renamed into place: the pointer's
    // body is newer than the files that describe the previous version.
    let pointer = s3_latest::pointer::pointer_key(PREFIX).expect("a pointer");
    let body = root.join(&h.bucket).join(&pointer);
    let newer = std::fs::metadata(sidecar(&pointer, ".internal.json"))?.modified()? + Duration::from_secs(1);
    std::fs::write(&body, b"{\"version\":1,\"key\":\"a newer body\"}")?;
    std::fs::File::options().write(true).open(&body)?.set_modified(newer)?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let restarted = EmbeddedStore::start(&root, listener, StoreOptions::default()).await?;
    let listed = restarted
        .client()
        .list_objects_v2()
        .bucket(&h.bucket)
        .prefix(PREFIX)
        .send()
        .await?;
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, [whole.as_str()], "only the whole object survives");
    let pointer_kept = restarted
        .client()
        .head_object()
        .bucket(&h.bucket)
        .key(&pointer)
        .send()
        .await;
    assert!(pointer_kept.is_err(), "the torn overwrite of the pointer is removed");
    assert!(
        !sidecar(&without_etag, ".metadata.json").exists(),
        "and no stray sidecar"
    );
    // Set aside, not deleted: each body, and what sidecars it had.
    let quarantine = s3_latest_local::embedded_store::quarantine_dir(&root);
    for key in [&without_metadata, &without_etag, &pointer] {
        assert!(
            quarantine.join(&h.bucket).join(key).is_file(),
            "{key} is in the quarantine"
        );
    }
    assert_eq!(
        std::fs::read(quarantine.join(&h.bucket).join(&pointer))?,
        b"{\"version\":1,\"key\":\"a newer body\"}"
    );
    restarted.shutdown().await;
    Ok(())
}

/// If no object has sidecars under the names this build expects (a
/// different s3s-fs layout), recovery touches nothing: every object stays.
#[tokio::test]
async fn a_store_of_an_unknown_layout_is_left_as_it_is() -> TestResult {
    let e = embedded().await;
    let h = &e.harness;
    let first = h.ingest().await;
    let second = h.ingest().await;
    let root = e._dir.path().join("store");
    e.store.shutdown().await;
    // Rename every sidecar, as another s3s-fs version might name them.
    for entry in std::fs::read_dir(&root)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".bucket-") {
            std::fs::rename(&path, root.join(name.replace(".bucket-", ".renamed-")))?;
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let restarted = EmbeddedStore::start(&root, listener, StoreOptions::default()).await?;
    for key in [&first, &second] {
        assert!(root.join(&h.bucket).join(key).is_file(), "{key} kept");
    }
    assert!(!s3_latest_local::embedded_store::quarantine_dir(&root).exists());
    restarted.shutdown().await;
    Ok(())
}
