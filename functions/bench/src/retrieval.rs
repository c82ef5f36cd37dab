//! Requests and latency of one retrieve, against bucket size, for the three
//! lookup strategies, cold and warm, with and without a simulated S3 round
//! trip. Requests go through the production handler via API Gateway REST
//! proxy events, as in local mode.

use std::time::{Duration, Instant};

use s3_latest::config::{CacheLimits, Location, RetrieveConfig};
use s3_latest::keyring::LocalAesKeyring;
use s3_latest::retrieve::Retriever;
use s3_latest::store::{LookupStrategy, SnapshotStore};
use s3_latest_local::rest_api;
use serde::Serialize;
use test_support::request_count::RequestCounter;

use crate::counting_keys::CountingKeys;
use crate::stats::{Summary, summarize};

pub type Keys = CountingKeys<LocalAesKeyring>;

/// What retrieve needs to run against the benchmark bucket.
pub struct Setup {
    pub s3: aws_sdk_s3::Client,
    pub counter: RequestCounter,
    pub keys: Keys,
    pub bucket: String,
    pub prefix: String,
}

impl Setup {
    pub fn retriever(&self, strategy: LookupStrategy) -> Retriever<Keys> {
        let config = RetrieveConfig {
            location: Location::new(self.bucket.clone(), self.prefix.clone()),
            strategy,
            max_staleness: Duration::ZERO,
            pointer_audit: Duration::from_secs(s3_latest::config::DEFAULT_POINTER_AUDIT_SECONDS),
            cors_allowed_origins: Vec::new(),
            commitment_policy: Default::default(),
            cache_control: "no-cache".into(),
            response_mode: Default::default(),
            response_max_bytes: s3_latest::config::DEFAULT_RESPONSE_MAX_BYTES,
            data_key_cache: CacheLimits {
                max_entries: 64,
                max_age: Duration::from_secs(300),
            },
            health_cache: Duration::from_secs(s3_latest::config::DEFAULT_HEALTH_CACHE_SECONDS),
            request_timeout: Duration::from_secs(9),
        };
        Retriever::new(
            SnapshotStore::new(self.s3.clone(), &self.bucket, &self.prefix),
            self.keys.clone(),
            config,
        )
    }
}

/// One GET through the REST proxy path; panics unless it is a 200.
pub async fn get(retriever: &Retriever<Keys>) -> Duration {
    let uri: http::Uri = "/dev/retrieve_most_recent_object".parse().unwrap();
    let request_id = rest_api::new_request_id();
    let started = Instant::now();
    let event = rest_api::proxy_event(
        &http::Method::GET,
        &uri,
        &http::HeaderMap::new(),
        b"",
        "dev",
        &request_id,
    );
    let response = rest_api::invoke(|r| retriever.handle(r), event, &request_id)
        .await
        .expect("proxy response");
    let took = started.elapsed();
    assert_eq!(
        response.status(),
        200,
        "benchmark request failed: {:?}",
        response.body()
    );
    took
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Cache {
    Cold,
    Warm,
}

/// S3 requests and key unwraps of one retrieve.
#[derive(Debug, Clone, Serialize)]
pub struct Requests {
    pub strategy: &'static str,
    pub objects: usize,
    pub cache: Cache,
    pub s3_requests: u64,
    pub list_requests: u64,
    pub get_requests: u64,
    /// GETs S3 answered `304 Not Modified` (the pointer, unchanged).
    pub not_modified: u64,
    pub kms_decrypts: u64,
}

pub fn strategy_name(strategy: LookupStrategy) -> &'static str {
    match strategy {
        LookupStrategy::Pointer => "pointer",
        LookupStrategy::Index => "index",
        LookupStrategy::Scan => "scan",
    }
}

impl Setup {
    /// What the counters hold now, as the requests of one retrieve.
    pub fn observed(&self, strategy: LookupStrategy, objects: usize, cache: Cache) -> Requests {
        Requests {
            strategy: strategy_name(strategy),
            objects,
            cache,
            s3_requests: self.counter.total(),
            list_requests: self.counter.get("ListObjectsV2"),
            get_requests: self.counter.get("GetObject"),
            not_modified: self.counter.not_modified(),
            kms_decrypts: self.keys.unwraps(),
        }
    }

    pub fn reset_counts(&self) {
        self.counter.reset();
        self.keys.reset();
    }
}

pub async fn count_requests(setup: &Setup, strategy: LookupStrategy, objects: usize) -> [Requests; 2] {
    let retriever = setup.retriever(strategy);
    setup.reset_counts();
    get(&retriever).await;
    let cold = setup.observed(strategy, objects, Cache::Cold);
    setup.reset_counts();
    get(&retriever).await;
    let warm = setup.observed(strategy, objects, Cache::Warm);
    [cold, warm]
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub strategy: &'static str,
    pub objects: usize,
    pub cache: Cache,
    pub simulated_rtt_ms: u64,
    #[serde(flatten)]
    pub summary: Summary,
    /// Set when the cell was skipped because one request would outlast its
    /// time budget: the projected milliseconds of one request.
    pub skipped_projected_ms: Option<f64>,
}

impl Latency {
    /// A cell not measured because one request would take `projected_ms`.
    pub fn skipped(strategy: LookupStrategy, cache: Cache, objects: usize, rtt: Duration, projected_ms: f64) -> Self {
        Latency {
            strategy: strategy_name(strategy),
            objects,
            cache,
            simulated_rtt_ms: rtt.as_millis() as u64,
            summary: summarize(Vec::new()),
            skipped_projected_ms: Some(projected_ms),
        }
    }
}

/// At least `min_samples` (and up to `max_samples` within `budget`) timed GETs.
pub async fn latency(
    setup: &Setup,
    strategy: LookupStrategy,
    cache: Cache,
    objects: usize,
    simulated_rtt: Duration,
    samples: (usize, usize),
    budget: Duration,
) -> Latency {
    let (min_samples, max_samples) = samples;
    let warm = setup.retriever(strategy);
    if cache == Cache::Warm {
        get(&warm).await;
    }
    let started = Instant::now();
    let mut taken = Vec::new();
    while taken.len() < min_samples || (taken.len() < max_samples && started.elapsed() < budget) {
        let took = match cache {
            Cache::Warm => get(&warm).await,
            Cache::Cold => get(&setup.retriever(strategy)).await,
        };
        taken.push(took);
    }
    Latency {
        strategy: strategy_name(strategy),
        objects,
        cache,
        simulated_rtt_ms: simulated_rtt.as_millis() as u64,
        summary: summarize(taken),
        skipped_projected_ms: None,
    }
}

/// The warm path over many requests: what 1,000 retrieves of an unchanged
/// object cost, and what the first one after a new ingest costs.
#[derive(Debug, Clone, Serialize)]
pub struct WarmPath {
    pub strategy: &'static str,
    pub unchanged_requests: u64,
    pub unchanged: Requests,
    pub after_new_ingest: Requests,
}
