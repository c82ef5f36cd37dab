//! Handler CPU per warm request: the local runner (embedded store, REST
//! emulation, retrieve handler) under a loopback load generator. With the
//! newest object unchanged, each request is one LIST to the embedded store
//! and the handler's own work.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Throughput {
    pub clients: usize,
    pub seconds: f64,
    pub requests: u64,
    pub errors: u64,
    pub requests_per_second: f64,
}

pub async fn run(url: &str, clients: usize, duration: Duration) -> Throughput {
    let client = test_support::http_client();
    let (ok, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (client, url, ok, errors) = (client.clone(), url.to_owned(), ok.clone(), errors.clone());
        tasks.spawn(async move {
            while started.elapsed() < duration {
                let served = match client.get(&url).send().await {
                    Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                let tally = if served { &ok } else { &errors };
                tally.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    tasks.join_all().await;
    let seconds = started.elapsed().as_secs_f64();
    let requests = ok.load(Ordering::Relaxed);
    Throughput {
        clients,
        seconds,
        requests,
        errors: errors.load(Ordering::Relaxed),
        requests_per_second: requests as f64 / seconds,
    }
}
