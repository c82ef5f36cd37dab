//! The benchmark's outputs: a Markdown table on stdout (pasted into the
//! docs/performance.md) and a JSON file; the SVG chart is [`crate::chart`].

use std::fmt::Write;

use crate::Results;
use crate::retrieval::Cache;

const STRATEGIES: [&str; 3] = ["pointer", "index", "scan"];

/// A table with one row per bucket size and one column per strategy and cache state.
fn strategy_table(out: &mut String, sizes: &[usize], cell: impl Fn(usize, &str, Cache) -> String) {
    let _ = write!(out, "| objects |");
    for strategy in STRATEGIES {
        let _ = write!(out, " {strategy} cold | {strategy} warm |");
    }
    let _ = writeln!(out, "\n|---:|{}", "---:|".repeat(2 * STRATEGIES.len()));
    for &n in sizes {
        let _ = write!(out, "| {n} |");
        for strategy in STRATEGIES {
            let _ = write!(
                out,
                " {} | {} |",
                cell(n, strategy, Cache::Cold),
                cell(n, strategy, Cache::Warm)
            );
        }
        let _ = writeln!(out);
    }
}

pub fn markdown(r: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "S3 requests per retrieve (cold cache / warm cache; L = LIST, G = GET, of which 304 = answered Not Modified):\n"
    );
    strategy_table(&mut out, &r.sizes, |n, strategy, cache| {
        r.requests
            .iter()
            .find(|q| q.objects == n && q.strategy == strategy && q.cache == cache)
            .map(|q| {
                let not_modified = if q.not_modified > 0 {
                    format!(" ({} 304)", q.not_modified)
                } else {
                    String::new()
                };
                format!(
                    "{} ({}L+{}G{not_modified}, {} KMS)",
                    q.s3_requests, q.list_requests, q.get_requests, q.kms_decrypts
                )
            })
            .unwrap_or_default()
    });

    for rtt in [0, r.simulated_rtt_ms] {
        let what = if rtt == 0 {
            "embedded store as it is: s3s-fs walks and sorts every key on each LIST".to_owned()
        } else {
            format!(
                "simulated S3: {rtt} ms per GET-class request and {} ms per LIST, LIST answered from an ordered index",
                r.simulated_list_ms
            )
        };
        let _ = writeln!(
            out,
            "\nLatency per retrieve, p50 / p99 ms ({what}; samples in brackets):\n"
        );
        strategy_table(&mut out, &r.sizes, |n, strategy, cache| {
            r.latency
                .iter()
                .find(|l| l.objects == n && l.strategy == strategy && l.cache == cache && l.simulated_rtt_ms == rtt)
                .map(|l| match l.skipped_projected_ms {
                    Some(ms) => format!("skipped: ≈{:.0} s per request", ms / 1000.0),
                    None => format!(
                        "{:.1} / {:.1} [{}]",
                        l.summary.p50_ms, l.summary.p99_ms, l.summary.samples
                    ),
                })
                .unwrap_or_default()
        });
    }
    let _ = writeln!(
        out,
        "\nindex p50 at {} objects / at {} objects, {} ms RTT, warm: **{:.2}×** (target ≤ 1.2×)",
        r.sizes.last().unwrap_or(&0),
        r.sizes.first().unwrap_or(&0),
        r.simulated_rtt_ms,
        r.index_flatness
    );

    let ratios: Vec<String> = r
        .pointer_over_index_warm
        .iter()
        .map(|(n, ratio)| format!("{n}: **{ratio:.2}×**"))
        .collect();
    let _ = writeln!(
        out,
        "\npointer warm p50 / index warm p50, simulated S3, by objects: {} (target ≤ 1.0×)",
        ratios.join(", ")
    );

    for w in &r.warm_paths {
        let _ = writeln!(
            out,
            "\nWarm path, `{}`: {} retrieves of an unchanged object made {} LIST, {} GET ({} answered 304), {} KMS Decrypt; \
             the first retrieve after a new ingest made {} LIST, {} GET, {} KMS Decrypt.",
            w.strategy,
            w.unchanged_requests,
            w.unchanged.list_requests,
            w.unchanged.get_requests,
            w.unchanged.not_modified,
            w.unchanged.kms_decrypts,
            w.after_new_ingest.list_requests,
            w.after_new_ingest.get_requests,
            w.after_new_ingest.kms_decrypts
        );
    }

    let _ = writeln!(
        out,
        "\nCold start and footprint (release `bootstrap`, local Runtime API):\n"
    );
    let _ = writeln!(
        out,
        "| function | init p50 (min) ms | first response p50 ms | bootstrap | zip | peak RSS |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for c in &r.cold_starts {
        let _ = writeln!(
            out,
            "| {} | {:.1} ({:.1}) | {:.1} | {:.2} MB | {:.2} MB | {:.1} MB |",
            c.function,
            c.init.p50_ms,
            c.init.min_ms,
            c.first_response.p50_ms,
            c.bootstrap_bytes as f64 / 1e6,
            c.zip_bytes as f64 / 1e6,
            c.peak_rss_kib as f64 / 1024.0
        );
    }

    let t = &r.throughput;
    let _ = writeln!(
        out,
        "\nLocal runner under loopback load: {:.0} requests/s with {} clients over {:.0} s, {} errors.",
        t.requests_per_second, t.clients, t.seconds, t.errors
    );

    let l = &r.large_object;
    let _ = writeln!(
        out,
        "\nA large snapshot, streamed (`s3-latest-local --response-mode stream`, a fresh runner on 127.0.0.1):\n"
    );
    let _ = writeln!(
        out,
        "| size | served whole | time to first byte | all bytes | runner RSS idle | runner peak RSS | peak / size |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {:.0} MB | {} | {:.0} ms | {:.0} ms | {:.1} MB | {:.1} MB | **{:.2}×** |",
        l.bytes as f64 / 1e6,
        if l.served_whole { "yes" } else { "**no**" },
        l.ttfb_ms,
        l.total_ms,
        l.idle_rss_kib as f64 / 1024.0,
        l.peak_rss_kib as f64 / 1024.0,
        l.peak_over_size
    );

    let _ = writeln!(
        out,
        "\nCost per million retrievals, USD (Lambda ms: p50 under simulated S3; API Gateway REST $3.50, HTTP API $1.00 per million):\n"
    );
    let _ = writeln!(
        out,
        "| design | objects | LIST | GET | KMS | Lambda ms | S3 | KMS | Lambda 128 MB | total | + REST API | + HTTP API |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &r.costs {
        let _ = writeln!(
            out,
            "| {} | {} | {:.4} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.2} | **{:.2}** | **{:.2}** |",
            c.design,
            c.objects,
            c.list_requests,
            c.get_requests,
            c.kms_requests,
            c.duration_ms,
            c.s3_usd,
            c.kms_usd,
            c.lambda_usd,
            c.total_usd,
            c.with_rest_api_usd,
            c.with_http_api_usd
        );
    }
    out
}
