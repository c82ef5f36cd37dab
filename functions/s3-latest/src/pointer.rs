//! The pointer to the newest object: a small JSON document beside the
//! snapshot prefix (`snapshots/` → `snapshots.newest`) that describes the
//! newest object exactly as a listing would.
//!
//! S3 bills a `ListObjectsV2` at 12.5 times a `GetObject`. With the pointer,
//! a warm retrieve asks for it with `If-None-Match: <the ETag it holds>`, and
//! S3's 304 (one GET-class request) says nothing changed.
//!
//! * **Writers** (ingest) move it by compare-and-swap: `If-None-Match: *` for
//!   the first pointer, `If-Match: <the ETag read>` after, and only towards a
//!   newer key. Keys sort newest first, so "newer" is "smaller": the pointer
//!   names what the one-LIST index lookup would, and racing ingests can never
//!   move it backwards. An ingest whose pointer update fails fails, and its
//!   retry (which finds its object already written) moves the pointer.
//! * **Readers** (retrieve) use it as a hint, never as the answer: it says
//!   cheaply (a 304) that nothing was written, and when it changes the
//!   listing is asked what is newest (see [`crate::retrieve`]). Anyone with
//!   `s3:PutObject` can write it, so it can cost a reader a LIST, never make
//!   it serve an older snapshot.
//! * It lives beside the prefix, never under it, so no listing of snapshots
//!   sees it; an empty prefix has no "beside", and then there is no pointer.
//! * It carries nothing secret: a key, an ETag, a time and a size, all of
//!   which anyone allowed to list the prefix can see.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{ObjectSummary, Precondition, SnapshotStore, StoreError, in_layout};
use crate::sync::lock;

/// Appended to the snapshot prefix (less its `/`) to name the pointer.
pub const POINTER_SUFFIX: &str = ".newest";

/// The most a pointer read takes: a document is a key, an ETag, a time and
/// a size, a few hundred bytes.
pub const POINTER_MAX_BYTES: u64 = 4096;

/// The document's format version.
const VERSION: u32 = 1;

/// Compare-and-swap rounds before an ingest gives up: each lost round means
/// another ingest moved the pointer, so this bounds concurrent ingests, not
/// retries of one.
pub const MAX_ADVANCE_ATTEMPTS: u32 = 8;

/// Where the pointer for `prefix` lives, or `None` for an empty prefix.
pub fn pointer_key(prefix: &str) -> Option<String> {
    let base = prefix.strip_suffix('/').filter(|b| !b.is_empty())?;
    Some(format!("{base}{POINTER_SUFFIX}"))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    key: String,
    etag: String,
    last_modified_ms: i64,
    size: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PointerError {
    #[error("the pointer is not a pointer document")]
    Malformed,
    #[error("the pointer has format version {0}")]
    UnknownVersion(u32),
    #[error("the pointer names a key outside this prefix's layout")]
    ForeignKey,
}

/// The pointer document for `summary`.
pub fn encode(summary: &ObjectSummary) -> Vec<u8> {
    serde_json::to_vec(&Document {
        version: VERSION,
        key: summary.key.clone(),
        etag: summary.etag.clone(),
        last_modified_ms: summary.last_modified.timestamp_millis(),
        size: summary.size,
    })
    .expect("a pointer document serialises")
}

/// The summary a pointer document holds, if it is one and names a key of
/// this prefix's layout (the only keys ingest writes).
pub fn decode(prefix: &str, bytes: &[u8]) -> Result<ObjectSummary, PointerError> {
    let document: Document = serde_json::from_slice(bytes).map_err(|_| PointerError::Malformed)?;
    if document.version != VERSION {
        return Err(PointerError::UnknownVersion(document.version));
    }
    if !in_layout(prefix, &document.key) {
        return Err(PointerError::ForeignKey);
    }
    Ok(ObjectSummary {
        last_modified: Utc
            .timestamp_millis_opt(document.last_modified_ms)
            .single()
            .ok_or(PointerError::Malformed)?,
        key: document.key,
        etag: document.etag,
        size: document.size,
    })
}

/// A round that read nothing usable: the pointer moved, or was unreadable
/// for a moment (a body cut short); the next round reads it again.
fn lost_round(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::AlreadyExists | StoreError::Changed | StoreError::WriteInFlight | StoreError::Unavailable { .. }
    )
}

/// What [`advance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advance {
    /// The pointer now names the object.
    Moved { attempts: u32 },
    /// It already named this object or a newer one.
    AlreadyAhead,
}

/// What one round read at the pointer's key.
#[derive(Debug)]
enum Read {
    /// A document (usable or not), under this ETag.
    Found {
        held: Result<ObjectSummary, PointerError>,
        etag: Option<String>,
    },
    Absent,
    /// 403: S3's answer for a missing key to a caller without
    /// `s3:ListBucket`, so possibly absent.
    Refused(StoreError),
}

/// One round's decision: the whole of what [`advance`] decides, from what
/// it read and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// The pointer names this object already.
    Done,
    /// It names a newer key (newest first: a smaller one). Done if that
    /// object exists as described; if it does not (deleted, or never
    /// written: the pointer is only a description), write under `then`.
    UnlessNewerExists { newer: ObjectSummary, then: Precondition },
    /// Write under this precondition.
    Write(Precondition),
}

fn plan(read: &Read, summary: &ObjectSummary) -> Result<Plan, StoreError> {
    let matches = |etag: &Option<String>| {
        etag.clone()
            .map(Precondition::Matches)
            .ok_or_else(|| StoreError::Refused {
                operation: "GetObject",
                code: "MissingETag".into(),
            })
    };
    Ok(match read {
        Read::Found { held: Ok(held), .. } if held == summary => Plan::Done,
        Read::Found { held: Ok(held), etag } if held.key < summary.key => Plan::UnlessNewerExists {
            newer: held.clone(),
            then: matches(etag)?,
        },
        // An older object, or a document ingest never wrote: replace it.
        Read::Found { etag, .. } => Plan::Write(matches(etag)?),
        Read::Absent | Read::Refused(_) => Plan::Write(Precondition::Absent),
    })
}

async fn read(store: &SnapshotStore, pointer: &str) -> Result<Read, StoreError> {
    match store.get(pointer, POINTER_MAX_BYTES).await {
        Ok(current) => Ok(Read::Found {
            held: decode(store.prefix(), &current.body),
            etag: current.etag,
        }),
        Err(StoreError::NotFound) => Ok(Read::Absent),
        Err(refused @ StoreError::Refused { .. }) => Ok(Read::Refused(refused)),
        Err(e) => Err(e),
    }
}

/// Moves the pointer at `pointer` to `summary`'s object unless it names that
/// object or a newer one: [`plan`] under compare-and-swap. A round lost to
/// another writer (412, or 409 while its write is in flight), or a read
/// that failed for a moment, is played again.
pub async fn advance(store: &SnapshotStore, pointer: &str, summary: &ObjectSummary) -> Result<Advance, StoreError> {
    for attempt in 1..=MAX_ADVANCE_ATTEMPTS {
        let last = attempt == MAX_ADVANCE_ATTEMPTS;
        let read = match read(store, pointer).await {
            Err(e @ StoreError::Unavailable { .. }) if !last => {
                tracing::warn!(%pointer, attempt, error = %e, "the pointer could not be read; reading it again");
                continue;
            }
            read => read?,
        };
        if let Read::Found { held: Err(e), .. } = &read {
            tracing::warn!(%pointer, error = %e, "replacing an unreadable pointer");
        }
        let condition = match plan(&read, summary)? {
            Plan::Done => return Ok(Advance::AlreadyAhead),
            Plan::UnlessNewerExists { newer, then } => match names_a_real_object(store, &newer).await? {
                true => return Ok(Advance::AlreadyAhead),
                false => {
                    tracing::warn!(%pointer, key = %newer.key, "replacing a pointer to a missing object");
                    then
                }
            },
            Plan::Write(condition) => condition,
        };
        match write(store, pointer, summary, condition).await {
            Ok(()) => return Ok(Advance::Moved { attempts: attempt }),
            Err(e) if lost_round(&e) && !last => {
                tracing::info!(%pointer, attempt, "the pointer moved under this write; reading it again");
                tokio::time::sleep(Duration::from_millis(rand::random_range(10..40) * u64::from(attempt))).await;
            }
            Err(e) => {
                return Err(match (read, e) {
                    // A refused read whose creation kept meeting an object:
                    // the refusal was real (the pointer exists, unreadable).
                    (Read::Refused(refused), StoreError::AlreadyExists | StoreError::WriteInFlight) => refused,
                    (_, e) => e,
                });
            }
        }
    }
    Err(StoreError::WriteInFlight)
}

/// Whether `held` describes an object that exists, at that version.
async fn names_a_real_object(store: &SnapshotStore, held: &ObjectSummary) -> Result<bool, StoreError> {
    match store.summary(&held.key).await {
        Ok(listed) => Ok(listed == *held),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn write(
    store: &SnapshotStore,
    pointer: &str,
    summary: &ObjectSummary,
    condition: Precondition,
) -> Result<(), StoreError> {
    store
        .put(pointer, encode(summary), "application/json", HashMap::new(), condition)
        .await
}

/// A reader's view of the pointer: what it last read and under which ETag,
/// so that the next read is a conditional GET.
pub struct PointerReader {
    key: Option<String>,
    held: Mutex<Option<(String, ObjectSummary)>>,
    /// Whether the last read fell back, so a lasting fallback (a bucket
    /// written before pointers, a standby region the pointer is not
    /// replicated to) is logged once, not per request.
    falling_back: AtomicBool,
}

/// What a read of the pointer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointerRead {
    /// The pointer document, under this S3 ETag, names this object.
    Names { etag: String, summary: ObjectSummary },
    /// No usable pointer: look the newest object up another way.
    FallBack,
}

impl PointerRead {
    /// The pointer's own ETag: what changes whenever anyone writes it.
    pub fn etag(&self) -> Option<&str> {
        match self {
            PointerRead::Names { etag, .. } => Some(etag),
            PointerRead::FallBack => None,
        }
    }
}

impl PointerReader {
    pub fn new(prefix: &str) -> Self {
        PointerReader {
            key: pointer_key(prefix),
            held: Mutex::new(None),
            falling_back: AtomicBool::new(false),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, Option<(String, ObjectSummary)>> {
        lock(&self.held)
    }

    /// Reads the pointer, conditionally on the ETag held: a 304 answers from
    /// what was read before. Any failure (missing, refused, unreadable, or a
    /// store that did not answer after the SDK's retries) falls back: the
    /// listing may still answer, and if the store is down it fails there.
    pub async fn read(&self, store: &SnapshotStore) -> PointerRead {
        let Some(key) = &self.key else {
            return PointerRead::FallBack;
        };
        let held_etag = self.held().as_ref().map(|(etag, _)| etag.clone());
        let found = match store.get_if_changed(key, held_etag.as_deref(), POINTER_MAX_BYTES).await {
            Ok(None) => {
                let held = self.held().clone();
                match held {
                    Some((etag, summary)) => return self.using(etag, summary),
                    // Forgotten meanwhile (a fallback): read it whole.
                    None => store.get(key, POINTER_MAX_BYTES).await.map(Some),
                }
            }
            found => found,
        };
        match found {
            Ok(Some(object)) => match (decode(store.prefix(), &object.body), object.etag) {
                (Ok(summary), Some(etag)) => {
                    *self.held() = Some((etag.clone(), summary.clone()));
                    self.using(etag, summary)
                }
                (Ok(_), None) => self.fall_back("the pointer has no ETag"),
                (Err(e), _) => self.fall_back(&e.to_string()),
            },
            Ok(None) => self.fall_back("the pointer is missing"),
            Err(StoreError::NotFound) => self.fall_back("the pointer is missing"),
            Err(e) => self.fall_back(&e.to_string()),
        }
    }

    fn using(&self, etag: String, summary: ObjectSummary) -> PointerRead {
        if self.falling_back.swap(false, Ordering::Relaxed) {
            tracing::info!(key = %summary.key, "the pointer is usable again");
        }
        PointerRead::Names { etag, summary }
    }

    fn fall_back(&self, why: &str) -> PointerRead {
        *self.held() = None;
        if !self.falling_back.swap(true, Ordering::Relaxed) {
            tracing::warn!(why, "no usable pointer to the newest object; listing instead");
        }
        PointerRead::FallBack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_key::snapshot_key;

    fn summary(key: String) -> ObjectSummary {
        ObjectSummary {
            key,
            etag: "\"e\"".into(),
            last_modified: Utc.timestamp_millis_opt(1_764_000_000_123).unwrap(),
            size: 42,
        }
    }

    #[test]
    fn a_round_plans_from_what_it_read_alone() {
        let older = summary(snapshot_key("p/", Utc::now() - chrono::Duration::minutes(5), 1));
        let this = summary(snapshot_key("p/", Utc::now(), 2));
        let newer = summary(snapshot_key("p/", Utc::now() + chrono::Duration::minutes(1), 3));
        let found = |held: Result<ObjectSummary, PointerError>| Read::Found {
            held,
            etag: Some("\"pe\"".into()),
        };
        let over = Precondition::Matches("\"pe\"".into());
        assert_eq!(plan(&found(Ok(this.clone())), &this).unwrap(), Plan::Done);
        assert_eq!(
            plan(&found(Ok(newer.clone())), &this).unwrap(),
            Plan::UnlessNewerExists {
                newer,
                then: over.clone()
            }
        );
        assert_eq!(plan(&found(Ok(older)), &this).unwrap(), Plan::Write(over.clone()));
        assert_eq!(
            plan(&found(Err(PointerError::Malformed)), &this).unwrap(),
            Plan::Write(over)
        );
        assert_eq!(plan(&Read::Absent, &this).unwrap(), Plan::Write(Precondition::Absent));
        let refused = StoreError::Refused {
            operation: "GetObject",
            code: "AccessDenied".into(),
        };
        assert_eq!(
            plan(&Read::Refused(refused), &this).unwrap(),
            Plan::Write(Precondition::Absent)
        );
        // A pointer read without an ETag cannot be swapped: never written blind.
        let blind = Read::Found {
            held: Ok(summary(snapshot_key("p/", Utc::now() - chrono::Duration::hours(1), 4))),
            etag: None,
        };
        assert!(matches!(plan(&blind, &this), Err(StoreError::Refused { .. })));
    }

    #[test]
    fn the_pointer_lives_beside_the_prefix() {
        assert_eq!(pointer_key("snapshots/").as_deref(), Some("snapshots.newest"));
        assert_eq!(pointer_key("a/b/").as_deref(), Some("a/b.newest"));
        assert_eq!(pointer_key(""), None);
        assert!(!pointer_key("snapshots/").unwrap().starts_with("snapshots/"));
    }

    #[test]
    fn a_pointer_round_trips_and_rejects_what_ingest_never_writes() {
        let s = summary(snapshot_key("p/", Utc::now(), 7));
        assert_eq!(decode("p/", &encode(&s)), Ok(s.clone()));

        assert_eq!(decode("p/", b"{not json"), Err(PointerError::Malformed));
        let mut doc: serde_json::Value = serde_json::from_slice(&encode(&s)).unwrap();
        doc["version"] = 2.into();
        assert_eq!(
            decode("p/", doc.to_string().as_bytes()),
            Err(PointerError::UnknownVersion(2))
        );
        for foreign in ["q/x", "p/report.csv", "../etc"] {
            let mut doc: serde_json::Value = serde_json::from_slice(&encode(&s)).unwrap();
            doc["key"] = foreign.into();
            assert_eq!(decode("p/", doc.to_string().as_bytes()), Err(PointerError::ForeignKey));
        }
        let nested = format!("{}/x", s.key);
        let mut doc: serde_json::Value = serde_json::from_slice(&encode(&s)).unwrap();
        doc["key"] = nested.into();
        assert_eq!(decode("p/", doc.to_string().as_bytes()), Err(PointerError::ForeignKey));
    }
}
