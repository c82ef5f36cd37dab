//! ingest: take a snapshot, seal it under a fresh data key, write it at a
//! new key that no other object holds, and announce it.

pub mod publish;
pub mod source;
pub mod trigger;

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use rand::RngCore;
use serde::Serialize;

use self::publish::{EventPublisher, ObjectIngested, PublishError};
use self::source::{Fetch, Source, SourceError, SourceValidators};
use self::trigger::{Trigger, TriggerError};
use crate::config::IngestConfig;
use crate::envelope::{self, EnvelopeMetadata, Format};
use crate::keyring::{KeyError, KeyProvider};
use crate::object_key::snapshot_key;
use crate::store::{LookupStrategy, SnapshotStore, StoreError};

/// Fresh keys tried when a write finds its key taken (412/409) before giving up.
pub const MAX_WRITE_ATTEMPTS: u32 = 5;

/// Makes the key for the next write; injectable so tests can force collisions.
pub type KeyGenerator = Arc<dyn Fn(&str) -> String + Send + Sync>;

fn fresh_key(prefix: &str) -> String {
    snapshot_key(prefix, Utc::now(), rand::rng().next_u64())
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Written,
    /// The source answered "not modified": no object was written.
    Unchanged,
}

/// What one invocation did, returned as the function's JSON result.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    pub outcome: Outcome,
    pub trigger: Trigger,
    pub bucket: String,
    /// The key written, or for `unchanged` the newest key, if any.
    pub key: Option<String>,
    pub size: Option<u64>,
    pub content_type: Option<String>,
    pub write_attempts: u32,
    pub event_published: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Trigger(#[from] TriggerError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("no free key after {0} attempts")]
    KeyCollisions(u32),
    #[error("wrote {key} but could not announce it: {source}")]
    Publish { key: String, source: PublishError },
}

impl IngestError {
    /// A stable name for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        match self {
            IngestError::Trigger(_) => "InvalidEvent",
            IngestError::Source(SourceError::TooLarge { .. }) => "SourceTooLarge",
            IngestError::Source(_) => "SourceUnavailable",
            IngestError::Store(StoreError::Unavailable { .. }) => "StorageUnavailable",
            IngestError::Store(_) => "StorageError",
            IngestError::Key(KeyError::Unavailable { .. }) => "KeyServiceUnavailable",
            IngestError::Key(_) => "KeyServiceError",
            IngestError::KeyCollisions(_) => "KeyCollision",
            IngestError::Publish { .. } => "PublishFailed",
        }
    }
}

impl From<IngestError> for lambda_runtime::Diagnostic {
    fn from(err: IngestError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: err.error_type().to_owned(),
            error_message: err.to_string(),
        }
    }
}

pub struct Ingestor<K, P> {
    store: SnapshotStore,
    keys: K,
    publisher: P,
    source: Source,
    next_key: KeyGenerator,
    /// The encryption context's store identity (see [`Location::store_id`](crate::config::Location)).
    store_id: String,
    format: Format,
}

impl<K: KeyProvider, P: EventPublisher> Ingestor<K, P> {
    pub fn new(store: SnapshotStore, keys: K, publisher: P, config: &IngestConfig) -> Result<Self, SourceError> {
        let source = Source::new(&config.source, &config.function_version)?;
        Ok(Ingestor {
            store,
            keys,
            publisher,
            source,
            next_key: Arc::new(fresh_key),
            store_id: config.location.store_id.clone(),
            format: config.format,
        })
    }

    pub fn with_key_generator(mut self, next_key: KeyGenerator) -> Self {
        self.next_key = next_key;
        self
    }

    /// Handles one invocation. Every failure is an `Err`, so the invocation
    /// fails and EventBridge's retries and the dead-letter queue apply.
    #[tracing::instrument(skip_all)]
    pub async fn run(&self, event: &serde_json::Value) -> Result<IngestSummary, IngestError> {
        let trigger = trigger::parse(event)?;
        let trigger_kind = serde_json::to_value(&trigger)
            .ok()
            .and_then(|v| v["kind"].as_str().map(str::to_owned));
        let (previous_key, previous) = self.previous_validators().await?;

        let snapshot = match self
            .source
            .fetch(&previous, trigger_kind.as_deref().unwrap_or("unknown"))
            .await?
        {
            Fetch::Changed(snapshot) => snapshot,
            Fetch::Unchanged => {
                tracing::info!("source unchanged; nothing written");
                return Ok(IngestSummary {
                    outcome: Outcome::Unchanged,
                    trigger,
                    bucket: self.store.bucket().to_owned(),
                    key: previous_key,
                    size: None,
                    content_type: None,
                    write_attempts: 0,
                    event_published: false,
                });
            }
        };

        let (key, write_attempts) = self.write(&snapshot).await?;
        let size = snapshot.body.len() as u64;
        tracing::info!(%key, size, write_attempts, "snapshot written");
        let announcement = ObjectIngested {
            bucket: self.store.bucket().to_owned(),
            key: key.clone(),
            size,
            content_type: snapshot.content_type.clone(),
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        };
        let event_published = self
            .publisher
            .publish(&announcement)
            .await
            .map_err(|source| IngestError::Publish {
                key: key.clone(),
                source,
            })?;

        Ok(IngestSummary {
            outcome: Outcome::Written,
            trigger,
            bucket: announcement.bucket,
            key: Some(key),
            size: Some(size),
            content_type: Some(snapshot.content_type),
            write_attempts,
            event_published,
        })
    }

    /// The validators stored with the newest object, for a conditional fetch.
    async fn previous_validators(&self) -> Result<(Option<String>, SourceValidators), IngestError> {
        if !self.source.is_conditional() {
            return Ok((None, SourceValidators::default()));
        }
        let Some(newest) = self.store.newest(LookupStrategy::Index).await? else {
            return Ok((None, SourceValidators::default()));
        };
        let validators = match self.store.metadata(&newest.key).await {
            Ok(metadata) => SourceValidators::from_metadata(&metadata),
            Err(StoreError::NotFound) => SourceValidators::default(),
            Err(e) => return Err(e.into()),
        };
        Ok((Some(newest.key), validators))
    }

    /// Seals and writes under a fresh key, retrying with another key if one is
    /// taken. The context names the key, so each attempt needs its own data key.
    async fn write(&self, snapshot: &source::Snapshot) -> Result<(String, u32), IngestError> {
        for attempt in 1..=MAX_WRITE_ATTEMPTS {
            let key = (self.next_key)(self.store.prefix());
            let context = envelope::object_context(&self.store_id, &key);
            let wrap = self.keys.wrap_algorithm();
            let description = envelope::material_description(wrap, self.format, &context);
            let data_key = self.keys.generate_data_key(&description).await?;
            let (content, ciphertext) = envelope::seal(self.format, &data_key.plaintext, &snapshot.body);
            let metadata = EnvelopeMetadata {
                wrapped_key: data_key.wrapped,
                wrap,
                material_description: description,
                unencrypted_length: (content.format() == Format::V2).then_some(snapshot.body.len() as u64),
                content,
            };
            let mut metadata = metadata.to_s3_metadata();
            metadata.extend(snapshot.validators.to_metadata());
            match self
                .store
                .put_new(&key, ciphertext, &snapshot.content_type, metadata)
                .await
            {
                Ok(()) => return Ok((key, attempt)),
                Err(StoreError::AlreadyExists) => {
                    tracing::warn!(%key, attempt, "key already taken; trying a fresh one")
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(IngestError::KeyCollisions(MAX_WRITE_ATTEMPTS))
    }
}
