//! Which objects may be the newest: the listing, under rules that cost no
//! request (the layout, the clock, the size), decides the candidates; only
//! their encryption can prove one genuine (see [`crate::retrieve`]). The
//! pointer (see [`crate::pointer`]) is only ever a hint checked against it.

use aws_sdk_s3::operation::list_objects_v2::builders::ListObjectsV2FluentBuilder;
use chrono::{DateTime, Utc};

use super::{ObjectSummary, SnapshotStore, StoreError, summary_of};
use crate::envelope::TAG_LEN;
use crate::object_key::{MAX_CLOCK_SKEW, listing_fence, written_at};

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

/// Keys in the index lookup's first page: the newest of our layout is
/// normally the first key, and a few others cost no second request.
const FIRST_PAGE_KEYS: i32 = 8;

/// What a listing found: the newest admissible objects, newest first, and
/// whether the listing was read to its end (nothing else lies beyond).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub candidates: Vec<ObjectSummary>,
    pub complete: bool,
}

/// Why a listed object is not a candidate, from what the listing alone says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inadmissible {
    /// Not a key ingest makes (flat, newest-first, exactly its shape).
    OutsideLayout,
    /// Its key says it was written more than [`MAX_CLOCK_SKEW`] from now.
    FromTheFuture,
    /// Stored more than [`MAX_CLOCK_SKEW`] before the time its key names:
    /// ingest never writes ahead of a trigger's time, so this was placed in
    /// advance (the next tick's key, claimed by someone else).
    WrittenAhead,
    /// Shorter than any sealed object (the GCM tag alone).
    TooShort,
}

/// Whether a listed object may be a snapshot of `prefix`'s layout at `now`.
/// The listing cannot prove an object genuine (only its encryption can),
/// but these rules cost nothing and stop what would otherwise pin "newest".
pub fn admissible(prefix: &str, object: &ObjectSummary, now: DateTime<Utc>) -> Result<(), Inadmissible> {
    let written = written_at(prefix, &object.key).ok_or(Inadmissible::OutsideLayout)?;
    if written > now + MAX_CLOCK_SKEW {
        return Err(Inadmissible::FromTheFuture);
    }
    // LastModified is S3's clock, the key's time ingest's: allow them to differ a little.
    if object.last_modified + MAX_CLOCK_SKEW + CLOCK_TOLERANCE < written {
        return Err(Inadmissible::WrittenAhead);
    }
    long_enough(object)
}

/// How far S3's clock (LastModified) may trail the writer's.
const CLOCK_TOLERANCE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// The rules of [`admissible`] for the scan strategy, whose objects may have
/// any name: only the size. (It ranks by LastModified, which S3 sets.)
fn long_enough(object: &ObjectSummary) -> Result<(), Inadmissible> {
    if object.size < TAG_LEN as u64 {
        return Err(Inadmissible::TooShort);
    }
    Ok(())
}

/// Whether `key` is one ingest writes: flat, under the prefix, newest first.
pub fn in_layout(prefix: &str, key: &str) -> bool {
    written_at(prefix, key).is_some()
}

impl SnapshotStore {
    /// The newest admissible object, for callers that do not open it.
    pub async fn newest(&self, strategy: LookupStrategy) -> Result<Option<ObjectSummary>, StoreError> {
        let listing = self.candidates(strategy, Utc::now(), 1, &|_| false).await?;
        Ok(listing.candidates.into_iter().next())
    }

    /// Admissible objects, newest first, until `want` of them are not
    /// `known_bad` (objects the caller has refused: listed, not counted).
    ///
    /// The layout lookups (index, pointer) cost at most two LISTs whatever
    /// lies under the prefix: they start after the key of `now` +
    /// [`MAX_CLOCK_SKEW`] (so far-future keys, and strays that sort before
    /// it, are skipped by S3 itself), read a first page of
    /// [`FIRST_PAGE_KEYS`], and only if that yields too few a second, full
    /// page. The scan reads every page, as it always has.
    pub async fn candidates(
        &self,
        strategy: LookupStrategy,
        now: DateTime<Utc>,
        want: usize,
        known_bad: &(dyn Fn(&ObjectSummary) -> bool + Sync),
    ) -> Result<Listing, StoreError> {
        match strategy {
            LookupStrategy::Pointer | LookupStrategy::Index => self.candidates_by_key_order(now, want, known_bad).await,
            LookupStrategy::Scan => self.candidates_by_scan(want, known_bad).await,
        }
    }

    fn list_prefix(&self) -> ListObjectsV2FluentBuilder {
        self.client.list_objects_v2().bucket(&self.bucket).prefix(&self.prefix)
    }

    async fn candidates_by_key_order(
        &self,
        now: DateTime<Utc>,
        want: usize,
        known_bad: &(dyn Fn(&ObjectSummary) -> bool + Sync),
    ) -> Result<Listing, StoreError> {
        let fence = listing_fence(&self.prefix, now + MAX_CLOCK_SKEW);
        let mut listing = Listing::default();
        let mut unknown = 0;
        let mut request = self.list_prefix().start_after(fence).max_keys(FIRST_PAGE_KEYS);
        for _ in 0..2 {
            let page = request
                .clone()
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("ListObjectsV2", &e))?;
            for object in page.contents().iter().filter_map(summary_of) {
                match admissible(&self.prefix, &object, now) {
                    // Kept, so the caller can answer with its refusal, but
                    // not counted: it costs the caller no read.
                    Ok(()) if known_bad(&object) => listing.candidates.push(object),
                    Ok(()) => {
                        listing.candidates.push(object);
                        unknown += 1;
                    }
                    Err(why) => tracing::warn!(key = %object.key, ?why, "skipping an object that cannot be a snapshot"),
                }
                if unknown >= want {
                    return Ok(listing);
                }
            }
            let Some(next) = page
                .next_continuation_token()
                .filter(|_| page.is_truncated() == Some(true))
            else {
                listing.complete = true;
                return Ok(listing);
            };
            // A second page, full: the first held strays or refused objects.
            request = self.list_prefix().continuation_token(next);
        }
        Ok(listing)
    }

    async fn candidates_by_scan(
        &self,
        want: usize,
        known_bad: &(dyn Fn(&ObjectSummary) -> bool + Sync),
    ) -> Result<Listing, StoreError> {
        let mut pages = self.list_prefix().into_paginator().send();
        let mut best: Vec<ObjectSummary> = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StoreError::from_sdk("ListObjectsV2", &e))?;
            for candidate in page.contents().iter().filter_map(summary_of) {
                if long_enough(&candidate).is_err() {
                    continue;
                }
                let at = best
                    .iter()
                    .position(|kept| is_newer(&candidate, kept, &self.prefix))
                    .unwrap_or(best.len());
                best.insert(at, candidate);
                // Keep refused ones ahead of the `want` newest others.
                let mut unknown = 0;
                best.retain(|kept| {
                    let keep = unknown < want;
                    if !known_bad(kept) {
                        unknown += 1;
                    }
                    keep
                });
            }
        }
        Ok(Listing {
            candidates: best,
            complete: true,
        })
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
    fn the_listing_admits_only_what_ingest_could_have_written() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 5, 0, 0).unwrap();
        let object = |written: DateTime<Utc>, stored: DateTime<Utc>, size| ObjectSummary {
            size,
            ..at(snapshot_key("p/", written, 1), stored)
        };
        assert_eq!(admissible("p/", &object(now, now, 16), now), Ok(()));
        assert_eq!(
            admissible("p/", &object(now + Duration::minutes(4), now, 16), now),
            Ok(()),
            "a manual trigger a little ahead"
        );
        assert_eq!(
            admissible("p/", &object(now - Duration::hours(20), now, 16), now),
            Ok(()),
            "a retry, a replica or a restore lands later than its time"
        );
        assert_eq!(
            admissible(
                "p/",
                &object(now + Duration::minutes(6), now + Duration::minutes(6), 16),
                now
            ),
            Err(Inadmissible::FromTheFuture)
        );
        assert_eq!(
            admissible("p/", &object(now, now - Duration::minutes(6), 16), now),
            Err(Inadmissible::WrittenAhead),
            "stored well before the time its key names"
        );
        assert_eq!(
            admissible("p/", &object(now, now, 15), now),
            Err(Inadmissible::TooShort)
        );
        assert_eq!(
            admissible("p/", &at("p/readme.txt".into(), now), now),
            Err(Inadmissible::OutsideLayout)
        );
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
