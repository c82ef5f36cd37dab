//! Percentiles of a sample of durations, from an HDR histogram.

use std::time::Duration;

use hdrhistogram::Histogram;

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub samples: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub min_ms: f64,
}

/// Microseconds from 1 µs to an hour, to three significant digits (0.1%).
pub fn summarize(samples: Vec<Duration>) -> Summary {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
    for sample in &samples {
        histogram.saturating_record(u64::try_from(sample.as_micros()).unwrap_or(u64::MAX).max(1));
    }
    let ms = |micros: u64| {
        if samples.is_empty() {
            f64::NAN
        } else {
            micros as f64 / 1000.0
        }
    };
    Summary {
        samples: samples.len(),
        p50_ms: ms(histogram.value_at_quantile(0.50)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        min_ms: ms(histogram.min()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_sample() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let summary = summarize(samples);
        assert_eq!(summary.samples, 100);
        assert!((summary.p50_ms - 50.0).abs() < 0.1, "{summary:?}");
        assert!((summary.p99_ms - 99.0).abs() < 0.1, "{summary:?}");
        assert!((summary.min_ms - 1.0).abs() < 0.01, "{summary:?}");
        assert!(summarize(Vec::new()).p50_ms.is_nan());
    }
}
