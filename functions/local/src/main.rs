//! `s3-latest-local`: runs the service on 127.0.0.1 until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use s3_latest::config::{DEFAULT_PREFIX, DEFAULT_SOURCE_MAX_BYTES, ResponseMode, SourceConfig};
use s3_latest::store::LookupStrategy;
use s3_latest_local::runner::{self, LocalOptions};

/// Run s3-latest on this machine: an embedded S3-compatible store, ingest on a
/// timer, and GET /dev/retrieve_most_recent_object.
///
/// Each flag also reads the environment variable the Lambda functions read.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:
  s3-latest-local                                   # http://127.0.0.1:3000/dev/retrieve_most_recent_object
  s3-latest-local --source-url https://example.com/feed.json --interval-secs 300
  s3-latest-local --response-mode stream --source-max-bytes 209715200
  curl -X POST http://127.0.0.1:3000/ingest          # take a snapshot now
  rm -rf .s3-latest-local                            # start again from nothing"
)]
struct Args {
    /// Directory for the store's data and the local wrapping key; survives restarts.
    #[arg(long, default_value = ".s3-latest-local")]
    data_dir: PathBuf,
    /// Address of the API. Local mode has no authentication: keep it on loopback.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Address of the embedded S3-compatible store (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    s3_listen: SocketAddr,
    /// Seconds between scheduled ingests; the first runs at start.
    #[arg(long, default_value_t = 60)]
    interval_secs: u64,
    /// Skip the scheduled ingest at start (the first runs one interval later),
    /// e.g. to inspect what a previous run left before anything new is written.
    #[arg(long)]
    no_initial_ingest: bool,
    /// Bucket in the embedded store.
    #[arg(long, env = "BUCKET_NAME", default_value = "s3-latest-local")]
    bucket: String,
    /// Key prefix of the snapshots: empty, or ending with `/`.
    #[arg(long, env = "OBJECT_PREFIX", default_value = DEFAULT_PREFIX)]
    prefix: String,
    /// API Gateway stage name, the first segment of the URL path.
    #[arg(long, default_value = "dev")]
    stage: String,
    /// How retrieve finds the newest object.
    #[arg(long, env = "LOOKUP_STRATEGY", value_enum, default_value_t = Strategy::Pointer)]
    strategy: Strategy,
    /// Answer from memory for this long without asking the store whether the
    /// newest object changed.
    #[arg(long, env = "MAX_STALENESS_MS", default_value_t = 0)]
    max_staleness_ms: u64,
    /// How retrieve hands a response back.
    #[arg(long, env = "RESPONSE_MODE", value_enum, default_value_t = Mode::Buffered)]
    response_mode: Mode,
    /// Snapshot an http(s) URL instead of generating a JSON document.
    #[arg(long, env = "SOURCE_URL")]
    source_url: Option<s3_latest::config::Url>,
    /// Largest source body accepted.
    #[arg(long, env = "SOURCE_MAX_BYTES", default_value_t = DEFAULT_SOURCE_MAX_BYTES)]
    source_max_bytes: u64,
    /// Origins browsers may call from, comma-separated (`*` for any); CORS is
    /// off without it.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    cors_allowed_origins: Vec<String>,
    /// ingest's timeout in seconds, as its Lambda has: an ingest still running
    /// a second before it fails with DeadlineExceeded and writes nothing.
    #[arg(long, env = "FUNCTION_TIMEOUT_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(2..=900))]
    ingest_timeout_secs: u64,
}

/// `LOOKUP_STRATEGY`, as `--help` lists it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Strategy {
    /// A conditional GET of the pointer; the listing decides when it changes.
    Pointer,
    /// One LIST per request (the newest-first key layout).
    Index,
    /// Every page of the listing; the newest LastModified wins.
    Scan,
}

impl From<Strategy> for LookupStrategy {
    fn from(strategy: Strategy) -> Self {
        match strategy {
            Strategy::Pointer => LookupStrategy::Pointer,
            Strategy::Index => LookupStrategy::Index,
            Strategy::Scan => LookupStrategy::Scan,
        }
    }
}

/// `RESPONSE_MODE`, as `--help` lists it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Mode {
    /// One payload, Lambda's 6 MB limit, as API Gateway's default integration.
    Buffered,
    /// Up to 200 MB, as a REST integration in STREAM mode.
    Stream,
}

impl From<Mode> for ResponseMode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Buffered => ResponseMode::Buffered,
            Mode::Stream => ResponseMode::Stream,
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    s3_latest::logging::init();
    let args = Args::parse();
    let options = LocalOptions {
        data_dir: args.data_dir,
        listen: args.listen,
        s3_listen: args.s3_listen,
        interval: Duration::from_secs(args.interval_secs.max(1)),
        bucket: args.bucket,
        prefix: args.prefix,
        stage: args.stage,
        strategy: args.strategy.into(),
        max_staleness: Duration::from_millis(args.max_staleness_ms),
        response_mode: args.response_mode.into(),
        initial_ingest: !args.no_initial_ingest,
        cors_allowed_origins: args.cors_allowed_origins,
        ingest_timeout: Duration::from_secs(args.ingest_timeout_secs),
        source: match args.source_url {
            None => SourceConfig::Generated,
            Some(url) => SourceConfig::Url {
                url,
                timeout: Duration::from_secs(10),
                max_bytes: args.source_max_bytes,
                redirect_hosts: Vec::new(),
            },
        },
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("shutting down");
    };
    let result = runner::run(options, shutdown, |endpoints| {
        println!("s3-latest local mode is up");
        println!("  retrieve:  {}", endpoints.retrieve_url);
        println!("  ingest:    curl -X POST {}", endpoints.ingest_url);
        println!("  S3 store:  {} (access key s3-latest-local)", endpoints.s3);
        println!("try:\n  curl -i {}", endpoints.retrieve_url);
    })
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
