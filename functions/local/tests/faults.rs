//! The service under injected faults: the production ingest and retrieve
//! handlers, with the production timeouts and retry policy, talk to moto
//! through a seeded fault-injecting proxy on 127.0.0.1 (S3, KMS and
//! EventBridge alike). Prints its figures; docs/reliability.md
//! quotes them.
//!
//! `cargo test -p s3-latest-local --test faults -- --nocapture`

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use common::*;
use s3_latest::config::{CallBudget, IngestConfig, Location, SourceConfig};
use s3_latest::ingest::publish::EventBridgePublisher;
use s3_latest::ingest::{Ingestor, Outcome, TRIGGER_METADATA};
use s3_latest::keyring::{KmsKeyring, Tagged, TriggerTags};
use s3_latest::retrieve::Retriever;
use s3_latest::store::{LookupStrategy, ObjectSummary, SnapshotStore};
use test_support::fault_proxy::{Fault, FaultPlan, FaultProxy};
use test_support::moto::moto;
use test_support::request_count::RequestCounter;

const SEED: u64 = 20_261_122;
/// Probability that a request (or a new connection) meets a fault.
const FAULT_RATE: f64 = 0.08;
const TRIGGERS: usize = 300;
/// Every tenth trigger is first delivered this many times at once.
const CONCURRENT_DUPLICATES: usize = 3;
/// Deliveries of one trigger before it counts as failed: Lambda's two
/// retries of an async invocation, and the Scheduler's own, give more.
const MAX_DELIVERIES: usize = 6;
const RETRIEVES: usize = 3_000;
const RETRIEVE_WORKERS: usize = 8;
/// The whole-request bound retrieve is given here (deployed: 9 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// ingest's function timeout here (deployed: 60 s).
const INGEST_FUNCTION_TIMEOUT: Duration = Duration::from_secs(12);
/// Longer than the whole-request bound: only the SDK's attempt timeout
/// rescues a request from a stall in time.
const STALL: Duration = Duration::from_secs(5);
/// The announce grace and the wait before redelivering a failed trigger,
/// scaled like the timeouts (deployed: 30 s, and Lambda's first retry a
/// minute after a failure).
const ANNOUNCE_GRACE: Duration = Duration::from_secs(6);

fn plan() -> FaultPlan {
    FaultPlan {
        seed: SEED,
        rate: FAULT_RATE,
        weights: vec![
            (Fault::Refuse, 2),
            (Fault::ResetMidRequest, 2),
            (Fault::ResetMidResponse, 3),
            (Fault::InternalError, 3),
            (Fault::Throttle, 3),
            (Fault::TruncatedBody, 2),
            (Fault::Stall, 1),
        ],
        stall: STALL,
    }
}

/// Clients aimed at `endpoint` with the production timeouts and retries.
/// One function's clients. `function` names their retry partition: the
/// SDK's retry quota (a token bucket that stops retrying under widespread
/// failure) is shared per partition and process, and ingest and retrieve
/// share no process when deployed, so here they share no quota either.
fn clients(function: &str, endpoint: &str, budget: &CallBudget, counter: &RequestCounter) -> Clients {
    use aws_sdk_s3::config::retry::RetryPartition;
    let sdk = test_support::moto::sdk_config(endpoint)
        .into_builder()
        .timeout_config(s3_latest::aws::timeout_config(budget))
        .retry_config(s3_latest::aws::retry_config(budget))
        .build();
    let partition = |service: &str| RetryPartition::new(format!("{function}-{service}"));
    Clients {
        s3: aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                // As deployed: S3's quota refills with time (see `s3_retry_partition`).
                .retry_partition(s3_latest::aws::s3_retry_partition())
                .interceptor(counter.clone())
                .build(),
        ),
        kms: aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&sdk)
                .retry_partition(partition("kms"))
                .interceptor(counter.clone())
                .build(),
        ),
        events: aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&sdk)
                .retry_partition(partition("events"))
                .interceptor(counter.clone())
                .build(),
        ),
    }
}

struct Clients {
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    events: aws_sdk_eventbridge::Client,
}

/// What one retrieve answered, and how long it took.
struct Answer {
    status: u16,
    elapsed: Duration,
    key: Option<String>,
    etag: Option<String>,
    body_sha256: [u8; 32],
    error_code: Option<String>,
    retry_after: bool,
    body: Bytes,
}

async fn ask(retriever: &Retriever<KmsKeyring>, etag: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = etag.map(|e| ("if-none-match", e)).into_iter().collect();
    let started = Instant::now();
    let response = call(retriever, "GET", URL, &headers).await;
    let elapsed = started.elapsed();
    let body = response.body().clone();
    let error_code = (response.status().as_u16() >= 400)
        .then(|| serde_json::from_slice::<serde_json::Value>(&body).ok())
        .flatten()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned));
    Answer {
        status: response.status().as_u16(),
        elapsed,
        key: response
            .headers()
            .get("x-object-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        etag: response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body_sha256: s3_latest::crypto::sha256(&[&body]),
        error_code,
        retry_after: response.headers().contains_key("retry-after"),
        body,
    }
}

/// Text that would mean an internal error leaked into a response.
const INTERNAL: &[&str] = &[
    "Dispatch",
    "dispatch",
    "hyper",
    "connection",
    "127.0.0.1",
    "FAULTPROXY",
    "InternalError",
    "SlowDown",
    "Throttling",
    "KMSInternal",
    "TimeoutError",
    "io error",
    "panicked",
];

/// Every 5xx retrieve may answer, as docs/api.md lists them.
const DOCUMENTED_5XX: &[(u16, &str)] = &[
    (503, "StorageUnavailable"),
    (503, "KeyServiceUnavailable"),
    (503, "ObjectChanged"),
    (503, "RequestTimeout"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_injected_faults_nothing_is_lost_duplicated_or_leaked() -> TestResult {
    let m = moto();
    let bucket = m.bucket("faults").await;
    let key_id = m.kms_key().await;
    let trigger_key = m.trigger_key().await;
    let bus = format!("{bucket}-bus");
    m.events().create_event_bus().name(&bus).send().await?;
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::none()).await;

    let ingest_calls = RequestCounter::default();
    let ingest_budget = CallBudget::for_ingest(INGEST_FUNCTION_TIMEOUT);
    let via_proxy = clients("ingest", &proxy.endpoint, &ingest_budget, &ingest_calls);
    let ingest_config = IngestConfig {
        location: Location::new(bucket.clone(), PREFIX),
        event_bus: Some(bus.clone()),
        source: SourceConfig::Generated,
        function_version: "faults".into(),
        format: Default::default(),
    };
    let announced = Announced::new(EventBridgePublisher::new(via_proxy.events.clone(), &bus));
    let ingestor = Arc::new(
        Ingestor::new(
            SnapshotStore::new(via_proxy.s3.clone(), &bucket, PREFIX),
            KmsKeyring::new(via_proxy.kms.clone(), &key_id).with_trigger_key(&trigger_key),
            announced.clone(),
            &ingest_config,
        )?
        .with_announce_grace(ANNOUNCE_GRACE),
    );
    // Lambda's deadline less the binary's one-second margin.
    let invocation_budget = INGEST_FUNCTION_TIMEOUT - Duration::from_secs(1);

    let retrieve_calls = RequestCounter::default();
    let retrieve_budget = CallBudget::for_retrieve(REQUEST_TIMEOUT);
    let retrieve_clients = clients("retrieve", &proxy.endpoint, &retrieve_budget, &retrieve_calls);
    let harness = Harness {
        s3: retrieve_clients.s3.clone(),
        bucket: bucket.clone(),
        keys: KmsKeyring::new(retrieve_clients.kms.clone(), &key_id),
        counter: retrieve_calls.clone(),
    };
    // The deployed default: the pointer, with the listing as its fallback.
    let mut retrieve_config = harness.retrieve_config(PREFIX, LookupStrategy::Pointer);
    retrieve_config.request_timeout = REQUEST_TIMEOUT;
    let retriever = Arc::new(Retriever::new(
        harness.store(PREFIX),
        harness.keys.clone(),
        retrieve_config,
    ));

    // Given one snapshot written before the faults start,
    let first = ingestor.run(&scheduled_event()).await?;
    assert_eq!(first.outcome, Outcome::Written);
    proxy.set_plan(plan());
    let started = Instant::now();

    // when a few thousand retrieves run alongside a few hundred triggers,
    let retrieves = {
        let retriever = retriever.clone();
        tokio::spawn(async move {
            let mut workers = tokio::task::JoinSet::new();
            for worker in 0..RETRIEVE_WORKERS {
                let retriever = retriever.clone();
                workers.spawn(async move {
                    let mut answers = Vec::new();
                    let mut etag: Option<String> = None;
                    for i in 0..RETRIEVES / RETRIEVE_WORKERS {
                        // Every third request revalidates the tag last seen.
                        let conditional = if (i + worker) % 3 == 0 { etag.as_deref() } else { None };
                        let answer = ask(&retriever, conditional).await;
                        if answer.status == 200 {
                            etag = answer.etag.clone();
                        }
                        answers.push(answer);
                    }
                    answers
                });
            }
            workers.join_all().await.into_iter().flatten().collect::<Vec<Answer>>()
        })
    };

    let mut deliveries: BTreeMap<String, u64> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    // Each trigger's key, as a clean path computes it from the trigger's tag.
    let tags = KmsKeyring::new(m.kms(), &key_id).with_trigger_key(&trigger_key);
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut trigger_keys: BTreeSet<String> = BTreeSet::new();
    let mut failed_triggers = Vec::new();
    let mut first_delivery_ok = 0;
    let base = Utc::now() - chrono::Duration::days(1);
    for n in 0..TRIGGERS {
        let mut event = scheduled_event();
        event["time"] = serde_json::json!(
            (base + chrono::Duration::seconds(n as i64)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let identity = s3_latest::ingest::trigger::parse(&event)?.identity(Utc::now())?;
        let tag = tags.tag(&Tagged::Trigger { name: &identity.name }).await?;
        let key = s3_latest::object_key::trigger_key(PREFIX, identity.time, &tag);
        trigger_keys.insert(key.clone());
        let mut results = Vec::new();
        if n % 10 == 0 {
            let mut at_once = tokio::task::JoinSet::new();
            for _ in 0..CONCURRENT_DUPLICATES {
                let (ingestor, event) = (ingestor.clone(), event.clone());
                at_once.spawn(async move { ingestor.run_within(&event, invocation_budget).await });
            }
            results.extend(at_once.join_all().await);
        } else {
            results.push(ingestor.run_within(&event, invocation_budget).await);
        }
        if results.iter().any(Result::is_ok) {
            first_delivery_ok += 1;
        }
        // Failed deliveries are retried, as Lambda and the Scheduler do,
        // and not at once.
        while !results.iter().any(Result::is_ok) && results.len() < MAX_DELIVERIES {
            tokio::time::sleep(ANNOUNCE_GRACE).await;
            results.push(ingestor.run_within(&event, invocation_budget).await);
        }
        *deliveries
            .entry(format!("{} deliveries (duplicates and retries)", results.len()))
            .or_default() += 1;
        for result in &results {
            let name = match result {
                Ok(summary) => format!("{:?}", summary.outcome),
                Err(e) => e.error_type().to_owned(),
            };
            *outcomes.entry(name).or_default() += 1;
        }
        match results.iter().find_map(|r| r.as_ref().ok()) {
            Some(summary) => {
                assert_eq!(summary.key.as_deref(), Some(key.as_str()), "the trigger's own key");
                written.insert(key);
            }
            None => failed_triggers.push(key),
        }
    }
    let answers = retrieves.await?;
    let elapsed = started.elapsed();
    let stats = proxy.stats();

    // then, with the faults stopped, everything is checked from a clean path.
    proxy.set_plan(FaultPlan::none());
    let clean = SnapshotStore::new(m.s3(), &bucket, PREFIX);
    let clean_reader = Retriever::new(
        clean.clone(),
        KmsKeyring::new(m.kms(), &key_id),
        harness.retrieve_config(PREFIX, LookupStrategy::Index),
    );
    let mut plaintexts: HashMap<String, [u8; 32]> = HashMap::new();
    let mut pages = m
        .s3()
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(PREFIX)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        for object in page?.contents() {
            let summary = ObjectSummary {
                key: object.key().unwrap_or_default().to_owned(),
                etag: object.e_tag().unwrap_or_default().to_owned(),
                last_modified: Utc::now(),
                size: object.size().unwrap_or_default() as u64,
            };
            // 0 half-written or undecryptable objects:
            let snapshot = clean_reader
                .open_listed(&summary)
                .await
                .unwrap_or_else(|e| panic!("{} does not decrypt: {e}", summary.key));
            plaintexts.insert(summary.key.clone(), s3_latest::crypto::sha256(&[&snapshot.body]));
            let marked = clean.metadata(&summary.key).await?.contains_key(TRIGGER_METADATA);
            assert!(marked, "{} carries no ingest marker", summary.key);
        }
    }
    // 0 duplicates per trigger: a trigger writes only at its own key, and
    // nothing but the first object lies anywhere else.
    let elsewhere: Vec<_> = plaintexts.keys().filter(|k| !trigger_keys.contains(*k)).collect();
    assert!(elsewhere.len() <= 1, "objects at no trigger's key: {elsewhere:?}");
    // 0 lost: every trigger that reported success has its object.
    for key in &written {
        assert!(
            plaintexts.contains_key(key),
            "{key} was reported ingested but is missing"
        );
    }
    assert!(
        failed_triggers.is_empty(),
        "triggers that never succeeded: {failed_triggers:?}"
    );
    assert_eq!(plaintexts.len(), TRIGGERS + 1, "one object per trigger, and the first");

    // Every retrieve: 200 with authenticated plaintext, 304, or a documented
    // 5xx with Retry-After and no internal text; all within the bound.
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let bound = REQUEST_TIMEOUT + Duration::from_secs(1);
    let mut latencies: Vec<Duration> = Vec::new();
    for answer in &answers {
        latencies.push(answer.elapsed);
        assert!(answer.elapsed <= bound, "a retrieve took {:?}", answer.elapsed);
        let label = match answer.status {
            200 => {
                let key = answer.key.as_deref().expect("x-object-key on a 200");
                assert_eq!(
                    plaintexts.get(key),
                    Some(&answer.body_sha256),
                    "a 200 served plaintext that is not {key}'s authenticated content"
                );
                "200".to_owned()
            }
            304 => "304".to_owned(),
            status => {
                let code = answer.error_code.clone().unwrap_or_default();
                assert!(
                    DOCUMENTED_5XX.contains(&(status, code.as_str())),
                    "undocumented answer {status} {code}: {:?}",
                    String::from_utf8_lossy(&answer.body)
                );
                assert!(answer.retry_after, "{status} {code} without Retry-After");
                let text = String::from_utf8_lossy(&answer.body);
                for needle in INTERNAL {
                    assert!(!text.contains(needle), "internal text `{needle}` in {text}");
                }
                format!("{status} {code}")
            }
        };
        *statuses.entry(label).or_default() += 1;
    }
    latencies.sort();
    let unavailable: u64 = statuses
        .iter()
        .filter(|(label, _)| label.starts_with('5'))
        .map(|(_, n)| n)
        .sum();

    // After the faults stop, the next requests succeed.
    let after = ask(&retriever, None).await;
    assert_eq!(after.status, 200, "the first retrieve after the faults");
    let recovered = ingestor.run(&scheduled_event()).await?;
    assert_eq!(recovered.outcome, Outcome::Written, "the first ingest after the faults");
    // And the pointer, moved by compare-and-swap through all of it, names the
    // newest object, as the listing does.
    let newest = clean.newest(LookupStrategy::Index).await?.expect("objects");
    assert_eq!(recovered.key.as_deref(), Some(newest.key.as_str()));
    let pointer = s3_latest::pointer::pointer_key(PREFIX).expect("a pointer");
    let pointed = s3_latest::pointer::decode(
        PREFIX,
        &clean.get(&pointer, s3_latest::pointer::POINTER_MAX_BYTES).await?.body,
    )?;
    assert_eq!(pointed.key, newest.key, "the pointer names the newest object");

    println!("\nfault injection: seed {SEED}, rate {FAULT_RATE} per request, {elapsed:.1?}");
    println!(
        "  proxy: {} connections, {} requests ({:?}), {} forwarded to moto, {} faults",
        stats.connections,
        stats.requests,
        stats.by_service,
        stats.forwarded,
        stats.injected()
    );
    for (fault, n) in &stats.faults {
        println!("    {:<45} {n}", fault.name());
    }
    for (who, counter) in [("ingest", &ingest_calls), ("retrieve", &retrieve_calls)] {
        println!(
            "  {who} SDK: {} calls, {} attempts ({} retries)",
            counter.operations(),
            counter.total(),
            counter.total() - counter.operations()
        );
    }
    println!(
        "  ingest: {TRIGGERS} triggers, {} succeeded on their first delivery; deliveries {deliveries:?}; outcomes {outcomes:?}",
        first_delivery_ok
    );
    println!(
        "  ingest checks: {} objects, 0 lost, 0 duplicates, 0 undecryptable, each announced once by ingest ({} PutEvents requests reached the proxy)",
        plaintexts.len(),
        stats.by_service.get("events").copied().unwrap_or(0)
    );
    println!(
        "  retrieve: {} requests, {statuses:?}; p50 {:?}, p99 {:?}, max {:?} (bound {bound:?})",
        answers.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100],
        latencies[latencies.len() - 1],
    );

    // The SDK's own timeouts and retries do the work, not the last-resort
    // bounds: no stall outlived an attempt timeout into the request's bound,
    // and retried faults rarely reach a client.
    assert!(
        stats.faults.values().all(|n| *n > 0),
        "every kind of fault was injected: {stats:?}"
    );
    assert_eq!(
        statuses.get("503 RequestTimeout"),
        None,
        "a stall outlived the SDK's attempt timeout"
    );
    assert!(
        (unavailable as f64) < 0.03 * answers.len() as f64,
        "{unavailable} of {} retrieves were 503: are faults retried?",
        answers.len()
    );
    assert!(
        first_delivery_ok as f64 >= 0.9 * TRIGGERS as f64,
        "only {first_delivery_ok} of {TRIGGERS} triggers succeeded on their first delivery: are faults retried?"
    );
    assert!(!outcomes.contains_key("DeadlineExceeded"), "{outcomes:?}");
    // Each trigger's object was written by one invocation, which reported
    // `written`, even when the SDK's retry of its PUT met the object its lost
    // first attempt wrote; or which failed after writing it (moving the
    // pointer, or announcing), so that a redelivery finished the work.
    let written = outcomes.get("Written").copied().unwrap_or(0);
    let failed_after_writing: u64 = ["PointerUpdateFailed", "PublishFailed"]
        .iter()
        .filter_map(|outcome| outcomes.get(*outcome))
        .sum();
    assert!(
        written <= TRIGGERS as u64 && written + failed_after_writing >= TRIGGERS as u64,
        "{outcomes:?}"
    );
    Ok(())
}

/// S3 answers a GET or HEAD of a missing key with 403, not 404, to a caller
/// without `s3:ListBucket` (moto always says 404). The proxy rewrites every
/// S3 404 to 403, and the exactly-once recovery path still announces each
/// object once: a first delivery whose publish fails, a redelivery after the
/// grace that finds the object but no receipt (403) and announces it, and a
/// third that finds the receipt. retrieve, with no pointer and then with
/// one, answers as it would with 404s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_s3_answers_missing_keys_with_403_ingest_announces_once_and_retrieve_serves() -> TestResult {
    let m = moto();
    let bucket = m.bucket("forbidden").await;
    let key_id = m.kms_key().await;
    let bus = format!("{bucket}-bus"); // created only after the first delivery
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::none()).await;
    proxy.answer_missing_keys_with_403(true);
    let grace = Duration::from_secs(1);

    let budget = CallBudget::for_ingest(INGEST_FUNCTION_TIMEOUT);
    let via_proxy = clients("ingest-403", &proxy.endpoint, &budget, &RequestCounter::default());
    let announced = Announced::new(EventBridgePublisher::new(via_proxy.events.clone(), &bus));
    let ingestor = Ingestor::new(
        SnapshotStore::new(via_proxy.s3.clone(), &bucket, PREFIX),
        KmsKeyring::new(via_proxy.kms.clone(), &key_id).with_trigger_key(m.trigger_key().await),
        announced.clone(),
        &IngestConfig {
            location: Location::new(bucket.clone(), PREFIX),
            event_bus: Some(bus.clone()),
            source: SourceConfig::Generated,
            function_version: "forbidden".into(),
            format: Default::default(),
        },
    )?
    .with_announce_grace(grace);

    let retrieve_budget = CallBudget::for_retrieve(REQUEST_TIMEOUT);
    let retrieve_clients = clients(
        "retrieve-403",
        &proxy.endpoint,
        &retrieve_budget,
        &RequestCounter::default(),
    );
    let harness = Harness {
        s3: retrieve_clients.s3.clone(),
        bucket: bucket.clone(),
        keys: KmsKeyring::new(retrieve_clients.kms.clone(), &key_id),
        counter: RequestCounter::default(),
    };
    let fresh_retriever = || {
        let mut config = harness.retrieve_config(PREFIX, LookupStrategy::Pointer);
        config.request_timeout = REQUEST_TIMEOUT;
        Retriever::new(harness.store(PREFIX), harness.keys.clone(), config)
    };

    // No snapshot and no pointer (both answered 403): 404 NoObjects, as with 404s.
    let empty = ask(&fresh_retriever(), None).await;
    assert_eq!((empty.status, empty.error_code.as_deref()), (404, Some("NoObjects")));

    // The first delivery writes and moves the pointer, but cannot publish.
    let event = scheduled_event();
    let first = ingestor.run(&event).await;
    assert!(first.is_err(), "the bus does not exist yet: {first:?}");
    m.events().create_event_bus().name(&bus).send().await?;

    // A redelivery after the grace finds its object and no receipt (403), and announces it.
    tokio::time::sleep(grace + Duration::from_millis(200)).await;
    let second = ingestor.run(&event).await?;
    assert_eq!(second.outcome, Outcome::AlreadyIngested);
    assert!(second.event_published, "the redelivery announces the object");
    // A third finds the receipt and announces nothing.
    let third = ingestor.run(&event).await?;
    assert_eq!(third.outcome, Outcome::AlreadyIngested);
    assert!(!third.event_published, "announced once");
    let key = second.key.clone().expect("a key");
    assert_eq!(announced.counts().get(&key), Some(&1), "{:?}", announced.counts());

    // Served, warm and fresh.
    let retriever = fresh_retriever();
    for reader in [&retriever, &retriever, &fresh_retriever()] {
        let answer = ask(reader, None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.error_code);
        assert_eq!(answer.key.as_deref(), Some(key.as_str()));
    }
    Ok(())
}

/// A PutObject takes effect and its response is lost; the SDK's retry meets
/// the object (412). S3 hands back user metadata other than the sender wrote
/// (it trims and re-encodes values; an upstream validator is anyone's text),
/// so ingest must recognise its own write by the wrapped data key alone:
/// the invocation reports `written` and announces, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_put_response_is_recognised_as_our_write_though_metadata_comes_back_altered() -> TestResult {
    let m = moto();
    let bucket = m.bucket("lost-put").await;
    let key_id = m.kms_key().await;
    let bus = format!("{bucket}-bus");
    m.events().create_event_bus().name(&bus).send().await?;
    let origin = test_support::origin::Origin::start(test_support::origin::Resource::new(
        b"id,value\n1,42\n".to_vec(),
        "text/csv",
        "\"v1\"",
    ))
    .await;
    let proxy = FaultProxy::start(&m.endpoint, FaultPlan::none()).await;

    let budget = CallBudget::for_ingest(INGEST_FUNCTION_TIMEOUT);
    let via_proxy = clients("ingest-lost-put", &proxy.endpoint, &budget, &RequestCounter::default());
    let announced = Announced::new(EventBridgePublisher::new(via_proxy.events.clone(), &bus));
    let ingestor = Ingestor::new(
        SnapshotStore::new(via_proxy.s3.clone(), &bucket, PREFIX),
        KmsKeyring::new(via_proxy.kms.clone(), &key_id).with_trigger_key(m.trigger_key().await),
        announced.clone(),
        &IngestConfig {
            location: Location::new(bucket.clone(), PREFIX),
            event_bus: Some(bus.clone()),
            source: SourceConfig::Url {
                url: origin.url.parse()?,
                timeout: Duration::from_secs(5),
                max_bytes: 1 << 20,
                redirect_hosts: Vec::new(),
            },
            function_version: "lost-put".into(),
            format: Default::default(),
        },
    )?;

    proxy.lose_next_put_response(&format!("/{PREFIX}"));
    proxy.rewrite_metadata_on_reads("source-etag", "v1");
    let summary = ingestor.run(&scheduled_event()).await?;
    assert_eq!(summary.outcome, Outcome::Written, "{summary:?}");
    assert!(summary.event_published, "{summary:?}");
    let key = summary.key.clone().expect("a key");
    assert_eq!(announced.counts().get(&key), Some(&1), "{:?}", announced.counts());

    // The object is the one this invocation sealed, and the only one.
    let listed = m.s3().list_objects_v2().bucket(&bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.contents().len(), 1);
    let head = m.s3().head_object().bucket(&bucket).key(&key).send().await?;
    assert_eq!(
        head.metadata().and_then(|m| m.get("source-etag")).map(String::as_str),
        Some("\"v1\""),
        "moto kept what was sent; only the proxy altered it"
    );
    Ok(())
}
