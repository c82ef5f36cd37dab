//! retrieve: find the newest object, decrypt it, serve it over HTTP.
//!
//! The listing decides which object is newest ([`lookup`]); the pointer only
//! tells a warm instance, with a 304, that nothing was written since. So the
//! warm path while nothing changes is one conditional `GetObject` of the
//! pointer and nothing else, plus one `ListObjectsV2` per instance every
//! `POINTER_AUDIT_SECONDS`; within `MAX_STALENESS_MS` of the last look,
//! nothing at all. A new newest object costs a LIST, one `GetObject` of the
//! body and one KMS `Decrypt`. The plaintext is kept while it stays the
//! newest, and proven against KMS again at every data-key TTL.

mod cache;
mod cors;
mod freshness;
mod health;
mod http;
mod lookup;
mod open;
mod streamed;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use self::cache::{
    CacheDecision, DataKeyCache, MAX_REMEMBERED_REFUSALS, NEGATIVE_CACHE_TTL, Proof, Refusals, SnapshotCache,
};
pub use self::cors::Cors;
use self::freshness::Freshness;
pub use self::health::{HEALTH_ROUTE, HealthVerdict, UNAUTHENTIC_OBJECT_METRIC};
pub use self::http::{CONTENT_SECURITY_POLICY, JSON_VIEW_ROUTE, ROUTE, route_matches};
pub use self::lookup::{POINTER_REFUSED_METRIC, Verdict, judge};
pub use self::streamed::StreamedBody;
use crate::config::RetrieveConfig;
use crate::envelope::{EnvelopeError, TAG_LEN};
use crate::keyring::{KeyError, KeyProvider};
use crate::pointer::PointerReader;
use crate::store::{Listing, ObjectSummary, SnapshotStore, StoreError};

/// How an object whose context binds no Content-Type is served.
pub const UNBOUND_CONTENT_TYPE: &str = "application/octet-stream";

/// How many objects one request may read that then fail authentication.
/// Each costs a GET (and at most one key-service call); each is remembered,
/// so a flood of them is worked through this many per request and instance,
/// answering 503 `UnauthenticObjects` meanwhile, and never read again.
pub const MAX_OPENS_PER_REQUEST: usize = 4;

/// The newest object, decrypted and authenticated: what retrieve serves.
#[derive(Debug)]
pub struct ServedSnapshot {
    pub key: String,
    pub last_modified: DateTime<Utc>,
    pub content_type: String,
    /// Strong HTTP entity tag, quotes included.
    pub etag: String,
    pub body: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum RetrieveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The newest genuine object is over the response limit (its metadata
    /// authenticated; its body was not read).
    #[error("the newest object needs {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    /// More objects that fail authentication sort before the newest
    /// snapshot than one request may read.
    #[error("more than {MAX_OPENS_PER_REQUEST} unauthentic objects sort before any snapshot found so far")]
    UnauthenticObjects,
}

/// Why an object could not be served, as remembered per entity tag.
#[derive(Debug, Clone)]
pub enum Failure {
    Key(KeyError),
    Envelope(EnvelopeError),
    TooLarge { size: u64, limit: u64 },
}

impl Failure {
    /// The object is not what ingest writes: it did not authenticate, is
    /// not encrypted, or is in a format or under a key not read here. Only
    /// bytes decide this, so it holds for good, and the object is skipped.
    fn unauthentic(err: &RetrieveError) -> Option<Failure> {
        match err {
            RetrieveError::Envelope(e) => Some(Failure::Envelope(e.clone())),
            RetrieveError::Key(e @ KeyError::InvalidCiphertext) => Some(Failure::Key(e.clone())),
            _ => None,
        }
    }

    /// The key service refused a genuine-looking object (a disabled key, a
    /// revoked grant), or it is too large: never a reason to serve an older
    /// object, and asking again at once would repeat it.
    fn lasting(err: &RetrieveError) -> Option<Failure> {
        match err {
            RetrieveError::Key(e @ KeyError::Refused { .. }) => Some(Failure::Key(e.clone())),
            RetrieveError::TooLarge { size, limit } => Some(Failure::TooLarge {
                size: *size,
                limit: *limit,
            }),
            _ => None,
        }
    }
}

impl From<Failure> for RetrieveError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Key(e) => RetrieveError::Key(e),
            Failure::Envelope(e) => RetrieveError::Envelope(e),
            Failure::TooLarge { size, limit } => RetrieveError::TooLarge { size, limit },
        }
    }
}

/// A strong, opaque entity tag for the listed object, from everything the
/// listing says about it: key, S3 ETag, LastModified and size. Keys are never
/// reused by ingest, and the rest covers objects written by others at a reused
/// key, so the tag changes exactly when the newest object does. (Some stores,
/// s3s-fs among them, list no ETag; the other fields still tell objects apart.)
pub fn entity_tag(summary: &ObjectSummary) -> String {
    let digest = crate::crypto::sha256(&[
        summary.key.as_bytes(),
        &[0],
        normalize_etag(&summary.etag).as_bytes(),
        &[0],
        &summary.last_modified.timestamp_millis().to_be_bytes(),
        &summary.size.to_be_bytes(),
    ]);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

fn normalize_etag(etag: &str) -> &str {
    etag.trim().trim_start_matches("W/").trim_matches('"')
}

/// Smallest plaintext an object of this stored size can hold.
pub(crate) fn plaintext_size(stored: u64) -> u64 {
    stored.saturating_sub(TAG_LEN as u64)
}

/// How a walk down the candidates ended.
enum Walk {
    Served(Arc<ServedSnapshot>, ObjectSummary),
    /// Every candidate was refused; the newest one's reason, if any.
    Exhausted {
        newest_refusal: Option<Failure>,
    },
    /// The request's reads are spent on objects that failed.
    OverBudget,
}

pub struct Retriever<K> {
    store: SnapshotStore,
    keys: K,
    config: RetrieveConfig,
    data_keys: DataKeyCache,
    snapshot: SnapshotCache<ServedSnapshot, Failure>,
    refusals: Refusals<Failure>,
    freshness: Freshness,
    health: HealthVerdict,
    pointer: PointerReader,
    cors: Cors,
}

impl<K: KeyProvider> Retriever<K> {
    pub fn new(store: SnapshotStore, keys: K, config: RetrieveConfig) -> Self {
        Retriever {
            data_keys: DataKeyCache::new(config.data_key_cache),
            health: HealthVerdict::new(config.health_cache),
            pointer: PointerReader::new(store.prefix()),
            freshness: Freshness::new(config.pointer_audit, config.max_staleness),
            cors: Cors::new(config.cors_allowed_origins.clone()),
            snapshot: SnapshotCache::new(config.data_key_cache.max_age),
            refusals: Refusals::default(),
            store,
            keys,
            config,
        }
    }

    pub fn config(&self) -> &RetrieveConfig {
        &self.config
    }

    /// The newest object that authenticates, decrypted; `None` when the
    /// prefix holds no object at all. Objects that fail authentication are
    /// skipped (and remembered); a store or key service that fails, or
    /// refuses a genuine-looking object, fails the request instead: that is
    /// never a reason to serve an older object.
    pub async fn newest_snapshot(&self) -> Result<Option<Arc<ServedSnapshot>>, RetrieveError> {
        let mut budget = MAX_OPENS_PER_REQUEST;
        let mut looked = self.look_up(false).await?;
        loop {
            match self.first_authentic(&looked.listing, &mut budget).await? {
                Walk::Served(snapshot, summary) => {
                    if let Some(pointer) = looked.pointer {
                        self.check_pointer(pointer, Some(&summary)).await;
                    }
                    return Ok(Some(snapshot));
                }
                Walk::OverBudget => return Err(RetrieveError::UnauthenticObjects),
                // What was remembered is spent: list past what was refused.
                Walk::Exhausted { .. } if looked.from_memory && !looked.listing.complete => {
                    looked = self.look_up(true).await?;
                }
                Walk::Exhausted { .. } if !looked.listing.complete => return Err(RetrieveError::UnauthenticObjects),
                Walk::Exhausted { newest_refusal } => return newest_refusal.map_or(Ok(None), |f| Err(f.into())),
            }
        }
    }

    /// The first candidate that authenticates, reading at most `budget`
    /// objects that do not.
    async fn first_authentic(&self, listing: &Listing, budget: &mut usize) -> Result<Walk, RetrieveError> {
        let mut newest_refusal = None;
        for summary in &listing.candidates {
            let identity = entity_tag(summary);
            if let Some(failure) = self.refusals.get(&identity) {
                newest_refusal.get_or_insert(failure);
                continue;
            }
            if *budget == 0 {
                return Ok(Walk::OverBudget);
            }
            match self.load(summary, &identity).await {
                Ok(snapshot) => return Ok(Walk::Served(snapshot, summary.clone())),
                Err(err) => match Failure::unauthentic(&err) {
                    Some(failure) => {
                        *budget -= 1;
                        self.refuse(summary, identity, &err, failure.clone());
                        newest_refusal.get_or_insert(failure);
                    }
                    None => return Err(err),
                },
            }
        }
        Ok(Walk::Exhausted { newest_refusal })
    }

    /// Remembers an object that failed authentication; the first time,
    /// logs it as a security event and counts it in the metric an alarm
    /// watches (`UnauthenticObject`).
    fn refuse(&self, summary: &ObjectSummary, identity: String, err: &RetrieveError, failure: Failure) {
        if self.refusals.refuse(identity, failure) {
            tracing::warn!(
                security_event = "unauthentic_object",
                key = %summary.key,
                size = summary.size,
                error = %err,
                "skipping an object that fails authentication; serving the newest that passes"
            );
            println!(
                "{}",
                health::count_metric(&self.config.location.bucket, UNAUTHENTIC_OBJECT_METRIC)
            );
        }
    }

    /// One listed object, decrypted and authenticated, whether or not it is
    /// the newest: what a check of every stored object reads them with.
    pub async fn open_listed(&self, summary: &ObjectSummary) -> Result<Arc<ServedSnapshot>, RetrieveError> {
        self.load(summary, &entity_tag(summary)).await
    }

    /// One candidate, decrypted: from the slot while it is proven within the
    /// data-key TTL, proven again past it, else read and opened. The size
    /// limit is checked before any read of the body.
    async fn load(&self, summary: &ObjectSummary, identity: &str) -> Result<Arc<ServedSnapshot>, RetrieveError> {
        let now = Instant::now();
        match self.snapshot.decide(identity, now) {
            CacheDecision::Serve(snapshot) => return Ok(snapshot),
            CacheDecision::Replay(failure) => return Err(failure.into()),
            CacheDecision::Reprove(snapshot, proof) => return self.reprove(identity, snapshot, proof).await,
            CacheDecision::Open => {}
        }
        let limit = self.config.response_max_bytes;
        let opened = if plaintext_size(summary.size) > limit {
            // Too large to serve, but is it ours? Its metadata alone says,
            // with one HEAD and the key service: junk never stands in for
            // the newest, not even as an error.
            self.authenticate_metadata(summary)
                .await
                .and(Err(RetrieveError::TooLarge {
                    size: plaintext_size(summary.size),
                    limit,
                }))
        } else {
            self.fetch(summary, identity).await
        };
        match opened {
            Ok((snapshot, proof)) => {
                self.snapshot.opened(identity.to_owned(), snapshot.clone(), proof);
                Ok(snapshot)
            }
            Err(err) => {
                if let Some(failure) = Failure::lasting(&err) {
                    self.snapshot.failed(identity.to_owned(), failure, now);
                }
                Err(err)
            }
        }
    }

    /// Asks the key service again for a held plaintext's data key, straight,
    /// not through the data-key cache (which may hold it a little longer).
    async fn reprove(
        &self,
        identity: &str,
        snapshot: Arc<ServedSnapshot>,
        proof: Proof,
    ) -> Result<Arc<ServedSnapshot>, RetrieveError> {
        let now = Instant::now();
        match self
            .keys
            .decrypt_data_key(proof.format, &proof.wrapped, &proof.description)
            .await
        {
            Ok(key) => {
                self.data_keys.insert(&proof.wrapped, &proof.description, key, now);
                self.snapshot.proven(identity, now);
                Ok(snapshot)
            }
            // KMS unreachable proves nothing either way: keep the plaintext
            // (no S3 re-read) and answer 503 until it answers.
            Err(err @ KeyError::Unavailable { .. }) => Err(err.into()),
            // A refusal is a revocation: drop the plaintext.
            Err(err) => {
                let err = RetrieveError::from(err);
                tracing::warn!(error = %err, key = %snapshot.key, "the cached snapshot's key no longer opens");
                let failure = Failure::lasting(&err).or_else(|| Failure::unauthentic(&err));
                if let Some(failure) = failure {
                    self.snapshot.failed(identity.to_owned(), failure, now);
                }
                Err(err)
            }
        }
    }
}
