//! ingest: take a snapshot, seal it under a fresh data key, write it at the
//! one key its trigger may write, and announce it.
//!
//! Triggers arrive at least once: the Scheduler and EventBridge retry, async
//! Lambda invocations retry twice, and a timed-out invocation whose write did
//! land is retried anyway. The key is derived from the trigger's
//! [`Identity`](trigger::Identity) and its keyed tag, and written with
//! `If-None-Match: *`, so every delivery of one trigger contends for the same
//! key: one writes, the others find the object and report `already_ingested`
//! once it proves to be the trigger's (see [`claim`]). Once written, the object becomes the pointer's
//! (see [`crate::pointer`]) unless a newer one already is. An empty receipt
//! beside the prefix records that an object was announced, so a redelivery
//! announces it only when its writer could not; a redelivery moves the
//! pointer too, so a failed pointer update is repaired by the retry.

mod announce;
mod claim;
pub mod publish;
pub mod redirect;
pub mod resolve;
pub mod source;
pub mod trigger;

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use self::publish::{EventPublisher, ObjectIngested, PublishError};
use self::source::{Fetch, Source, SourceError, SourceValidators};
use self::trigger::{Trigger, TriggerError};
use crate::config::IngestConfig;
use crate::envelope::{self, EnvelopeError, EnvelopeMetadata, Format};
use crate::keyring::{KeyError, KeyProvider, Tagged, TriggerTags};
use crate::object_key::trigger_key;
use crate::pointer::{self, Advance};
use crate::store::{LookupStrategy, SnapshotStore, StoreError};

/// The user metadata that marks an object as ingest's own: the hex of its
/// keyed tag over the key, the content type and the wrapped data key
/// ([`Tagged::Object`]), which only ingest can compute.
pub const TRIGGER_METADATA: &str = "s3-latest-trigger";

/// How long a found object without an announcement receipt is left to the
/// delivery that wrote it: that writer is still publishing (PutEvents, then
/// the receipt: two calls of at most 10 s each as deployed), or it failed and
/// will be retried, which Lambda does a minute later at the earliest.
pub const ANNOUNCE_GRACE: Duration = Duration::from_secs(30);

/// PutObject attempts while S3 reports a concurrent conditional write to the
/// same key (409): another delivery of this trigger is mid-write.
pub const MAX_WRITE_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Written,
    /// The source answered "not modified": no object was written.
    Unchanged,
    /// Another delivery of this trigger wrote its object already: nothing
    /// was written, and the object was announced only if its writer's
    /// announcement left no receipt (see `event_published`).
    AlreadyIngested,
}

/// What one invocation did, returned as the function's JSON result.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    pub outcome: Outcome,
    pub trigger: Trigger,
    pub bucket: String,
    /// The key written (or found, for `already_ingested`), or for
    /// `unchanged` the newest key, if any.
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
    #[error("could not encrypt the snapshot: {0}")]
    Seal(#[from] EnvelopeError),
    #[error("{key} holds an object that is not this trigger's")]
    KeyTaken { key: String },
    #[error("{key} stayed contended by a concurrent write after {attempts} attempts")]
    WriteConflict { key: String, attempts: u32 },
    #[error("wrote {key} but could not make it the pointer's: {source}")]
    Pointer { key: String, source: StoreError },
    #[error("wrote {key} but could not announce it: {source}")]
    Publish { key: String, source: PublishError },
    #[error("the invocation did not finish within its {budget_ms} ms budget")]
    DeadlineExceeded { budget_ms: u64 },
}

impl IngestError {
    /// A stable name for alarms and dead-letter triage.
    pub fn error_type(&self) -> &'static str {
        match self {
            IngestError::Trigger(_) => "InvalidEvent",
            IngestError::Source(SourceError::TooLarge { .. }) => "SourceTooLarge",
            IngestError::Source(SourceError::Redirect(_)) => "SourceRedirectRefused",
            IngestError::Source(_) => "SourceUnavailable",
            IngestError::Store(StoreError::Unavailable { .. }) => "StorageUnavailable",
            IngestError::Store(_) => "StorageError",
            IngestError::Key(KeyError::Unavailable { .. }) => "KeyServiceUnavailable",
            IngestError::Key(_) => "KeyServiceError",
            IngestError::Seal(_) => "EncryptionFailed",
            IngestError::KeyTaken { .. } => "KeyCollision",
            IngestError::WriteConflict { .. } => "WriteConflict",
            IngestError::Pointer { .. } => "PointerUpdateFailed",
            IngestError::Publish { .. } => "PublishFailed",
            IngestError::DeadlineExceeded { .. } => "DeadlineExceeded",
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
    /// The encryption context's store identity (see [`Location::store_id`](crate::config::Location)).
    store_id: String,
    format: Format,
    announce_grace: Duration,
}

impl<K: KeyProvider + TriggerTags, P: EventPublisher> Ingestor<K, P> {
    pub fn new(store: SnapshotStore, keys: K, publisher: P, config: &IngestConfig) -> Result<Self, SourceError> {
        let source = Source::new(&config.source, &config.function_version)?;
        Ok(Ingestor {
            store,
            keys,
            publisher,
            source,
            store_id: config.location.store_id.clone(),
            format: config.format,
            announce_grace: ANNOUNCE_GRACE,
        })
    }

    /// Replaces [`ANNOUNCE_GRACE`] (tests retry at once, not a minute later).
    pub fn with_announce_grace(mut self, grace: Duration) -> Self {
        self.announce_grace = grace;
        self
    }

    /// [`run`](Self::run), failing with `DeadlineExceeded` once `budget` has
    /// passed: the invocation fails on its own terms, before Lambda's timeout
    /// kills it, so the error type reaches the retry and the dead-letter queue.
    /// Whatever was in flight is dropped; a PutObject lands whole or not at
    /// all, and a retry finds it either way.
    pub async fn run_within(&self, event: &serde_json::Value, budget: Duration) -> Result<IngestSummary, IngestError> {
        // Boxed: the whole invocation's state machine is large, and nesting it
        // unboxed in the runtime's futures overflows rustc's layout depth.
        tokio::time::timeout(budget, Box::pin(self.run(event)))
            .await
            .unwrap_or(Err(IngestError::DeadlineExceeded {
                budget_ms: budget.as_millis() as u64,
            }))
    }

    /// Handles one invocation. Every failure is an `Err`, so the invocation
    /// fails and EventBridge's retries and the dead-letter queue apply.
    #[tracing::instrument(skip_all)]
    pub async fn run(&self, event: &serde_json::Value) -> Result<IngestSummary, IngestError> {
        let trigger = trigger::parse(event)?;
        let identity = trigger.identity(Utc::now())?;
        let tag = self.keys.tag(&Tagged::Trigger { name: &identity.name }).await?;
        let key = trigger_key(self.store.prefix(), identity.time, &tag);
        tracing::info!(trigger = %identity.name, %key, "ingest for trigger");

        // A retry of a trigger that was written needs no source fetch at all.
        if let Some(summary) = self.already_ingested(&trigger, &key).await? {
            return Ok(summary);
        }
        let (previous_key, previous) = self.previous_validators().await?;

        let snapshot = match self.source.fetch(&previous, trigger.kind()).await? {
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

        let write_attempts = match self.write(&key, &snapshot).await? {
            Write::Written { attempts } => attempts,
            Write::Taken { attempts } => {
                // Lost the race to another delivery of this trigger, or found
                // its object: which, the object's metadata says.
                return match self.already_ingested(&trigger, &key).await? {
                    Some(summary) => Ok(summary),
                    None => Err(IngestError::WriteConflict { key, attempts }),
                };
            }
        };
        let size = snapshot.body.len() as u64;
        tracing::info!(%key, size, write_attempts, "snapshot written");
        self.advance_pointer(&key).await?;
        let announcement = ObjectIngested {
            bucket: self.store.bucket().to_owned(),
            key: key.clone(),
            size,
            content_type: snapshot.content_type.clone(),
            time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        };
        let event_published = self.announce(&announcement).await?;

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

    /// Makes `key`'s object the pointer's, unless a newer one already is. The
    /// pointer describes the object as a listing does, so retrieve's entity
    /// tags are the same whichever way it found the object.
    async fn advance_pointer(&self, key: &str) -> Result<(), IngestError> {
        let Some(pointer) = pointer::pointer_key(self.store.prefix()) else {
            return Ok(());
        };
        let failed = |source| IngestError::Pointer {
            key: key.to_owned(),
            source,
        };
        let summary = self.store.summary(key).await.map_err(failed)?;
        match pointer::advance(&self.store, &pointer, &summary)
            .await
            .map_err(failed)?
        {
            Advance::Moved { attempts } => tracing::info!(%key, attempts, "the pointer names this object"),
            Advance::AlreadyAhead => tracing::info!(%key, "the pointer names this object or a newer one"),
        }
        Ok(())
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

    /// Seals once and writes at `key` if nothing is there. The context names
    /// the key, so the sealed object is valid at this key only.
    async fn write(&self, key: &str, snapshot: &source::SourceSnapshot) -> Result<Write, IngestError> {
        let mut context = envelope::object_context(&self.store_id, key);
        context.insert(envelope::CONTEXT_CONTENT_TYPE.to_owned(), snapshot.content_type.clone());
        let wrap = self.keys.wrap_algorithm();
        let description = envelope::material_description(wrap, self.format, &context);
        let data_key = self.keys.generate_data_key(self.format, &description).await?;
        let (content, ciphertext) = envelope::seal(self.format, &data_key.plaintext, &snapshot.body)?;
        let marker = self
            .keys
            .tag(&Tagged::Object {
                key,
                content_type: &snapshot.content_type,
                wrapped_key: &data_key.wrapped,
            })
            .await?;
        let metadata = EnvelopeMetadata {
            wrapped_key: data_key.wrapped,
            wrap,
            material_description: description,
            unencrypted_length: (content.format() == Format::V2).then_some(snapshot.body.len() as u64),
            content,
        };
        let mut metadata = metadata.to_s3_metadata();
        metadata.extend(snapshot.validators.to_metadata());
        metadata.insert(TRIGGER_METADATA.to_owned(), hex::encode(marker));
        for attempt in 1..=MAX_WRITE_ATTEMPTS {
            match self
                .store
                .put_new(key, ciphertext.clone(), &snapshot.content_type, metadata.clone())
                .await
            {
                Ok(()) => return Ok(Write::Written { attempts: attempt }),
                Err(StoreError::AlreadyExists) if self.is_own_write(key, &metadata).await? => {
                    // The SDK retried our PUT after its response was lost, and
                    // the retry met the object the first attempt wrote.
                    tracing::warn!(%key, "a lost PutObject response: the object at the key is this invocation's");
                    return Ok(Write::Written { attempts: attempt });
                }
                Err(StoreError::AlreadyExists) => return Ok(Write::Taken { attempts: attempt }),
                Err(StoreError::WriteInFlight) => {
                    tracing::warn!(%key, attempt, "a concurrent write to this key is in flight; waiting");
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Write::Taken {
            attempts: MAX_WRITE_ATTEMPTS,
        })
    }
}

enum Write {
    Written {
        attempts: u32,
    },
    /// Something holds the key (412), or a concurrent write to it never
    /// settled (409 on every attempt).
    Taken {
        attempts: u32,
    },
}
