//! `s3-latest-local`: runs the service on 127.0.0.1 until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use s3_latest::config::{DEFAULT_PREFIX, DEFAULT_SOURCE_MAX_BYTES, SourceConfig};
use s3_latest::store::LookupStrategy;
use s3_latest_local::runner::{self, LocalOptions};

/// Run s3-latest on this machine: an embedded S3-compatible store, ingest on a
/// timer, and GET /dev/retrieve_most_recent_object.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Directory for the store's data and the local wrapping key; survives restarts.
    #[arg(long, default_value = ".s3-latest-local")]
    data_dir: PathBuf,
    /// Address of the API (loopback only by default).
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
    #[arg(long, default_value = "s3-latest-local")]
    bucket: String,
    #[arg(long, default_value = DEFAULT_PREFIX)]
    prefix: String,
    /// API Gateway stage name, the first segment of the URL path.
    #[arg(long, default_value = "dev")]
    stage: String,
    /// `pointer` (a conditional GET of the pointer ingest keeps; `index` when
    /// it is unusable), `index` (one LIST) or `scan` (list every page).
    #[arg(long, default_value = "pointer")]
    strategy: LookupStrategy,
    /// Answer from memory for this long without asking the store whether the
    /// newest object changed (MAX_STALENESS_MS).
    #[arg(long, default_value_t = 0)]
    max_staleness_ms: u64,
    /// `buffered` (one payload, Lambda's 6 MB limit, as API Gateway's default
    /// integration) or `stream` (up to 200 MB, as a REST integration in
    /// STREAM mode) (RESPONSE_MODE).
    #[arg(long, default_value = "buffered")]
    response_mode: s3_latest::config::ResponseMode,
    /// Snapshot an http(s) URL instead of generating a JSON document.
    #[arg(long)]
    source_url: Option<s3_latest::config::Url>,
    /// Largest source body accepted (SOURCE_MAX_BYTES).
    #[arg(long, default_value_t = DEFAULT_SOURCE_MAX_BYTES)]
    source_max_bytes: u64,
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
        strategy: args.strategy,
        max_staleness: Duration::from_millis(args.max_staleness_ms),
        response_mode: args.response_mode,
        initial_ingest: !args.no_initial_ingest,
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
