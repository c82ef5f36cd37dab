//! Percentiles of a sample of durations.

use std::time::Duration;

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub min_ms: f64,
}

pub fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let at = |q: f64| {
        let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(index).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN)
    };
    Summary {
        samples: samples.len(),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        min_ms: at(0.0),
    }
}
