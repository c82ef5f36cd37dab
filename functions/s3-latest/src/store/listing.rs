//! Who decides what is newest: the listing. The pointer (see
//! [`crate::pointer`]) is only ever a hint checked against it.

use aws_sdk_s3::operation::list_objects_v2::builders::ListObjectsV2FluentBuilder;

use super::{ObjectSummary, SnapshotStore, StoreError, summary_of};
use crate::object_key::written_at;

/// How retrieve finds the newest object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupStrategy {
    /// The pointer ingest keeps beside the prefix (see [`crate::pointer`]),
    /// read with `If-None-Match`; [`Index`](Self::Index) when it is missing,
    /// unreadable or stale. Only retrieve holds a pointer reader: to the
    /// store alone this is `Index`.
    Pointer,
    /// The first key of the newest-first layout in the listing: one
    /// `ListObjectsV2` (a small page), more only past keys of other names.
    Index,
    /// Every page of the listing, greatest `LastModified` (ties: greatest key).
    /// Works for objects of any naming, at one request per 1,000 objects.
    Scan,
}

impl std::str::FromStr for LookupStrategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pointer" => Ok(LookupStrategy::Pointer),
            "index" => Ok(LookupStrategy::Index),
            "scan" => Ok(LookupStrategy::Scan),
            other => Err(format!("expected `pointer`, `index` or `scan`, found `{other}`")),
        }
    }
}

/// Whether `a` is newer than `b` for the scan strategy: the later
/// `LastModified` wins; within one second (S3's resolution), the write time
/// our keys carry decides, and for other names the greater key.
pub fn is_newer(a: &ObjectSummary, b: &ObjectSummary, prefix: &str) -> bool {
    let rank = |o: &ObjectSummary| (o.last_modified.timestamp(), written_at(prefix, &o.key), o.key.clone());
    rank(a) > rank(b)
}

/// Keys per page of the index lookup: the first of our layout is normally
/// the first key, and a few stray ones cost no second request.
const INDEX_PAGE_KEYS: i32 = 8;

/// Whether `key` is one ingest writes: flat, under the prefix, newest first.
pub fn in_layout(prefix: &str, key: &str) -> bool {
    written_at(prefix, key).is_some() && !key[prefix.len()..].contains('/')
}

impl SnapshotStore {
    pub async fn newest(&self, strategy: LookupStrategy) -> Result<Option<ObjectSummary>, StoreError> {
        match strategy {
            LookupStrategy::Pointer | LookupStrategy::Index => self.newest_by_key_order().await,
            LookupStrategy::Scan => self.newest_by_scan().await,
        }
    }

    fn list_prefix(&self) -> ListObjectsV2FluentBuilder {
        self.client.list_objects_v2().bucket(&self.bucket).prefix(&self.prefix)
    }

    /// The first key of our layout. A stray key (`snapshots/readme.txt`,
    /// an operator's copy) is logged and skipped: served as the newest, it
    /// would fail to open on every request.
    async fn newest_by_key_order(&self) -> Result<Option<ObjectSummary>, StoreError> {
        let mut pages = self.list_prefix().max_keys(INDEX_PAGE_KEYS).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StoreError::from_sdk("ListObjectsV2", &e))?;
            for summary in page.contents().iter().filter_map(summary_of) {
                if in_layout(&self.prefix, &summary.key) {
                    return Ok(Some(summary));
                }
                tracing::warn!(key = %summary.key, "skipping a key outside the snapshot layout");
            }
        }
        Ok(None)
    }

    async fn newest_by_scan(&self) -> Result<Option<ObjectSummary>, StoreError> {
        let mut pages = self.list_prefix().into_paginator().send();
        let mut newest: Option<ObjectSummary> = None;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StoreError::from_sdk("ListObjectsV2", &e))?;
            for candidate in page.contents().iter().filter_map(summary_of) {
                if newest.as_ref().is_none_or(|n| is_newer(&candidate, n, &self.prefix)) {
                    newest = Some(candidate);
                }
            }
        }
        Ok(newest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_key::snapshot_key;
    use chrono::{DateTime, Duration, TimeZone, Utc};

    fn at(key: String, last_modified: DateTime<Utc>) -> ObjectSummary {
        ObjectSummary {
            key,
            etag: String::new(),
            last_modified,
            size: 1,
        }
    }

    #[test]
    fn scan_prefers_later_last_modified_then_the_write_time_in_the_key() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 22, 0, 0).unwrap();
        let older = at(snapshot_key("p/", t, 1), t + Duration::milliseconds(100));
        let newer = at(
            snapshot_key("p/", t + Duration::milliseconds(5), 2),
            t + Duration::milliseconds(200),
        );
        // Same LastModified second: our keys sort newest-first, so "greater key" would be wrong.
        assert!(newer.key < older.key);
        assert!(is_newer(&newer, &older, "p/"));
        assert!(!is_newer(&older, &newer, "p/"));

        let later_second = at(snapshot_key("p/", t - Duration::days(1), 3), t + Duration::seconds(1));
        assert!(is_newer(&later_second, &newer, "p/"), "LastModified comes first");

        let (a, b) = (at("p/report-a".into(), t), at("p/report-b".into(), t));
        assert!(is_newer(&b, &a, "p/"), "foreign names: greater key");
    }
}
