//! The s3-latest benchmark. One run, on one machine, measures side by side:
//! S3 requests and latency per retrieve against bucket size (the three
//! strategies, cold and warm, with and without a simulated S3 round trip),
//! the warm path, cold start and footprint of the release binaries, handler
//! throughput under loopback load, and the cost per million retrievals.
//! It prints a Markdown table and writes bench-results/latest.{json,svg,md}.
//!
//! Run it with `scripts/bench.sh`. `s3-latest-bench seed` loads N objects
//! into any S3-compatible endpoint.

mod chart;
mod coldstart;
mod cost;
mod counting_keys;
mod large;
mod load;
mod report;
mod retrieval;
mod seed;
mod stats;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use s3_latest::config::{IngestConfig, Location, SourceConfig};
use s3_latest::ingest::Ingestor;
use s3_latest::ingest::publish::EventBridgePublisher;
use s3_latest::keyring::LocalAesKeyring;
use s3_latest::store::{LookupStrategy, SnapshotStore};
use s3_latest_local::embedded_store::{self, EmbeddedStore, StoreOptions};
use s3_latest_local::runner::{self, LocalOptions};
use serde::Serialize;
use test_support::request_count::RequestCounter;

use crate::coldstart::ColdStart;
use crate::cost::Cost;
use crate::counting_keys::CountingKeys;
use crate::large::LargeObject;
use crate::load::Throughput;
use crate::retrieval::{Cache, Latency, Requests, Setup, WarmPath};

#[derive(Debug, Parser)]
#[command(about = "Benchmark s3-latest's retrieval against bucket size, and its cold start, footprint and cost")]
struct Args {
    /// Bucket sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "10,1000,10000,100000")]
    sizes: Vec<usize>,
    /// The simulated S3 round trip of the second run, per GET-class request
    /// (GET, HEAD, PUT).
    #[arg(long, default_value_t = 20)]
    simulated_rtt_ms: u64,
    /// The simulated round trip of a LIST in the second run. An assumption,
    /// not a published figure: a LIST reads S3's index and returns an XML
    /// listing, so it is taken as 1.5 times a small GET.
    #[arg(long, default_value_t = 30)]
    simulated_list_ms: u64,
    /// Timed requests per latency cell. index cells of the simulated-S3 run
    /// always take this many; other cells stop at --cell-budget-secs.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// Time allowed per budgeted latency cell (at least one sample is taken).
    #[arg(long, default_value_t = 8)]
    cell_budget_secs: u64,
    /// Size of the large snapshot streamed end to end, in MB.
    #[arg(long, default_value_t = 100)]
    large_object_mb: usize,
    /// Where latest.json, latest.svg and latest.md go.
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load N small objects into a bucket of any S3-compatible endpoint.
    Seed {
        #[arg(long)]
        endpoint: String,
        #[arg(long)]
        bucket: String,
        #[arg(long, default_value = "snapshots/")]
        prefix: String,
        #[arg(long)]
        objects: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
    },
}

#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub generated_at: String,
    pub sizes: Vec<usize>,
    pub simulated_rtt_ms: u64,
    pub simulated_list_ms: u64,
    pub requests: Vec<Requests>,
    pub latency: Vec<Latency>,
    /// index warm p50 at the largest size over the smallest, with the simulated RTT.
    pub index_flatness: f64,
    /// pointer warm p50 over index warm p50, per size, with the simulated RTTs.
    pub pointer_over_index_warm: Vec<(usize, f64)>,
    pub warm_paths: Vec<WarmPath>,
    pub cold_starts: Vec<ColdStart>,
    pub throughput: Throughput,
    pub large_object: LargeObject,
    pub costs: Vec<Cost>,
}

fn section(title: &str) {
    eprintln!("\n== {title}");
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(Command::Seed {
        endpoint,
        bucket,
        prefix,
        objects,
        concurrency,
    }) = args.command
    {
        let client = embedded_store::client_for(&endpoint);
        embedded_store::ensure_bucket(&client, &bucket).await.expect("bucket");
        seed::seed(&client, &bucket, &prefix, 0, objects, concurrency).await;
        return;
    }
    let started = Instant::now();
    let data = tempfile::tempdir().expect("temp dir");
    let results = run(&args, data.path()).await;
    std::fs::create_dir_all(&args.out).expect("output directory");
    let table = report::markdown(&results);
    std::fs::write(
        args.out.join("latest.json"),
        serde_json::to_string_pretty(&results).unwrap(),
    )
    .unwrap();
    std::fs::write(args.out.join("latest.svg"), chart::svg(&results)).unwrap();
    std::fs::write(args.out.join("latest.md"), &table).unwrap();
    println!("{table}");
    eprintln!("removing the benchmark's store ...");
    drop(data);
    eprintln!(
        "\nwrote {0}/latest.json, {0}/latest.svg, {0}/latest.md in {1:.0} s",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
}

async fn run(args: &Args, data: &std::path::Path) -> Results {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let store = EmbeddedStore::start(&data.join("store"), listener, StoreOptions::default())
        .await
        .unwrap();
    let counter = RequestCounter::default();
    let s3 = aws_sdk_s3::Client::from_conf(
        embedded_store::client_config(&store.endpoint())
            .interceptor(counter.clone())
            .build(),
    );
    let bucket = "bench".to_owned();
    let prefix = "snapshots/".to_owned();
    embedded_store::ensure_bucket(&s3, &bucket).await.unwrap();
    let keys = CountingKeys::new(LocalAesKeyring::load_or_create(&data.join("local.key")).unwrap());
    let setup = Setup {
        s3: s3.clone(),
        counter,
        keys: keys.clone(),
        bucket: bucket.clone(),
        prefix: prefix.clone(),
    };
    let ingest_config = IngestConfig {
        location: Location::new(bucket.clone(), prefix.clone()),
        event_bus: None,
        source: SourceConfig::Generated,
        function_version: "bench".into(),
        format: Default::default(),
    };
    let ingestor = Ingestor::new(
        SnapshotStore::new(s3.clone(), &bucket, &prefix),
        keys.clone(),
        None::<EventBridgePublisher>,
        &ingest_config,
    )
    .expect("ingestor");
    let rtt = Duration::from_millis(args.simulated_rtt_ms);
    let list_rtt = Duration::from_millis(args.simulated_list_ms);
    const STRATEGIES: [LookupStrategy; 3] = [LookupStrategy::Pointer, LookupStrategy::Index, LookupStrategy::Scan];

    let (mut requests, mut latency) = (Vec::new(), Vec::new());
    let (mut seeded, mut ingested) = (0usize, 0usize);
    let mut warm_paths = Vec::new();
    for &n in &args.sizes {
        section(&format!("{n} objects"));
        let target_seeds = n.saturating_sub(ingested + 1);
        seed::seed(&s3, &bucket, &prefix, seeded, target_seeds.max(seeded), 32).await;
        seeded = target_seeds.max(seeded);
        // LastModified has one-second resolution; keep the real newest strictly newest for scan too.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        ingestor.run(&scheduled_now()).await.expect("ingest");
        ingested += 1;
        let objects = seeded + ingested;

        // Counts do not depend on how fast the store lists; use the ordered index.
        store.set_added_latency(Duration::ZERO);
        store.set_ordered_listing(true);
        for strategy in STRATEGIES {
            requests.extend(retrieval::count_requests(&setup, strategy, objects).await);
        }
        for simulated in [Duration::ZERO, rtt] {
            // The simulated run models S3: a fixed round trip, and LIST from an ordered index.
            let models_s3 = !simulated.is_zero();
            store.set_added_latencies(if models_s3 { list_rtt } else { Duration::ZERO }, simulated);
            store.set_ordered_listing(models_s3);
            for strategy in STRATEGIES {
                for cache in [Cache::Cold, Cache::Warm] {
                    // Full samples where the figure speaks for S3; elsewhere a time budget, since
                    // s3s-fs walks every key on each LIST and scan makes N/1000 of them.
                    let (samples, budget) = match (strategy, models_s3) {
                        (LookupStrategy::Pointer | LookupStrategy::Index, true) => {
                            ((args.samples, args.samples), Duration::ZERO)
                        }
                        _ => ((1, args.samples), Duration::from_secs(args.cell_budget_secs)),
                    };
                    // One LIST costs what index's cold request just measured (minus the GET);
                    // scan makes one per 1,000 objects. Skip what one request cannot finish in budget.
                    let list_ms = latency
                        .iter()
                        .find(|l: &&Latency| {
                            l.objects == objects
                                && l.strategy == "index"
                                && l.cache == Cache::Warm
                                && l.simulated_rtt_ms == simulated.as_millis() as u64
                        })
                        .map_or(0.0, |l| l.summary.p50_ms);
                    let projected_ms = objects.div_ceil(1000) as f64 * list_ms;
                    let cell = if strategy == LookupStrategy::Scan && projected_ms > budget.as_millis() as f64 {
                        retrieval::Latency::skipped(strategy, cache, objects, simulated, projected_ms)
                    } else {
                        retrieval::latency(&setup, strategy, cache, objects, simulated, samples, budget).await
                    };
                    let what = match cell.skipped_projected_ms {
                        Some(ms) => format!("skipped: one request would take about {:.0} s", ms / 1000.0),
                        None => format!(
                            "p50 {:8.2} ms  p99 {:8.2} ms  ({} samples)",
                            cell.summary.p50_ms, cell.summary.p99_ms, cell.summary.samples
                        ),
                    };
                    let cache_name = if cache == Cache::Cold { "cold" } else { "warm" };
                    eprintln!(
                        "  {:5} {cache_name} rtt {:2} ms: {what}",
                        cell.strategy,
                        simulated.as_millis()
                    );
                    latency.push(cell);
                }
            }
        }
        store.set_ordered_listing(false);
        store.set_added_latency(Duration::ZERO);

        if warm_paths.is_empty() {
            for strategy in [LookupStrategy::Pointer, LookupStrategy::Index] {
                warm_paths.push(measure_warm_path(&setup, &ingestor, objects, strategy).await);
                ingested += 1;
            }
        }
    }
    let sizes: Vec<usize> = requests
        .iter()
        .filter(|r| r.strategy == "index" && r.cache == Cache::Cold)
        .map(|r| r.objects)
        .collect();

    let warm_p50 = |n: usize, strategy: &str, cache: Cache| {
        latency
            .iter()
            .find(|l| {
                l.objects == n
                    && l.strategy == strategy
                    && l.cache == cache
                    && l.simulated_rtt_ms == args.simulated_rtt_ms
            })
            .map(|l| l.summary.p50_ms)
            .unwrap_or(f64::NAN)
    };
    let (smallest, largest) = (sizes[0], sizes[sizes.len() - 1]);
    let index_flatness = warm_p50(largest, "index", Cache::Warm) / warm_p50(smallest, "index", Cache::Warm);
    let pointer_over_index_warm: Vec<(usize, f64)> = sizes
        .iter()
        .map(|&n| {
            (
                n,
                warm_p50(n, "pointer", Cache::Warm) / warm_p50(n, "index", Cache::Warm),
            )
        })
        .collect();

    section("cold start and footprint");
    // An empty bucket: the first response should time the function, not a large listing.
    let cold_bucket = "cold-start".to_owned();
    embedded_store::ensure_bucket(&s3, &cold_bucket).await.unwrap();
    let env = |prefix: &str| -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", store.endpoint()),
            ("AWS_REGION", embedded_store::REGION.into()),
            ("AWS_ACCESS_KEY_ID", embedded_store::ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", embedded_store::SECRET_ACCESS_KEY.into()),
            ("S3_FORCE_PATH_STYLE", "true".into()),
            ("BUCKET_NAME", cold_bucket.clone()),
            ("OBJECT_PREFIX", prefix.into()),
            ("KMS_KEY_ID", "alias/bench".into()),
            ("TRIGGER_KEY_ID", "alias/bench-tags".into()),
        ]
    };
    let cold_starts = vec![
        coldstart::measure(
            "retrieve",
            &env("cold-start-empty/"),
            coldstart::retrieve_event(),
            15,
            200,
        )
        .await,
        coldstart::measure("ingest", &env(&prefix), coldstart::ingest_event(), 15, 200).await,
    ];
    for c in &cold_starts {
        eprintln!(
            "  {:8} init p50 {:.1} ms, first response p50 {:.1} ms, RSS {} KiB",
            c.function, c.init.p50_ms, c.first_response.p50_ms, c.peak_rss_kib
        );
    }

    section("local runner under loopback load");
    let throughput = load_local_runner().await;
    eprintln!(
        "  {:.0} requests/s, {} errors",
        throughput.requests_per_second, throughput.errors
    );

    section("a large snapshot, streamed");
    let large_object = large::measure(args.large_object_mb * 1_000_000).await;
    eprintln!(
        "  {} MB: served whole {}, TTFB {:.0} ms, all {:.0} ms, RSS {} KiB idle, peak {} KiB ({:.2}x the object)",
        args.large_object_mb,
        large_object.served_whole,
        large_object.ttfb_ms,
        large_object.total_ms,
        large_object.idle_rss_kib,
        large_object.peak_rss_kib,
        large_object.peak_over_size
    );

    let costs = costs(&requests, &latency, args.simulated_rtt_ms, &sizes);
    store.shutdown().await;
    Results {
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        sizes,
        simulated_rtt_ms: args.simulated_rtt_ms,
        simulated_list_ms: args.simulated_list_ms,
        requests,
        latency,
        index_flatness,
        pointer_over_index_warm,
        warm_paths,
        cold_starts,
        throughput,
        large_object,
        costs,
    }
}

/// A scheduled event for a tick of now: a trigger of its own (ingest writes
/// one object per trigger), newer than every seeded object.
fn scheduled_now() -> serde_json::Value {
    let now = chrono::Utc::now();
    serde_json::json!({
        "version": "0", "id": format!("bench-{}", now.timestamp_nanos_opt().unwrap_or_default()),
        "detail-type": "Scheduled Event", "source": "aws.events",
        "time": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "resources": [], "detail": {}
    })
}

async fn measure_warm_path<P: s3_latest::ingest::publish::EventPublisher>(
    setup: &Setup,
    ingestor: &Ingestor<retrieval::Keys, P>,
    objects: usize,
    strategy: LookupStrategy,
) -> WarmPath {
    section(&format!("warm path ({})", retrieval::strategy_name(strategy)));
    let retriever = setup.retriever(strategy);
    retrieval::get(&retriever).await;
    setup.reset_counts();
    let unchanged_requests = 1000;
    for _ in 0..unchanged_requests {
        retrieval::get(&retriever).await;
    }
    let unchanged = setup.observed(strategy, objects, Cache::Warm);
    ingestor.run(&scheduled_now()).await.expect("ingest");
    setup.reset_counts();
    retrieval::get(&retriever).await;
    let after_new_ingest = setup.observed(strategy, objects, Cache::Warm);
    eprintln!(
        "  {unchanged_requests} unchanged: {} LIST {} GET ({} answered 304) {} KMS; after ingest: {} LIST {} GET {} KMS",
        unchanged.list_requests,
        unchanged.get_requests,
        unchanged.not_modified,
        unchanged.kms_decrypts,
        after_new_ingest.list_requests,
        after_new_ingest.get_requests,
        after_new_ingest.kms_decrypts
    );
    WarmPath {
        strategy: retrieval::strategy_name(strategy),
        unchanged_requests,
        unchanged,
        after_new_ingest,
    }
}

/// The local runner on its own thread and runtime; 8 clients for 10 s.
async fn load_local_runner() -> Throughput {
    let data = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        data_dir: data.path().to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        s3_listen: "127.0.0.1:0".parse().unwrap(),
        interval: Duration::from_secs(3600),
        bucket: "load".into(),
        prefix: "snapshots/".into(),
        stage: "dev".into(),
        strategy: LookupStrategy::Pointer,
        max_staleness: Duration::ZERO,
        response_mode: Default::default(),
        source: SourceConfig::Generated,
        initial_ingest: true,
        cors_allowed_origins: Vec::new(),
        ingest_timeout: Duration::from_secs(60),
    };
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(runner::run(
            options,
            async {
                let _ = stop_rx.await;
            },
            move |e| ready_tx.send(e.retrieve_url.clone()).unwrap(),
        ))
    });
    let url = ready_rx.recv().expect("runner ready");
    let client = test_support::http_client();
    while client.get(&url).send().await.map(|r| r.status() != 200).unwrap_or(true) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let throughput = load::run(&url, 8, Duration::from_secs(10)).await;
    let _ = stop_tx.send(());
    let _ = server.join();
    throughput
}

/// Requests a second per warm instance at which the audit's LIST is
/// amortised in the cost table. At 1 a second it adds $0.083 per million.
const AUDIT_RATE: f64 = 10.0;

fn costs(requests: &[Requests], latency: &[Latency], rtt_ms: u64, sizes: &[usize]) -> Vec<Cost> {
    let find_requests = |strategy: &str, cache: Cache, n: usize| {
        requests
            .iter()
            .find(|r| r.strategy == strategy && r.cache == cache && r.objects == n)
            .expect("measured")
    };
    let p50 = |strategy: &str, cache: Cache, n: usize| {
        latency
            .iter()
            .find(|l| l.strategy == strategy && l.cache == cache && l.objects == n && l.simulated_rtt_ms == rtt_ms)
            .map_or(f64::NAN, |l| l.summary.p50_ms)
    };
    let row = |design: &'static str, strategy: &str, cache: Cache, n: usize| {
        let r = find_requests(strategy, cache, n);
        cost::per_million(
            design,
            n,
            r.list_requests as f64,
            r.get_requests as f64,
            r.kms_decrypts as f64,
            p50(strategy, cache, n),
        )
    };
    let mut out = Vec::new();
    for &n in sizes
        .iter()
        .filter(|&&n| n >= 1000 && (n == 1000 || n == *sizes.last().unwrap()))
    {
        out.push(row("pointer, warm (unchanged object)", "pointer", Cache::Warm, n));
        // The same with the listing's audit amortised: one LIST per warm
        // instance every POINTER_AUDIT_SECONDS, at AUDIT_RATE requests a
        // second per instance.
        let warm = find_requests("pointer", Cache::Warm, n);
        let audit_lists = 1.0 / (AUDIT_RATE * s3_latest::config::DEFAULT_POINTER_AUDIT_SECONDS as f64);
        out.push(cost::per_million(
            "pointer, warm, with the 60 s audit at 10 requests/s per instance",
            n,
            warm.list_requests as f64 + audit_lists,
            warm.get_requests as f64,
            warm.kms_decrypts as f64,
            p50("pointer", Cache::Warm, n),
        ));
        out.push(row("index, warm (unchanged object)", "index", Cache::Warm, n));
        out.push(row(
            "pointer, cold (new object every request)",
            "pointer",
            Cache::Cold,
            n,
        ));
        // The naive design: list every page, GET the newest, KMS on every read.
        let naive = find_requests("scan", Cache::Cold, n);
        out.push(cost::per_million(
            "naive (list all, GET, KMS every read)",
            n,
            naive.list_requests as f64,
            1.0,
            1.0,
            p50("scan", Cache::Cold, n),
        ));
    }
    out
}
