//! Whether an object found at a trigger's key is that trigger's: what a
//! redelivery reports as `already_ingested`, and what a lost PutObject
//! response left behind.
//!
//! The key itself is the first guard: it derives from the trigger's keyed
//! tag, so nobody without the tag key can know it before ingest writes it.
//! The claim is the second: an object counts as this trigger's only if its
//! marker is ingest's tag over this key, its stored content type and its
//! wrapped data key ([`Tagged::Object`]). Only ingest can make that tag, and
//! it makes it only for a data key it has just had wrapped under this key's
//! context, so a marked object authenticates as ingest's own without ingest
//! being able to decrypt anything (its role has no `kms:Decrypt`). Anything
//! else at the key is not claimed, not pointed at and not announced.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use subtle::ConstantTimeEq;

use super::publish::{EventPublisher, ObjectIngested};
use super::trigger::Trigger;
use super::{IngestError, IngestSummary, Ingestor, Outcome, TRIGGER_METADATA};

use crate::envelope::{self, EnvelopeMetadata};
use crate::keyring::{KeyProvider, Tagged, TriggerTags};
use crate::store::{ObjectHead, StoreError};

impl<K: KeyProvider + TriggerTags, P: EventPublisher> Ingestor<K, P> {
    /// `Some` when `key` already holds this trigger's object; `None` when the
    /// key is free; `KeyTaken` when it holds anything else (see
    /// [`is_this_triggers`](Self::is_this_triggers)). A found object
    /// whose announcement has no receipt, and that is older than the
    /// announce grace, is announced now: the delivery that wrote it failed to
    /// publish (`PublishFailed`) or died before it could.
    pub(super) async fn already_ingested(
        &self,
        trigger: &Trigger,
        key: &str,
    ) -> Result<Option<IngestSummary>, IngestError> {
        let head = match self.store.head(key).await {
            Ok(head) => head,
            Err(StoreError::NotFound) => return Ok(None),
            // S3 answers a missing key with 403 to a caller without
            // s3:ListBucket: taken as "not written yet", since the
            // create-only write that follows decides for certain (and a key
            // that is there after all comes back here as Taken).
            Err(StoreError::Refused { code, .. }) => {
                tracing::debug!(%key, %code, "the HEAD of the trigger's key was refused; the create-only write decides");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        if !self.is_this_triggers(key, &head).await? {
            // Only a writer who has the trigger's tag could have put it
            // there: nothing is claimed, moved or announced.
            tracing::warn!(security_event = "trigger_key_taken", %key, "the trigger's key holds an object that is not its own");
            return Err(IngestError::KeyTaken { key: key.to_owned() });
        }
        // The writer may have failed (or died) before moving the pointer.
        self.advance_pointer(key).await?;
        let size = crate::retrieve::plaintext_size(head.size);
        let content_type = head
            .content_type
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let age = head
            .last_modified
            .map(|t| (Utc::now() - t).to_std().unwrap_or_default())
            .unwrap_or(Duration::MAX);
        // The grace first: within it the writer announces, whatever a
        // receipt lookup would say, so it costs no request.
        let event_published = if age < self.announce_grace {
            // A concurrent delivery wrote it moments ago and is announcing it
            // now; if that fails, its own retry comes after the grace.
            tracing::info!(%key, ?age, "this trigger's object was just written; its writer announces it");
            false
        } else if self.is_announced(key).await? {
            tracing::info!(%key, "this trigger's object is already written and announced; nothing to do");
            false
        } else {
            tracing::warn!(%key, "this trigger's object was written but never announced; announcing it now");
            self.announce(&ObjectIngested {
                bucket: self.store.bucket().to_owned(),
                key: key.to_owned(),
                size,
                content_type: content_type.clone(),
                time: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            })
            .await?
        };
        Ok(Some(IngestSummary {
            outcome: Outcome::AlreadyIngested,
            trigger: trigger.clone(),
            bucket: self.store.bucket().to_owned(),
            key: Some(key.to_owned()),
            size: Some(size),
            content_type: Some(content_type),
            write_attempts: 0,
            event_published,
        }))
    }

    /// Whether the object at `key` is one ingest wrote there: its marker is
    /// ingest's tag of this key, its stored content type and its wrapped data
    /// key. A tag service that cannot answer is an error, never a "no": the
    /// delivery fails and is retried, rather than calling a genuine object
    /// junk.
    async fn is_this_triggers(&self, key: &str, head: &ObjectHead) -> Result<bool, IngestError> {
        let marker = head.metadata.get(TRIGGER_METADATA).and_then(|m| hex::decode(m).ok());
        let (Some(marker), Some(content_type), Ok(sealed)) = (
            marker,
            &head.content_type,
            EnvelopeMetadata::from_s3_metadata(&head.metadata),
        ) else {
            return Ok(false);
        };
        let expected = self
            .keys
            .tag(&Tagged::Object {
                key,
                content_type,
                wrapped_key: &sealed.wrapped_key,
            })
            .await?;
        Ok(bool::from(expected.as_slice().ct_eq(&marker)))
    }

    /// Whether `key` holds this invocation's own write (its response was
    /// lost): recognised by the wrapped data key alone, which is fresh for
    /// every invocation. Other metadata may come back altered (S3 trims or
    /// re-encodes user metadata; upstream validators are anyone's text), and
    /// a false "taken" would drop the announcement.
    pub(super) async fn is_own_write(&self, key: &str, sent: &HashMap<String, String>) -> Result<bool, IngestError> {
        let wrapped = [envelope::meta::WRAPPED_KEY_V3, envelope::meta::WRAPPED_KEY_V2]
            .into_iter()
            .find_map(|name| sent.get(name).map(|value| (name, value)));
        let Some((name, value)) = wrapped else {
            return Ok(false);
        };
        match self.store.metadata(key).await {
            Ok(found) => Ok(found.get(name) == Some(value)),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
