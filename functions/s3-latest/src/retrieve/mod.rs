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
mod health;
mod http;
mod lookup;
mod streamed;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use self::cache::{Cached, DataKeyCache, FailureCache, NEGATIVE_CACHE_TTL, NewestCache, Proof};
pub use self::cors::Cors;
pub use self::health::{HEALTH_ROUTE, HealthVerdict};
pub use self::http::{ROUTE, route_matches};
pub use self::lookup::{POINTER_REFUSED_METRIC, Verdict, judge};
pub use self::streamed::StreamedBody;
use crate::config::{CommitmentPolicy, RetrieveConfig};
use crate::envelope::{self, EnvelopeError, EnvelopeMetadata, Format, TAG_LEN};
use crate::keyring::{KeyError, KeyProvider};
use crate::pointer::PointerReader;
use crate::store::{ObjectSummary, SnapshotStore, StoreError};
use crate::sync::lock;

/// How an object whose context binds no Content-Type is served.
pub const UNBOUND_CONTENT_TYPE: &str = "application/octet-stream";

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
}

/// A failure to open an object that asking again at once would repeat:
/// kept briefly per entity tag (see [`NEGATIVE_CACHE_TTL`]).
#[derive(Debug, Clone)]
pub enum Failure {
    Key(KeyError),
    Envelope(EnvelopeError),
}

impl Failure {
    fn of(err: &RetrieveError) -> Option<Failure> {
        match err {
            RetrieveError::Envelope(e) => Some(Failure::Envelope(e.clone())),
            RetrieveError::Key(e @ (KeyError::Refused { .. } | KeyError::InvalidCiphertext)) => {
                Some(Failure::Key(e.clone()))
            }
            _ => None,
        }
    }
}

impl From<Failure> for RetrieveError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Key(e) => RetrieveError::Key(e),
            Failure::Envelope(e) => RetrieveError::Envelope(e),
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

pub struct Retriever<K> {
    store: SnapshotStore,
    keys: K,
    config: RetrieveConfig,
    data_keys: DataKeyCache,
    newest: NewestCache<ServedSnapshot>,
    failures: FailureCache<Failure>,
    health: HealthVerdict,
    pointer: PointerReader,
    listing: lookup::Listing,
    cors: Cors,
    /// The last lookup's answer and when it started, for `MAX_STALENESS_MS`.
    looked_up: Mutex<Option<(Instant, Option<ObjectSummary>)>>,
}

impl<K: KeyProvider> Retriever<K> {
    pub fn new(store: SnapshotStore, keys: K, config: RetrieveConfig) -> Self {
        Retriever {
            data_keys: DataKeyCache::new(config.data_key_cache),
            health: HealthVerdict::new(config.health_cache),
            pointer: PointerReader::new(store.prefix()),
            listing: lookup::Listing::new(config.pointer_audit),
            cors: Cors::new(config.cors_allowed_origins.clone()),
            looked_up: Mutex::new(None),
            newest: NewestCache::new(config.data_key_cache.max_age),
            failures: FailureCache::default(),
            store,
            keys,
            config,
        }
    }

    pub fn config(&self) -> &RetrieveConfig {
        &self.config
    }

    /// The newest object's listing entry, or `None` for an empty prefix:
    /// from memory within `MAX_STALENESS_MS` of the last lookup, else looked up.
    pub async fn newest(&self) -> Result<Option<ObjectSummary>, RetrieveError> {
        let budget = self.config.max_staleness;
        let started = Instant::now();
        if !budget.is_zero() {
            let looked_up = lock(&self.looked_up);
            if let Some((at, newest)) = looked_up.as_ref()
                && started.saturating_duration_since(*at) < budget
            {
                return Ok(newest.clone());
            }
        }
        let newest = self.look_up().await?;
        if !budget.is_zero() {
            *lock(&self.looked_up) = Some((started, newest.clone()));
        }
        Ok(newest)
    }

    /// The decrypted object, from cache when it is still the one listed and
    /// its key still opens. A failure to open it is replayed for a moment.
    pub async fn load(&self, summary: &ObjectSummary) -> Result<Arc<ServedSnapshot>, RetrieveError> {
        let etag = entity_tag(summary);
        let now = Instant::now();
        match self.newest.get(&etag, now) {
            Cached::Fresh(snapshot) => return Ok(snapshot),
            Cached::Unproven(snapshot, proof) => {
                // Straight to the key service: the data-key cache may hold
                // the key a little longer than this plaintext's proof.
                match self
                    .keys
                    .decrypt_data_key(proof.format, &proof.wrapped, &proof.description)
                    .await
                {
                    Ok(key) => {
                        self.data_keys.insert(&proof.wrapped, &proof.description, key, now);
                        self.newest.proven(&etag, now);
                        return Ok(snapshot);
                    }
                    // KMS unreachable proves nothing either way: keep the
                    // plaintext (no S3 re-read) and answer 503 until it
                    // answers. A refusal is a revocation: drop it.
                    Err(err @ KeyError::Unavailable { .. }) => return Err(err.into()),
                    Err(err) => {
                        self.newest.evict(&etag);
                        let err = RetrieveError::from(err);
                        tracing::warn!(error = %err, key = %summary.key, "the cached snapshot's key no longer opens");
                        if let Some(failure) = Failure::of(&err) {
                            self.failures.put(etag, now, failure);
                        }
                        return Err(err);
                    }
                }
            }
            Cached::Miss => {}
        }
        if let Some(failure) = self.failures.get(&etag, now) {
            return Err(failure.into());
        }
        match self.fetch(summary, &etag).await {
            Ok((snapshot, proof)) => {
                self.newest.put(etag, snapshot.clone(), proof, now);
                Ok(snapshot)
            }
            Err(err) => {
                if let Some(failure) = Failure::of(&err) {
                    self.failures.put(etag, now, failure);
                }
                Err(err)
            }
        }
    }

    async fn fetch(&self, summary: &ObjectSummary, etag: &str) -> Result<(Arc<ServedSnapshot>, Proof), RetrieveError> {
        // What the response limit lets through, and the tag: no more is read.
        let max_stored = self.config.response_max_bytes + TAG_LEN as u64;
        let object = self.store.get(&summary.key, max_stored).await?;
        let listed = normalize_etag(&summary.etag);
        if let Some(read) = object.etag.as_deref().map(normalize_etag)
            && !listed.is_empty()
            && read != listed
        {
            // Replaced between LIST and GET: this body does not match the tag.
            return Err(StoreError::NotFound.into());
        }
        // The body's buffer is decrypted in place and becomes the snapshot.
        let (body, content_type, proof) = self
            .open(
                &summary.key,
                &object.metadata,
                object.content_type.as_deref(),
                Vec::from(object.body),
            )
            .await?;
        let snapshot = Arc::new(ServedSnapshot {
            key: summary.key.clone(),
            last_modified: summary.last_modified,
            content_type,
            etag: etag.to_owned(),
            body: Bytes::from(body),
        });
        Ok((snapshot, proof))
    }
    /// Authenticates and decrypts one object; also returns the Content-Type
    /// to serve it with: the one its context binds, or, for an object that
    /// binds none (written by others, or before the binding), octet-stream,
    /// since the stored header is anyone's with `s3:PutObject`.
    async fn open(
        &self,
        key: &str,
        metadata: &std::collections::HashMap<String, String>,
        stored_content_type: Option<&str>,
        ciphertext: Vec<u8>,
    ) -> Result<(Vec<u8>, String, Proof), RetrieveError> {
        let envelope = EnvelopeMetadata::from_s3_metadata(metadata)?;
        if envelope.format() == Format::V2 && self.config.commitment_policy == CommitmentPolicy::RequireDecrypt {
            return Err(EnvelopeError::CommitmentRequired.into());
        }
        if envelope.wrap != self.keys.wrap_algorithm() {
            return Err(EnvelopeError::UnsupportedFormat {
                what: format!("wrapping `{}` with this key provider", envelope.wrap.as_str()),
            }
            .into());
        }
        let mut expected = envelope::object_context(&self.config.location.store_id, key);
        let bound = envelope
            .material_description
            .get(envelope::CONTEXT_CONTENT_TYPE)
            .cloned();
        if let Some(bound) = &bound {
            // The context (authenticated by the key service below) names a
            // type; the stored header must be that one.
            expected.insert(envelope::CONTEXT_CONTENT_TYPE.to_owned(), bound.clone());
        }
        envelope.verify_context(&expected)?;

        // The description KMS (or the local key) will authenticate, rebuilt
        // from where the object was found; the cache answers only for exactly
        // this description, so a replayed object always reaches the key service.
        let description = envelope::material_description(envelope.wrap, envelope.format(), &expected);
        let now = Instant::now();
        let data_key = match self.data_keys.get(&envelope.wrapped_key, &description, now) {
            Some(cached) => cached,
            None => {
                let fresh = self
                    .keys
                    .decrypt_data_key(envelope.format(), &envelope.wrapped_key, &description)
                    .await?;
                self.data_keys
                    .insert(&envelope.wrapped_key, &description, fresh.clone(), now);
                fresh
            }
        };
        let plaintext = envelope::open(&envelope.content, &data_key, ciphertext)?;
        if envelope
            .unencrypted_length
            .is_some_and(|len| len != plaintext.len() as u64)
        {
            return Err(EnvelopeError::MalformedMetadata {
                field: "x-amz-unencrypted-content-length",
            }
            .into());
        }
        let content_type = match bound {
            Some(bound) if stored_content_type == Some(bound.as_str()) => bound,
            Some(_) => return Err(EnvelopeError::ContentTypeMismatch.into()),
            None => UNBOUND_CONTENT_TYPE.to_owned(),
        };
        let proof = Proof {
            format: envelope.format(),
            wrapped: envelope.wrapped_key,
            description,
        };
        Ok((plaintext, content_type, proof))
    }
}
