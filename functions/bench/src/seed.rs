//! Loads N small objects into a bucket quickly, with a progress bar. Their
//! keys use the snapshot layout with write times long past, so the real
//! newest snapshot (written by ingest) stays newest.

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use s3_latest::object_key::snapshot_key;

/// Writes objects `from..to` (by index) with `concurrency` writers.
pub async fn seed(client: &aws_sdk_s3::Client, bucket: &str, prefix: &str, from: usize, to: usize, concurrency: usize) {
    if to <= from {
        return;
    }
    let bar = ProgressBar::new((to - from) as u64);
    bar.set_style(
        ProgressStyle::with_template("  seeding {pos:>7}/{len:7} [{bar:40}] {per_sec} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    let base = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let mut writers = tokio::task::JoinSet::new();
    let per_writer = (to - from).div_ceil(concurrency);
    for start in (from..to).step_by(per_writer.max(1)) {
        let end = (start + per_writer).min(to);
        let (client, bucket, prefix, bar) = (client.clone(), bucket.to_owned(), prefix.to_owned(), bar.clone());
        writers.spawn(async move {
            for i in start..end {
                let key = snapshot_key(&prefix, base + chrono::Duration::milliseconds(i as i64), i as u64);
                client
                    .put_object()
                    .bucket(&bucket)
                    .key(key)
                    .body(Bytes::from_static(b"seed").into())
                    .send()
                    .await
                    .expect("seed write");
                bar.inc(1);
            }
        });
    }
    writers.join_all().await;
    bar.finish_and_clear();
}
