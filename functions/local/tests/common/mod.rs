//! Scenarios shared by the embedded-store and moto suites: each takes a
//! [`Harness`] over a real S3-compatible peer and a real key provider, and
//! drives the production handlers through API Gateway proxy events.

#![allow(dead_code)] // each suite uses its own subset

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use s3_latest::config::{CacheLimits, CommitmentPolicy, IngestConfig, Location, RetrieveConfig, SourceConfig};
use s3_latest::envelope::Format;
use s3_latest::ingest::publish::EventBridgePublisher;
use s3_latest::ingest::{IngestError, Ingestor, Outcome};
use s3_latest::keyring::{KeyProvider, TriggerTags};
use s3_latest::object_key::snapshot_key;
use s3_latest::retrieve::Retriever;
use s3_latest::store::{LookupStrategy, SnapshotStore, StoreError};
use s3_latest_local::rest_api;
use serde_json::{Value, json};
use test_support::request_count::RequestCounter;

mod authority;

#[allow(unused_imports)] // each suite uses its own subset
pub use authority::*;

pub const PREFIX: &str = "snapshots/";

/// What the scenarios need of a key provider: data keys for both functions,
/// trigger tags for ingest.
pub trait Keys: KeyProvider + TriggerTags + Clone {}

impl<K: KeyProvider + TriggerTags + Clone> Keys for K {}

/// A publisher that passes every event on to a real one (EventBridge on moto)
/// and keeps the keys it announced, to count announcements per object.
pub struct Announced<P> {
    inner: Arc<P>,
    keys: Arc<std::sync::Mutex<Vec<String>>>,
}

// By hand: a derive would ask for `P: Clone`, and only the Arcs are cloned.
impl<P> Clone for Announced<P> {
    fn clone(&self) -> Self {
        Announced {
            inner: self.inner.clone(),
            keys: self.keys.clone(),
        }
    }
}

impl<P> Announced<P> {
    pub fn new(inner: P) -> Self {
        Announced {
            inner: Arc::new(inner),
            keys: Arc::default(),
        }
    }

    /// How many times each key was announced.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for key in self.keys.lock().unwrap().iter() {
            *counts.entry(key.clone()).or_default() += 1;
        }
        counts
    }
}

impl<P: s3_latest::ingest::publish::EventPublisher> s3_latest::ingest::publish::EventPublisher for Announced<P> {
    async fn publish(
        &self,
        event: &s3_latest::ingest::publish::ObjectIngested,
    ) -> Result<bool, s3_latest::ingest::publish::PublishError> {
        let published = self.inner.publish(event).await?;
        if published {
            self.keys.lock().unwrap().push(event.key.clone());
        }
        Ok(published)
    }
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// One bucket on one peer, with clients that count their requests.
pub struct Harness<K> {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    pub keys: K,
    /// S3 (and, for KMS keyrings, KMS) requests as the SDK sent them.
    pub counter: RequestCounter,
}

/// A real scheduled event for a tick of its own: a fresh id and a time, to
/// the millisecond, that no earlier call returned. Each is a new trigger, so
/// ingest writes a new object; pass the same event again to retry it.
pub fn scheduled_event() -> Value {
    static LAST_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let now = Utc::now().timestamp_millis();
    let previous = LAST_MS.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
    let ms = if previous >= now {
        LAST_MS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    } else {
        now
    };
    let time = chrono::DateTime::from_timestamp_millis(ms).expect("a valid time");
    let mut event: Value = serde_json::from_str(include_str!(
        "../../../s3-latest/tests/data/eventbridge_scheduled_event.json"
    ))
    .unwrap();
    event["id"] = json!(format!("{:032x}", rand_id()));
    event["time"] = json!(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    event
}

fn rand_id() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(Utc::now().timestamp_nanos_opt().unwrap_or_default());
    u128::from(h.finish())
}

impl<K> Harness<K> {
    pub fn retrieve_config_for(&self, prefix: &str, strategy: LookupStrategy) -> RetrieveConfig {
        RetrieveConfig {
            location: Location::new(self.bucket.clone(), prefix),
            strategy,
            max_staleness: Duration::ZERO,
            pointer_audit: Duration::from_secs(s3_latest::config::DEFAULT_POINTER_AUDIT_SECONDS),
            cors_allowed_origins: Vec::new(),
            // The shared scenarios read V2 objects too; the default
            // (V3 only) has its own test.
            commitment_policy: CommitmentPolicy::AllowDecrypt,
            cache_control: "no-cache".into(),
            response_mode: Default::default(),
            response_max_bytes: s3_latest::config::DEFAULT_RESPONSE_MAX_BYTES,
            data_key_cache: CacheLimits {
                max_entries: 16,
                max_age: Duration::from_secs(300),
            },
            health_cache: Duration::from_secs(s3_latest::config::DEFAULT_HEALTH_CACHE_SECONDS),
            request_timeout: Duration::from_secs(9),
        }
    }
}

impl<K: Keys> Harness<K> {
    pub fn store(&self, prefix: &str) -> SnapshotStore {
        SnapshotStore::new(self.s3.clone(), &self.bucket, prefix)
    }

    pub fn retrieve_config(&self, prefix: &str, strategy: LookupStrategy) -> RetrieveConfig {
        self.retrieve_config_for(prefix, strategy)
    }

    pub fn retriever(&self, strategy: LookupStrategy) -> Retriever<K> {
        Retriever::new(
            self.store(PREFIX),
            self.keys.clone(),
            self.retrieve_config(PREFIX, strategy),
        )
    }

    pub fn ingestor_at(&self, prefix: &str, source: SourceConfig) -> Ingestor<K, Option<EventBridgePublisher>> {
        self.ingestor_with(prefix, source, Format::default())
    }

    pub fn ingestor_with(
        &self,
        prefix: &str,
        source: SourceConfig,
        format: Format,
    ) -> Ingestor<K, Option<EventBridgePublisher>> {
        let config = IngestConfig {
            location: Location::new(self.bucket.clone(), prefix),
            event_bus: None,
            source,
            function_version: "test".into(),
            format,
        };
        Ingestor::new(self.store(prefix), self.keys.clone(), None, &config).expect("ingestor")
    }

    pub fn ingestor(&self) -> Ingestor<K, Option<EventBridgePublisher>> {
        self.ingestor_at(PREFIX, SourceConfig::Generated)
    }

    /// Runs one scheduled ingest and returns the key it wrote.
    pub async fn ingest(&self) -> String {
        self.ingest_in(Format::default()).await
    }

    /// Runs one scheduled ingest writing `format`.
    pub async fn ingest_in(&self, format: Format) -> String {
        self.ingestor_with(PREFIX, SourceConfig::Generated, format)
            .run(&scheduled_event())
            .await
            .expect("ingest")
            .key
            .expect("a key")
    }

    /// Writes `n` unencrypted objects concurrently, at keys from `key_of`.
    pub async fn seed(&self, n: usize, key_of: impl Fn(usize) -> String) {
        let mut tasks = tokio::task::JoinSet::new();
        let keys: Vec<String> = (0..n).map(key_of).collect();
        for chunk in keys.chunks(n.div_ceil(16).max(1)) {
            let (s3, bucket, chunk) = (self.s3.clone(), self.bucket.clone(), chunk.to_vec());
            tasks.spawn(async move {
                for key in chunk {
                    s3.put_object()
                        .bucket(&bucket)
                        .key(&key)
                        // Longer than a GCM tag: the listing skips shorter objects.
                        .body(Bytes::from_static(b"a seed, not a snapshot").into())
                        .send()
                        .await
                        .expect("seed");
                }
            });
        }
        tasks.join_all().await;
    }

    pub async fn raw_get(&self, key: &str) -> (Bytes, std::collections::HashMap<String, String>) {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .expect("raw get");
        let metadata = out.metadata.clone().unwrap_or_default();
        (out.body.collect().await.expect("body").into_bytes(), metadata)
    }

    pub async fn raw_delete(&self, key: &str) {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .expect("raw delete");
    }

    /// Overwrites `key` with `body` and `metadata`, bypassing every safeguard, as an attacker would.
    pub async fn raw_put(&self, key: &str, body: Vec<u8>, metadata: std::collections::HashMap<String, String>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .set_metadata(Some(metadata))
            .content_type("application/json")
            .body(body.into())
            .send()
            .await
            .expect("raw put");
    }
}

/// Sends one request through the API Gateway REST proxy path to `retriever`.
pub async fn call<K: KeyProvider>(
    retriever: &Retriever<K>,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> http::Response<Bytes> {
    let uri: http::Uri = path_and_query.parse().unwrap();
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let request_id = rest_api::new_request_id();
    let event = rest_api::proxy_event(&method.parse().unwrap(), &uri, &map, b"", "dev", &request_id);
    rest_api::invoke(|request| retriever.handle(request), event, &request_id)
        .await
        .expect("proxy response")
}

pub const URL: &str = "/dev/retrieve_most_recent_object";

pub fn header<'a>(response: &'a http::Response<Bytes>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Checks an error response: status, code, the fixed body shape, and that the
/// request id is the one API Gateway would show.
pub fn assert_error(response: &http::Response<Bytes>, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "body: {:?}", response.body());
    assert_eq!(header(response, "content-type"), "application/json");
    let body: Value = serde_json::from_slice(response.body()).expect("JSON error body");
    let error = body["error"].as_object().expect("error object");
    assert_eq!(error.len(), 3, "only code, message and request_id: {body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["request_id"].as_str().unwrap().len(), 36, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    for internal in ["Error", "dispatch", "Sdk", "{", "connection", "127.0.0.1"] {
        assert!(
            !message.contains(internal),
            "message leaks internal detail `{internal}`: {message}"
        );
    }
    body
}

// ---------------------------------------------------------------- scenarios

pub async fn an_empty_bucket_is_404<K: Keys>(h: &Harness<K>) -> TestResult {
    for strategy in [LookupStrategy::Index, LookupStrategy::Scan] {
        let response = call(&h.retriever(strategy), "GET", URL, &[]).await;
        assert_error(&response, 404, "NoObjects");
    }
    Ok(())
}

/// Seeds `n` objects, then writes the newest, and checks both strategies find
/// it with the expected number of LIST requests.
pub async fn the_newest_object_is_found_at_scale<K: Keys>(h: &Harness<K>, n: usize) -> TestResult {
    // index: older keys in our layout; the newest is written last.
    let long_ago = Utc::now() - chrono::Duration::days(30);
    h.seed(n, |i| {
        snapshot_key(PREFIX, long_ago + chrono::Duration::seconds(i as i64), i as u64)
    })
    .await;
    // scan: foreign names, newest written last with the name that sorts last,
    // so a scan that stops at the first page of 1,000 finds the wrong one.
    h.seed(n, |i| format!("foreign/obj-{i:05}")).await;
    // S3's LastModified has one-second resolution; make the newest strictly newer.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let newest = h.ingest().await;
    let foreign_newest = "foreign/obj-zz-newest".to_owned();
    h.raw_put(&foreign_newest, b"the foreign newest".to_vec(), HashMap::new())
        .await;

    h.counter.reset();
    let found = h.store(PREFIX).newest(LookupStrategy::Index).await?.expect("newest");
    assert_eq!(found.key, newest);
    assert_eq!(h.counter.get("ListObjectsV2"), 1, "index lists once at n={n}");

    for (prefix, expected) in [(PREFIX, &newest), ("foreign/", &foreign_newest)] {
        h.counter.reset();
        let found = h.store(prefix).newest(LookupStrategy::Scan).await?.expect("newest");
        assert_eq!(&found.key, expected, "scan in {prefix} at n={n}");
        assert_eq!(
            h.counter.get("ListObjectsV2"),
            (n as u64 + 1).div_ceil(1000),
            "scan pages at n={n}"
        );
    }

    // And the handler serves it, decrypted, under either strategy.
    for strategy in [LookupStrategy::Index, LookupStrategy::Scan] {
        let response = call(&h.retriever(strategy), "GET", URL, &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-object-key"), newest);
        let body: Value = serde_json::from_slice(response.body())?;
        assert_eq!(body["function_version"], "test");
    }
    Ok(())
}

pub async fn get_head_json_and_conditional_requests<K: Keys>(h: &Harness<K>) -> TestResult {
    let key = h.ingest().await;
    let retriever = h.retriever(LookupStrategy::Index);

    let ok = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(header(&ok, "content-type"), "application/json");
    assert_eq!(header(&ok, "content-length"), ok.body().len().to_string());
    assert_eq!(header(&ok, "cache-control"), "no-cache");
    assert_eq!(header(&ok, "x-object-key"), key);
    let etag = header(&ok, "etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "strong etag: {etag}"
    );
    let last_modified = header(&ok, "last-modified").to_owned();
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");
    // The stage prefix is optional.
    assert_eq!(
        call(&retriever, "GET", "/retrieve_most_recent_object", &[])
            .await
            .body(),
        ok.body()
    );

    let head = call(&retriever, "HEAD", URL, &[]).await;
    assert_eq!(head.status(), 200);
    assert!(head.body().is_empty());
    assert_eq!(header(&head, "etag"), etag);
    assert_eq!(header(&head, "content-length"), ok.body().len().to_string());

    for conditional in [
        ("if-none-match", etag.as_str()),
        ("if-modified-since", last_modified.as_str()),
    ] {
        let not_modified = call(&retriever, "GET", URL, &[conditional]).await;
        assert_eq!(not_modified.status(), 304, "{conditional:?}");
        assert!(not_modified.body().is_empty());
        assert_eq!(header(&not_modified, "etag"), etag);
    }
    let stale = call(&retriever, "GET", URL, &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(stale.status(), 200);
    let old = call(
        &retriever,
        "GET",
        URL,
        &[("if-modified-since", "Sat, 01 Jan 2000 00:00:00 GMT")],
    )
    .await;
    assert_eq!(old.status(), 200);

    let json = call(&retriever, "GET", &format!("{URL}?format=json"), &[]).await;
    assert_eq!(json.status(), 200);
    assert_eq!(header(&json, "content-type"), "application/json");
    let doc: Value = serde_json::from_slice(json.body())?;
    assert_eq!(doc["key"], key);
    assert_eq!(doc["etag"], etag);
    assert_eq!(doc["encoding"], "utf8");
    assert_eq!(doc["size"], ok.body().len());
    assert_eq!(doc["body"].as_str().unwrap().as_bytes(), ok.body().as_ref());
    assert_eq!(doc["content_type"], "application/json");

    // A newer object changes the ETag, so the old one no longer matches.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer = h.ingest().await;
    let after = call(&retriever, "GET", URL, &[("if-none-match", etag.as_str())]).await;
    assert_eq!(after.status(), 200);
    assert_eq!(header(&after, "x-object-key"), newer);
    assert_ne!(header(&after, "etag"), etag);
    Ok(())
}

/// A warm instance lists once per request and reads and decrypts only when
/// the newest object changes.
pub async fn the_warm_path_lists_once_and_reads_only_on_change<K: Keys>(h: &Harness<K>) -> TestResult {
    h.ingest().await;
    let retriever = h.retriever(LookupStrategy::Index);
    h.counter.reset();
    assert_eq!(call(&retriever, "GET", URL, &[]).await.status(), 200);
    assert_eq!(h.counter.get("ListObjectsV2"), 1);
    assert_eq!(h.counter.get("GetObject"), 1);
    let cold_decrypts = h.counter.get("Decrypt");

    h.counter.reset();
    for _ in 0..20 {
        assert_eq!(call(&retriever, "GET", URL, &[]).await.status(), 200);
    }
    assert_eq!(
        h.counter.snapshot(),
        [("ListObjectsV2".to_owned(), 20)].into_iter().collect()
    );

    h.ingest().await;
    h.counter.reset();
    for _ in 0..5 {
        assert_eq!(call(&retriever, "GET", URL, &[]).await.status(), 200);
    }
    assert_eq!(h.counter.get("ListObjectsV2"), 5);
    assert_eq!(h.counter.get("GetObject"), 1, "one read per change");
    assert_eq!(
        h.counter.get("Decrypt"),
        cold_decrypts,
        "one data-key unwrap per change (KMS only)"
    );
    Ok(())
}

pub async fn routing_methods_and_limits_give_precise_errors<K: Keys>(h: &Harness<K>) -> TestResult {
    h.ingest().await;
    let retriever = h.retriever(LookupStrategy::Index);

    assert_error(&call(&retriever, "GET", "/dev/other", &[]).await, 404, "NotFound");
    assert_error(
        &call(&retriever, "GET", "/dev/retrieve_most_recent_object/extra", &[]).await,
        404,
        "NotFound",
    );
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let response = call(&retriever, method, URL, &[]).await;
        assert_error(&response, 405, "MethodNotAllowed");
        assert_eq!(header(&response, "allow"), "GET, HEAD");
    }
    assert_error(
        &call(&retriever, "GET", &format!("{URL}?format=xml"), &[]).await,
        400,
        "UnsupportedFormat",
    );

    let mut small = h.retrieve_config(PREFIX, LookupStrategy::Index);
    small.response_max_bytes = 64;
    let limited = Retriever::new(h.store(PREFIX), h.keys.clone(), small);
    let body = assert_error(&call(&limited, "GET", URL, &[]).await, 502, "ResponseTooLarge");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("limit is 64 bytes"),
        "{body}"
    );
    Ok(())
}

/// Which metadata key holds the encryption context / material description.
fn description_field(metadata: &HashMap<String, String>) -> &'static str {
    ["x-amz-matdesc", "x-amz-t", "x-amz-m"]
        .into_iter()
        .find(|field| metadata.contains_key(*field))
        .expect("a description")
}

/// A copy of `metadata` whose description names `key`: what someone who can
/// write to the bucket, but cannot use the key, would forge.
pub fn forged_for(metadata: &HashMap<String, String>, key: &str) -> HashMap<String, String> {
    let field = description_field(metadata);
    let mut description: serde_json::Map<String, Value> = serde_json::from_str(&metadata[field]).unwrap();
    description.insert("s3-latest:key".into(), json!(key));
    let mut forged = metadata.clone();
    forged.insert(field.into(), Value::Object(description).to_string());
    forged
}

fn flip_base64(value: &str, index_from_end: usize) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(value).unwrap();
    let i = bytes.len() - 1 - index_from_end;
    bytes[i] ^= 0x01;
    engine.encode(bytes)
}

/// Every snapshot ingest generates has a `generated_at` field, and the
/// unencrypted case holds `"plain":true`: neither may appear in a refusal.
fn assert_no_plaintext(response: &http::Response<Bytes>, case: &str) {
    let body = String::from_utf8_lossy(response.body());
    assert!(
        !body.contains("generated_at") && !body.contains("\"plain\""),
        "{case}: plaintext in the refusal: {body}"
    );
}

/// One bad object: what is written at a newer key, and the code it must get.
struct BadObject {
    case: String,
    body: Vec<u8>,
    metadata: HashMap<String, String>,
    code: &'static str,
}

fn bad_objects(ciphertext: &[u8], metadata: &HashMap<String, String>, forged_key: &str) -> Vec<BadObject> {
    let edited = |case: &str, code, edit: &dyn Fn(&mut HashMap<String, String>)| {
        let mut m = metadata.clone();
        edit(&mut m);
        BadObject {
            case: case.into(),
            body: ciphertext.to_vec(),
            metadata: m,
            code,
        }
    };
    let with_body = |case: &str, body: Vec<u8>| BadObject {
        case: case.into(),
        body,
        metadata: metadata.clone(),
        code: "IntegrityError",
    };
    let mut flipped = ciphertext.to_vec();
    flipped[3] ^= 0x40;
    let mut bad_tag = ciphertext.to_vec();
    *bad_tag.last_mut().unwrap() ^= 0x01;
    let v3 = metadata.contains_key("x-amz-3");
    let wrapped_field = if v3 { "x-amz-3" } else { "x-amz-key-v2" };

    let mut cases = vec![
        with_body("flipped ciphertext", flipped),
        with_body("flipped tag", bad_tag),
        // A copy keeps its metadata, which names the original key.
        with_body("copy", ciphertext.to_vec()),
        BadObject {
            case: "replay with its context edited to match".into(),
            body: ciphertext.to_vec(),
            metadata: forged_for(metadata, forged_key),
            code: "IntegrityError",
        },
        edited("tampered wrapped key", "IntegrityError", &|m| {
            let v = flip_base64(&m[wrapped_field], 3);
            m.insert(wrapped_field.into(), v);
        }),
        BadObject {
            case: "no encryption metadata".into(),
            // Longer than a GCM tag, so only its missing metadata refuses it.
            body: b"{\"plain\":true,\"padding\":\"........\"}".to_vec(),
            metadata: Default::default(),
            code: "NotEncrypted",
        },
    ];
    if v3 {
        cases.extend([
            edited("tampered x-amz-d", "IntegrityError", &|m| {
                let v = flip_base64(&m["x-amz-d"], 0);
                m.insert("x-amz-d".into(), v);
            }),
            edited("tampered x-amz-i", "IntegrityError", &|m| {
                let v = flip_base64(&m["x-amz-i"], 5);
                m.insert("x-amz-i".into(), v);
            }),
            edited("a V2 key mixed in", "IntegrityError", &|m| {
                m.insert("x-amz-iv".into(), "AAAAAAAAAAAAAAAA".into());
            }),
            edited("unknown suite", "UnsupportedEncryption", &|m| {
                m.insert("x-amz-c".into(), "116".into());
            }),
        ]);
    } else {
        cases.extend([
            edited("tampered IV", "IntegrityError", &|m| {
                m.insert("x-amz-iv".into(), "AAAAAAAAAAAAAAAA".into());
            }),
            edited("a V3 key mixed in", "IntegrityError", &|m| {
                m.insert("x-amz-d".into(), "AAAA".into());
            }),
            edited("CBC content", "UnsupportedEncryption", &|m| {
                m.insert("x-amz-cek-alg".into(), "AES/CBC/PKCS5Padding".into());
            }),
        ]);
    }
    cases
}

/// Tampered, copied, replayed, unknown and unencrypted objects at a newer
/// key are skipped, never served and never in the way: a fresh instance and
/// a warm one that has just served (and cached) the genuine object both
/// serve the genuine one, in both formats, and read each bad object once.
/// With nothing genuine left, the newest refusal's precise code answers.
pub async fn bad_objects_are_refused_without_plaintext<K: Keys>(h: &Harness<K>) -> TestResult {
    for format in [Format::V3, Format::V2] {
        let genuine = h.ingest_in(format).await;
        let (ciphertext, metadata) = h.raw_get(&genuine).await;
        let genuine_body = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
        let bad_key = snapshot_key(PREFIX, Utc::now() + chrono::Duration::minutes(1), 1);
        for bad in bad_objects(&ciphertext, &metadata, &bad_key) {
            let case = format!("{format:?} {}", bad.case);
            let warm = h.retriever(LookupStrategy::Index);
            let served = call(&warm, "GET", URL, &[]).await;
            assert_eq!(served.status(), 200, "{case}: the genuine object first");
            assert_eq!(header(&served, "x-object-key"), genuine);

            h.raw_put(&bad_key, bad.body, bad.metadata).await;
            for (instance, retriever) in [("warm", &warm), ("fresh", &h.retriever(LookupStrategy::Index))] {
                for attempt in 0..2 {
                    h.counter.reset();
                    let response = call(retriever, "GET", URL, &[]).await;
                    assert_eq!(response.status(), 200, "{case} ({instance}): {:?}", response.body());
                    assert_eq!(header(&response, "x-object-key"), genuine, "{case} ({instance})");
                    assert_eq!(response.body(), genuine_body.body(), "{case} ({instance})");
                    if attempt == 1 {
                        assert_eq!(
                            h.counter.get("GetObject"),
                            0,
                            "{case} ({instance}): a refused object is never read again"
                        );
                    }
                }
            }
            // Nothing genuine newer or older: the refusal's own code.
            h.raw_delete(&genuine).await;
            let alone = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
            assert_error(&alone, 502, bad.code);
            assert_no_plaintext(&alone, &case);
            h.raw_put(&genuine, ciphertext.to_vec(), metadata.clone()).await;
            h.raw_delete(&bad_key).await;
        }
        h.raw_delete(&genuine).await;
    }
    Ok(())
}

/// The replay from the encryption issue, as its own story: a warm instance
/// has served object A; A is copied to a newer key B with its stored context
/// edited to name B. The warm instance must refuse B as a fresh one does,
/// because KMS (or the local key) never authenticated B's context.
pub async fn a_replayed_object_is_refused_by_a_warm_instance<K: Keys>(h: &Harness<K>) -> TestResult {
    for format in [Format::V3, Format::V2] {
        let a = h.ingest_in(format).await;
        let warm = h.retriever(LookupStrategy::Index);
        let served = call(&warm, "GET", URL, &[]).await;
        assert_eq!(served.status(), 200);
        assert_eq!(header(&served, "x-object-key"), a);

        let (ciphertext, metadata) = h.raw_get(&a).await;
        let b = snapshot_key(PREFIX, Utc::now() + chrono::Duration::minutes(1), 2);
        h.raw_put(&b, ciphertext.to_vec(), forged_for(&metadata, &b)).await;

        for (instance, retriever) in [("warm", &warm), ("fresh", &h.retriever(LookupStrategy::Index))] {
            let skipped = call(retriever, "GET", URL, &[]).await;
            assert_eq!(skipped.status(), 200, "{format:?} replay ({instance})");
            assert_eq!(
                header(&skipped, "x-object-key"),
                a,
                "{format:?} replay ({instance}): B is skipped"
            );
        }
        h.raw_delete(&b).await;

        // Relocated to another store: a reader whose STORE_ID differs (as a
        // replica region with its own identity would be) refuses A, warm or not.
        let mut elsewhere = h.retrieve_config(PREFIX, LookupStrategy::Index);
        elsewhere.location.store_id = format!("{}-elsewhere", h.bucket);
        let other_store = Retriever::new(h.store(PREFIX), h.keys.clone(), elsewhere);
        for attempt in ["fresh", "warm"] {
            let refused = call(&other_store, "GET", URL, &[]).await;
            assert_error(&refused, 502, "IntegrityError");
            assert_no_plaintext(&refused, &format!("{format:?} another store ({attempt})"));
        }
    }
    Ok(())
}

/// `GET /health` says 200 only while the newest snapshot can be served, says
/// nothing else, and costs at most one LIST per kept verdict.
pub async fn health_reflects_whether_the_newest_can_be_served<K: Keys>(h: &Harness<K>) -> TestResult {
    let health = "/dev/health";
    let with_max_age = |seconds: u64| {
        let mut config = h.retrieve_config(PREFIX, LookupStrategy::Index);
        config.health_cache = Duration::from_secs(seconds);
        Retriever::new(h.store(PREFIX), h.keys.clone(), config)
    };
    let unavailable = |response: &http::Response<Bytes>| {
        assert_eq!(response.status(), 503);
        assert_eq!(response.body().as_ref(), br#"{"status":"unavailable"}"#);
        assert_eq!(header(response, "retry-after"), "60");
        assert_eq!(header(response, "cache-control"), "no-store");
    };

    // Nothing to serve yet.
    unavailable(&call(&with_max_age(60), "GET", health, &[]).await);

    // Healthy: a burst of checks costs one LIST, one GET and one unwrap.
    let key = h.ingest().await;
    let kept = with_max_age(60);
    h.counter.reset();
    for _ in 0..20 {
        let ok = call(&kept, "GET", health, &[]).await;
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.body().as_ref(), br#"{"status":"ok"}"#);
    }
    assert_eq!(h.counter.get("ListObjectsV2"), 1, "one LIST per kept verdict");
    assert_eq!(h.counter.get("GetObject"), 1);
    assert!(h.counter.get("Decrypt") <= 1);
    let head = call(&kept, "HEAD", "/health", &[]).await;
    assert_eq!(head.status(), 200);
    assert!(head.body().is_empty());
    assert_error(&call(&kept, "POST", health, &[]).await, 405, "MethodNotAllowed");
    // The snapshot route shares the cache the check warmed.
    h.counter.reset();
    assert_eq!(call(&kept, "GET", URL, &[]).await.status(), 200);
    assert_eq!(h.counter.get("GetObject"), 0);

    // A newer object that fails authentication is skipped: still healthy.
    let (ciphertext, metadata) = h.raw_get(&key).await;
    let mut flipped = ciphertext.to_vec();
    flipped[0] ^= 1;
    h.raw_put(
        &snapshot_key(PREFIX, Utc::now() + chrono::Duration::minutes(1), 3),
        flipped,
        metadata,
    )
    .await;
    assert_eq!(
        call(&with_max_age(60), "GET", health, &[]).await.status(),
        200,
        "junk is skipped"
    );
    // With only that left, nothing can be served: a new verdict is
    // unhealthy; the kept one holds until its max age, the documented staleness.
    h.raw_delete(&key).await;
    unavailable(&call(&with_max_age(60), "GET", health, &[]).await);
    assert_eq!(call(&kept, "GET", health, &[]).await.status(), 200, "kept verdict");
    Ok(())
}

/// No write ever replaces an object: conditional puts race safely, and a
/// taken key makes ingest pick another.
pub async fn concurrent_writers_never_overwrite<K: Keys>(h: &Harness<K>) -> TestResult {
    let store = h.store(PREFIX);
    let contested = snapshot_key(PREFIX, Utc::now(), 42);
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..16u8 {
        let (store, key) = (store.clone(), contested.clone());
        racers.spawn(async move {
            store
                .put_new(&key, vec![i; 32], "application/octet-stream", Default::default())
                .await
        });
    }
    let results = racers.join_all().await;
    let winners = results.iter().filter(|r| r.is_ok()).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::AlreadyExists)))
        .count();
    assert_eq!((winners, refused), (1, 15), "{results:?}");
    let (survivor, _) = h.raw_get(&contested).await;
    assert!(survivor.iter().all(|b| *b == survivor[0]), "one writer's bytes, whole");

    // Many triggers at once: every one lands at its own key.
    let ingestor = Arc::new(h.ingestor());
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let ingestor = ingestor.clone();
        runs.spawn(async move { ingestor.run(&scheduled_event()).await.map(|s| s.key) });
    }
    let mut keys: Vec<String> = runs.join_all().await.into_iter().map(|k| k.unwrap().unwrap()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 12);
    Ok(())
}

/// Exactly once per trigger: however often and however concurrently one
/// trigger is delivered, it leaves one object; a key held by anything else is
/// never overwritten.
pub async fn a_retried_trigger_writes_one_object<K: Keys>(h: &Harness<K>) -> TestResult {
    let event = scheduled_event();
    let ingestor = Arc::new(h.ingestor());
    let first = ingestor.run(&event).await?;
    assert_eq!(first.outcome, Outcome::Written);
    let key = first.key.clone().expect("a key");

    // Sequential retries: found, not written, not announced.
    for _ in 0..3 {
        let retry = ingestor.run(&event).await?;
        assert_eq!(retry.outcome, Outcome::AlreadyIngested);
        assert_eq!(retry.key.as_deref(), Some(key.as_str()));
        assert!(!retry.event_published);
    }

    // Concurrent deliveries of a new trigger: one writes, the rest find it.
    let event = scheduled_event();
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (ingestor, event) = (ingestor.clone(), event.clone());
        runs.spawn(async move { ingestor.run(&event).await });
    }
    let results: Vec<_> = runs.join_all().await.into_iter().collect::<Result<_, _>>()?;
    let written = results.iter().filter(|s| s.outcome == Outcome::Written).count();
    let found = results.iter().filter(|s| s.outcome == Outcome::AlreadyIngested).count();
    assert_eq!((written, found), (1, 7), "{results:?}");
    let keys: std::collections::BTreeSet<_> = results.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys.len(), 1, "one key for one trigger: {keys:?}");

    let listed = h.s3.list_objects_v2().bucket(&h.bucket).prefix(PREFIX).send().await?;
    assert_eq!(listed.key_count(), Some(2), "two triggers, two objects");
    // The key is the trigger's, not the clock's: a random key would differ here.
    let again = h.ingestor().run(&event).await?;
    assert_eq!(again.key, results[0].key);

    // The trigger's key taken by an object it did not write (only a holder
    // of the tag key can know it): refused, untouched.
    let event = scheduled_event();
    let identity = s3_latest::ingest::trigger::parse(&event)?.identity(Utc::now())?;
    let tag = h
        .keys
        .tag(&s3_latest::keyring::Tagged::Trigger { name: &identity.name })
        .await?;
    let taken = s3_latest::object_key::trigger_key(PREFIX, identity.time, &tag);
    h.raw_put(&taken, b"someone else's".to_vec(), HashMap::new()).await;
    let err = h.ingestor().run(&event).await.unwrap_err();
    assert!(matches!(err, IngestError::KeyTaken { .. }), "{err}");
    assert_eq!(err.error_type(), "KeyCollision");
    assert_eq!(&h.raw_get(&taken).await.0[..], b"someone else's");
    Ok(())
}

/// Refused events fail the invocation with a stable error type.
pub async fn unsupported_events_fail_the_invocation<K: Keys>(h: &Harness<K>) -> TestResult {
    let s3_event: Value = serde_json::from_str(include_str!(
        "../../../s3-latest/tests/data/eventbridge_s3_object_created.json"
    ))?;
    for event in [
        s3_event,
        json!({}),
        json!("tick"),
        json!({"detail-type": "Scheduled Event"}),
    ] {
        let err = h.ingestor().run(&event).await.unwrap_err();
        assert_eq!(err.error_type(), "InvalidEvent", "{event}");
    }
    let listed = h.s3.list_objects_v2().bucket(&h.bucket).send().await?;
    assert_eq!(listed.key_count(), Some(0), "nothing written for refused events");
    Ok(())
}

// ---------------------------------------------------------------- the pointer

fn pointer() -> String {
    s3_latest::pointer::pointer_key(PREFIX).expect("a prefix has a pointer")
}

async fn pointed_at<K: Keys>(h: &Harness<K>) -> String {
    let (bytes, _) = h.raw_get(&pointer()).await;
    s3_latest::pointer::decode(PREFIX, &bytes).expect("a valid pointer").key
}

fn retriever_with<K: Keys>(h: &Harness<K>, max_staleness: Duration) -> Retriever<K> {
    let mut config = h.retrieve_config(PREFIX, LookupStrategy::Pointer);
    config.max_staleness = max_staleness;
    Retriever::new(h.store(PREFIX), h.keys.clone(), config)
}

/// With the pointer, a warm instance makes one conditional GET per request,
/// answered 304, and does not list between audits; the first request after
/// a new ingest costs the pointer, one LIST that confirms it, one GET of the
/// body and one KMS Decrypt. Its entity tags are
/// the listing's, so clients see the same ETag whichever way it was found.
pub async fn the_pointer_takes_the_list_off_the_warm_path<K: Keys>(h: &Harness<K>) -> TestResult {
    let first_key = h.ingest().await;
    assert_eq!(pointed_at(h).await, first_key);
    let retriever = h.retriever(LookupStrategy::Pointer);
    h.counter.reset();
    let cold = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(cold.status(), 200);
    assert_eq!(header(&cold, "x-object-key"), first_key);
    assert_eq!(h.counter.get("ListObjectsV2"), 1, "a cold instance asks the listing");
    assert_eq!(h.counter.get("GetObject"), 2, "the pointer and the body");
    let cold_decrypts = h.counter.get("Decrypt");

    h.counter.reset();
    for _ in 0..20 {
        let warm = call(&retriever, "GET", URL, &[]).await;
        assert_eq!(warm.status(), 200);
        assert_eq!(warm.body(), cold.body());
    }
    assert_eq!(
        h.counter.snapshot(),
        [("GetObject".to_owned(), 20)].into_iter().collect(),
        "one GET of the pointer per request, nothing else"
    );
    assert_eq!(h.counter.not_modified(), 20, "each answered 304 by S3");

    let listed = call(&h.retriever(LookupStrategy::Index), "GET", URL, &[]).await;
    assert_eq!(
        header(&listed, "etag"),
        header(&cold, "etag"),
        "the same entity tag either way"
    );

    // A client's conditional request is answered from the pointer too.
    h.counter.reset();
    let not_modified = call(&retriever, "GET", URL, &[("if-none-match", header(&cold, "etag"))]).await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(
        h.counter.snapshot(),
        [("GetObject".to_owned(), 1)].into_iter().collect()
    );

    let newer = h.ingest().await;
    h.counter.reset();
    for _ in 0..5 {
        let response = call(&retriever, "GET", URL, &[]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-object-key"), newer);
    }
    assert_eq!(
        h.counter.get("ListObjectsV2"),
        1,
        "the moved pointer is confirmed by the listing"
    );
    assert_eq!(h.counter.get("GetObject"), 6, "five pointer reads and one body");
    assert_eq!(h.counter.not_modified(), 4);
    assert_eq!(
        h.counter.get("Decrypt"),
        cold_decrypts,
        "one data-key unwrap per change (KMS only)"
    );
    Ok(())
}

/// Every pointer retrieve cannot use falls back to the listing and still
/// serves the newest object: missing, unparsable, of an unknown version,
/// naming a foreign key, or naming an object that is gone.
pub async fn an_unusable_pointer_falls_back_to_the_listing<K: Keys>(h: &Harness<K>) -> TestResult {
    let older = h.ingest().await;
    let newest = h.ingest().await;
    let (genuine, _) = h.raw_get(&pointer()).await;
    let document: Value = serde_json::from_slice(&genuine)?;
    let with = |field: &str, value: Value| {
        let mut d = document.clone();
        d[field] = value;
        d.to_string().into_bytes()
    };
    let unusable: Vec<(&str, Option<Vec<u8>>)> = vec![
        ("missing", None),
        ("not JSON", Some(b"<html>".to_vec())),
        ("an unknown version", Some(with("version", json!(9)))),
        ("a foreign key", Some(with("key", json!("elsewhere/secret")))),
        (
            "a key below the prefix's layout",
            Some(with("key", json!(format!("{newest}/x")))),
        ),
        ("an extra field", Some(with("extra", json!(true)))),
    ];
    for (what, body) in unusable {
        match body {
            Some(body) => h.raw_put(&pointer(), body, HashMap::new()).await,
            None => h.raw_delete(&pointer()).await,
        }
        for retriever in [h.retriever(LookupStrategy::Pointer), retriever_with(h, Duration::ZERO)] {
            h.counter.reset();
            let response = call(&retriever, "GET", URL, &[]).await;
            assert_eq!(response.status(), 200, "pointer {what}");
            assert_eq!(header(&response, "x-object-key"), newest, "pointer {what}");
            assert_eq!(h.counter.get("ListObjectsV2"), 1, "pointer {what}: listed");
        }
    }

    // A pointer naming an object that is gone: the listing answers.
    h.raw_put(&pointer(), genuine.to_vec(), HashMap::new()).await;
    h.raw_delete(&newest).await;
    let response = call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    assert_eq!(header(&response, "x-object-key"), older);

    // The next ingest repairs the pointer, and retrieve uses it again.
    let next = h.ingest().await;
    assert_eq!(pointed_at(h).await, next);
    let retriever = h.retriever(LookupStrategy::Pointer);
    call(&retriever, "GET", URL, &[]).await;
    h.counter.reset();
    let response = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(header(&response, "x-object-key"), next);
    assert_eq!(
        h.counter.snapshot(),
        [("GetObject".to_owned(), 1)].into_iter().collect()
    );
    Ok(())
}

/// A write whose pointer update was lost is repaired by the trigger's retry
/// (which finds its object written), and an unreadable pointer by any ingest.
pub async fn a_lost_pointer_update_is_repaired_by_the_retry<K: Keys>(h: &Harness<K>) -> TestResult {
    h.ingest().await;
    let (before, _) = h.raw_get(&pointer()).await;
    let event = scheduled_event();
    let written = h.ingestor().run(&event).await?;
    let key = written.key.expect("a key");
    // As if the update had failed: the pointer still names the older object.
    h.raw_put(&pointer(), before.to_vec(), HashMap::new()).await;
    assert_ne!(pointed_at(h).await, key);

    let retry = h.ingestor().run(&event).await?;
    assert_eq!(retry.outcome, Outcome::AlreadyIngested);
    assert_eq!(pointed_at(h).await, key, "the retry moved the pointer");

    h.raw_put(&pointer(), b"garbage".to_vec(), HashMap::new()).await;
    let next = h.ingest().await;
    assert_eq!(pointed_at(h).await, next, "an unreadable pointer is replaced");

    // An older trigger delivered late never moves it back.
    let late = s3_latest::object_key::snapshot_key(PREFIX, Utc::now() - chrono::Duration::hours(1), 1);
    let late_event = {
        let mut e = scheduled_event();
        e["time"] = json!((Utc::now() - chrono::Duration::hours(1)).to_rfc3339());
        e
    };
    let late_written = h.ingestor().run(&late_event).await?;
    assert_eq!(late_written.outcome, Outcome::Written);
    assert!(
        late_written.key.as_deref().unwrap() > next.as_str(),
        "{late} sorts after"
    );
    assert_eq!(pointed_at(h).await, next, "not moved back");
    Ok(())
}

/// Concurrent ingests of many triggers, each delivered twice at once, in
/// random order: the pointer ends at the newest, the object the listing puts
/// first, whatever order the writes landed in.
pub async fn racing_ingests_never_move_the_pointer_backwards<K: Keys + Send + Sync + 'static>(
    h: &Harness<K>,
) -> TestResult {
    let ingestor = Arc::new(h.ingestor());
    let mut events: Vec<Value> = (0..16).map(|_| scheduled_event()).collect();
    events.reverse(); // the newest trigger starts first, the oldest last
    let mut runs = tokio::task::JoinSet::new();
    for event in events.iter().chain(events.iter()) {
        let (ingestor, event) = (ingestor.clone(), event.clone());
        runs.spawn(async move { ingestor.run(&event).await });
    }
    let results: Vec<_> = runs.join_all().await.into_iter().collect::<Result<_, _>>()?;
    let newest = results.iter().filter_map(|s| s.key.clone()).min().expect("keys");
    let listed = h.store(PREFIX).newest(LookupStrategy::Index).await?.expect("objects");
    assert_eq!(listed.key, newest);
    assert_eq!(pointed_at(h).await, newest, "the pointer names the newest");
    let response = call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await;
    assert_eq!(header(&response, "x-object-key"), newest);
    Ok(())
}

/// Within `MAX_STALENESS_MS` a warm instance answers from memory with no S3
/// request at all, and may serve the previous object; past it, it asks.
pub async fn the_staleness_budget_answers_from_memory_within_it<K: Keys>(h: &Harness<K>) -> TestResult {
    let first = h.ingest().await;
    let budget = Duration::from_millis(1500);
    let retriever = retriever_with(h, budget);
    let started = std::time::Instant::now();
    assert_eq!(header(&call(&retriever, "GET", URL, &[]).await, "x-object-key"), first);
    h.counter.reset();
    let second = h.ingest().await;
    h.counter.reset();
    for _ in 0..10 {
        let response = call(&retriever, "GET", URL, &[]).await;
        assert_eq!(header(&response, "x-object-key"), first, "stale within the budget");
    }
    assert!(
        started.elapsed() < budget,
        "the calls fit in the budget; the check is meaningless otherwise"
    );
    assert_eq!(h.counter.total(), 0, "no S3 or KMS request within the budget");

    tokio::time::sleep(budget).await;
    let response = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(header(&response, "x-object-key"), second, "fresh past the budget");
    Ok(())
}
