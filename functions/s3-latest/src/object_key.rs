//! The object key layout that makes "newest" a single `ListObjectsV2` call.
//!
//! S3 lists keys in ascending UTF-8 byte order, so a key that starts with an
//! *inverted* timestamp sorts newer objects first:
//!
//! ```text
//! snapshots/18446742278409111492-20261121T223400.123Z-9f3a0c7d1e2b4a68
//! └prefix──┘└u64::MAX - epoch_ms┘ └readable UTC time─┘ └─trigger tag──┘
//! ```
//!
//! * the time is the trigger's (the scheduled tick, the manual event's time),
//!   not the clock at write time, so every retry of one trigger computes the
//!   same key;
//! * the inverted timestamp is 20 digits wide, zero-padded, so byte order is
//!   numeric order;
//! * the readable time is for humans and never parsed for ordering;
//! * the suffix is the first 64 bits of the trigger's keyed tag
//!   ([`Tagged::Trigger`](crate::keyring::Tagged), HMAC-SHA-256 under a key
//!   only ingest may use): it keeps two triggers in the same millisecond
//!   apart, and it makes the key of a trigger to come unknowable to anyone
//!   else. Were it a plain digest, a writer could compute the next tick's key
//!   (its time is public) and take it first, and ingest, writing create-only,
//!   could never write that tick.
//!
//! Keys are flat: nothing after the prefix contains `/`.

use chrono::{DateTime, TimeZone, Utc};

use crate::keyring::Tag;

/// Width of the zero-padded inverted timestamp: `u64::MAX` has 20 digits.
const INVERTED_WIDTH: usize = 20;

/// Builds the key for an object written at `written_at`.
pub fn snapshot_key(prefix: &str, written_at: DateTime<Utc>, suffix: u64) -> String {
    // Timestamps before 1970 cannot come from a clock we trust; clamp rather than wrap.
    let epoch_ms = u64::try_from(written_at.timestamp_millis()).unwrap_or(0);
    let inverted = u64::MAX - epoch_ms;
    format!(
        "{prefix}{inverted:0width$}-{readable}-{suffix:016x}",
        width = INVERTED_WIDTH,
        readable = written_at.format("%Y%m%dT%H%M%S%.3fZ"),
    )
}

/// The one key a trigger may write, from its time and tag: retries of it
/// compute the same key.
pub fn trigger_key(prefix: &str, time: DateTime<Utc>, tag: &Tag) -> String {
    let mut suffix = [0u8; 8];
    suffix.copy_from_slice(&tag[..8]);
    snapshot_key(prefix, time, u64::from_be_bytes(suffix))
}

/// Where the receipt of `key`'s announcement lives: beside the snapshot
/// prefix, never under it (`snapshots/…` → `snapshots.announced/…`), so no
/// listing of snapshots sees a receipt. `None` for an empty prefix, which has
/// no "beside".
pub fn receipt_key(prefix: &str, key: &str) -> Option<String> {
    let name = key.strip_prefix(prefix)?;
    let base = prefix.strip_suffix('/').filter(|b| !b.is_empty())?;
    Some(format!("{base}{RECEIPT_SUFFIX}{name}"))
}

/// Appended to the snapshot prefix (less its `/`) to name the receipts' prefix.
pub const RECEIPT_SUFFIX: &str = ".announced/";

/// How far ahead of the clock a write time may be. ingest refuses a trigger
/// further ahead, and the listing skips a key further ahead: a far-future
/// time would sort before every later snapshot and pin "newest" until then.
pub const MAX_CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Recovers the write time from a key made by [`snapshot_key`], or `None` for
/// a key of any other shape. Strict: the key must be exactly what
/// [`snapshot_key`] makes of that time and suffix (readable part included),
/// so no other name passes as one of ours.
pub fn written_at(prefix: &str, key: &str) -> Option<DateTime<Utc>> {
    let rest = key.strip_prefix(prefix)?;
    let digits = rest.get(..INVERTED_WIDTH)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || rest.as_bytes().get(INVERTED_WIDTH) != Some(&b'-') {
        return None;
    }
    let inverted: u64 = digits.parse().ok()?;
    let epoch_ms = i64::try_from(u64::MAX - inverted).ok()?;
    let time = Utc.timestamp_millis_opt(epoch_ms).single()?;
    let suffix = rest.get(rest.len().checked_sub(SUFFIX_WIDTH)?..)?;
    if !suffix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let suffix = u64::from_str_radix(suffix, 16).ok()?;
    (snapshot_key(prefix, time, suffix) == key).then_some(time)
}

/// The smallest key a listing may start after to skip every key whose write
/// time is later than `latest`: keys sort newest first, so those are exactly
/// the keys below this one. Strays that sort before it (`!x`, `0-x`) are
/// skipped by S3 too, at no cost.
pub fn listing_fence(prefix: &str, latest: DateTime<Utc>) -> String {
    let epoch_ms = u64::try_from(latest.timestamp_millis()).unwrap_or(0);
    format!("{prefix}{:0width$}", u64::MAX - epoch_ms, width = INVERTED_WIDTH)
}

/// Width of the hex suffix.
const SUFFIX_WIDTH: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn newer_objects_sort_first_in_s3_byte_order() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 21, 22, 34, 0).unwrap();
        let times = [
            t0,
            t0 + Duration::milliseconds(1),
            t0 + Duration::days(4000),
            t0 - Duration::days(20000),
        ];
        let mut keys: Vec<_> = times.iter().map(|t| snapshot_key("snapshots/", *t, 7)).collect();
        keys.sort();
        let order: Vec<_> = keys.iter().map(|k| written_at("snapshots/", k).unwrap()).collect();
        let mut expected = times.to_vec();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(order, expected);
    }

    #[test]
    fn key_is_flat_fixed_width_and_round_trips() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 22, 34, 0).unwrap() + Duration::milliseconds(123);
        let key = snapshot_key("snapshots/", t, 0x9f3a);
        assert_eq!(
            key,
            "snapshots/18446742278409111492-20261121T223400.123Z-0000000000009f3a"
        );
        assert!(!key["snapshots/".len()..].contains('/'));
        assert_eq!(written_at("snapshots/", &key), Some(t));
    }

    #[test]
    fn receipts_live_beside_the_prefix_never_under_it() {
        let key = "snapshots/18446742278409111492-20261121T223400.123Z-0000000000009f3a";
        let receipt = receipt_key("snapshots/", key).unwrap();
        assert_eq!(
            receipt,
            "snapshots.announced/18446742278409111492-20261121T223400.123Z-0000000000009f3a"
        );
        assert!(!receipt.starts_with("snapshots/"));
        assert_eq!(receipt_key("", "x"), None, "an empty prefix has no beside");
        assert_eq!(receipt_key("snapshots/", "other/x"), None);
    }

    #[test]
    fn foreign_keys_have_no_write_time() {
        assert_eq!(written_at("snapshots/", "snapshots/report.json"), None);
        assert_eq!(written_at("snapshots/", "other/18446742278409111492-x"), None);
        // Our digits, anything after them: not ours.
        let genuine = "snapshots/18446742278409111492-20261121T223400.123Z-0000000000009f3a";
        assert!(written_at("snapshots/", genuine).is_some());
        for stray in [
            "snapshots/18446742278409111492-x",
            "snapshots/18446742278409111492-20261121T223400.124Z-0000000000009f3a",
            "snapshots/18446742278409111492-20261121T223400.123Z-0000000000009F3A",
            "snapshots/18446742278409111492-20261121T223400.123Z-0000000000009f3a.bak",
            "snapshots/18446742278409111492-20261121T223400.123Z-9f3a",
        ] {
            assert_eq!(written_at("snapshots/", stray), None, "{stray}");
        }
    }

    #[test]
    fn the_fence_skips_exactly_the_keys_written_later_than_it() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 4, 0, 0).unwrap();
        let fence = listing_fence("snapshots/", now);
        let at = |t| snapshot_key("snapshots/", t, u64::MAX);
        assert!(at(now) > fence, "a key at the fence's time is kept");
        assert!(at(now - Duration::milliseconds(1)) > fence);
        assert!(at(now + Duration::milliseconds(1)) < fence, "a later key is skipped");
        assert!(at(now + Duration::days(365 * 70)) < fence);
        assert!("snapshots/!stray" < fence.as_str());
        assert!("snapshots/0-stray" < fence.as_str());
        assert!("snapshots/readme.txt" > fence.as_str(), "sorts after every snapshot");
    }
}
