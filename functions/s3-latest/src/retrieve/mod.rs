//! retrieve: find the newest object, decrypt it, serve it over HTTP.
//!
//! With the pointer (the default lookup, see [`crate::pointer`]), the warm
//! path while the newest object is unchanged is one conditional `GetObject`
//! of the pointer answered 304, and nothing else; within `MAX_STALENESS_MS`
//! of the last look, nothing at all. A new newest object costs the pointer's
//! `GetObject`, one `GetObject` of the body and one KMS `Decrypt`. Without a
//! usable pointer, one `ListObjectsV2` takes the pointer's place.

mod cache;
mod health;
mod http;
mod streamed;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

pub use self::cache::{DataKeyCache, NewestCache};
pub use self::health::{HEALTH_ROUTE, HealthVerdict};
pub use self::http::{ROUTE, route_matches};
pub use self::streamed::StreamedBody;
use crate::config::RetrieveConfig;
use crate::envelope::{self, EnvelopeError, EnvelopeMetadata, TAG_LEN};
use crate::keyring::{KeyError, KeyProvider};
use crate::pointer::{PointerReader, Read};
use crate::store::{LookupStrategy, ObjectSummary, SnapshotStore, StoreError};

/// The newest object, decrypted.
#[derive(Debug)]
pub struct Snapshot {
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

/// A strong, opaque entity tag for the listed object, from everything the
/// listing says about it: key, S3 ETag, LastModified and size. Keys are never
/// reused by ingest, and the rest covers objects written by others at a reused
/// key, so the tag changes exactly when the newest object does. (Some stores,
/// s3s-fs among them, list no ETag; the other fields still tell objects apart.)
pub fn entity_tag(summary: &ObjectSummary) -> String {
    let digest = Sha256::new()
        .chain_update(&summary.key)
        .chain_update([0])
        .chain_update(normalize_etag(&summary.etag))
        .chain_update([0])
        .chain_update(summary.last_modified.timestamp_millis().to_be_bytes())
        .chain_update(summary.size.to_be_bytes())
        .finalize();
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
    newest: NewestCache<Snapshot>,
    health: HealthVerdict,
    pointer: PointerReader,
    /// The last lookup's answer and when it started, for `MAX_STALENESS_MS`.
    looked_up: Mutex<Option<(Instant, Option<ObjectSummary>)>>,
}

impl<K: KeyProvider> Retriever<K> {
    pub fn new(store: SnapshotStore, keys: K, config: RetrieveConfig) -> Self {
        Retriever {
            data_keys: DataKeyCache::new(config.data_key_cache),
            health: HealthVerdict::new(config.health_cache),
            pointer: PointerReader::new(store.prefix()),
            looked_up: Mutex::new(None),
            store,
            keys,
            config,
            newest: NewestCache::default(),
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
            let looked_up = self.looked_up.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, newest)) = looked_up.as_ref()
                && started.saturating_duration_since(*at) < budget
            {
                return Ok(newest.clone());
            }
        }
        let newest = self.look_up().await?;
        if !budget.is_zero() {
            *self.looked_up.lock().unwrap_or_else(|p| p.into_inner()) = Some((started, newest.clone()));
        }
        Ok(newest)
    }

    /// The newest object, asked of S3 now. A pointer is trusted once its
    /// object has been read and authenticated (the body is needed for any
    /// GET anyway, and is then cached): one that names a gone or replaced
    /// object is dropped, and the listing answers.
    pub async fn look_up(&self) -> Result<Option<ObjectSummary>, RetrieveError> {
        if self.config.strategy == LookupStrategy::Pointer
            && let Read::Newest(summary) = self.pointer.read(&self.store).await
        {
            match self.load(&summary).await {
                Ok(_) => return Ok(Some(summary)),
                Err(RetrieveError::Store(StoreError::NotFound)) => self.pointer.distrust(&summary),
                Err(e) => return Err(e),
            }
        }
        Ok(self.store.newest(self.config.strategy).await?)
    }

    /// The decrypted object, from cache when it is still the one listed.
    pub async fn load(&self, summary: &ObjectSummary) -> Result<Arc<Snapshot>, RetrieveError> {
        let etag = entity_tag(summary);
        if let Some(snapshot) = self.newest.get(&etag) {
            return Ok(snapshot);
        }
        let object = self.store.get(&summary.key).await?;
        let listed = normalize_etag(&summary.etag);
        if let Some(read) = object.etag.as_deref().map(normalize_etag)
            && !listed.is_empty()
            && read != listed
        {
            // Replaced between LIST and GET: this body does not match the tag.
            return Err(StoreError::NotFound.into());
        }
        // The body's buffer is decrypted in place and becomes the snapshot.
        let body = self
            .open(&summary.key, &object.metadata, Vec::from(object.body))
            .await?;
        let snapshot = Arc::new(Snapshot {
            key: summary.key.clone(),
            last_modified: summary.last_modified,
            content_type: object.content_type.unwrap_or_else(|| "application/octet-stream".into()),
            etag,
            body: Bytes::from(body),
        });
        self.newest.put(snapshot.etag.clone(), snapshot.clone());
        Ok(snapshot)
    }

    async fn open(
        &self,
        key: &str,
        metadata: &std::collections::HashMap<String, String>,
        ciphertext: Vec<u8>,
    ) -> Result<Vec<u8>, RetrieveError> {
        let envelope = EnvelopeMetadata::from_s3_metadata(metadata)?;
        if envelope.wrap != self.keys.wrap_algorithm() {
            return Err(EnvelopeError::UnsupportedFormat {
                what: format!("wrapping `{}` with this key provider", envelope.wrap.as_str()),
            }
            .into());
        }
        let expected = envelope::object_context(&self.config.location.store_id, key);
        envelope.verify_context(&expected)?;

        // The description KMS (or the local key) will authenticate, rebuilt
        // from where the object was found; the cache answers only for exactly
        // this description, so a replayed object always reaches the key service.
        let description = envelope::material_description(envelope.wrap, envelope.format(), &expected);
        let now = Instant::now();
        let data_key = match self.data_keys.get(&envelope.wrapped_key, &description, now) {
            Some(cached) => cached,
            None => {
                let fresh = self.keys.decrypt_data_key(&envelope.wrapped_key, &description).await?;
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
        Ok(plaintext)
    }
}
