//! Opening one object: its envelope checked against where it was found,
//! its data key unwrapped under exactly that context, its body decrypted.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::{Proof, RetrieveError, Retriever, ServedSnapshot, UNBOUND_CONTENT_TYPE, normalize_etag};
use crate::config::CommitmentPolicy;
use crate::envelope::{self, EnvelopeError, EnvelopeMetadata, Format, TAG_LEN};
use crate::keyring::KeyProvider;
use crate::store::{ObjectSummary, StoreError};

impl<K: KeyProvider> Retriever<K> {
    pub(super) async fn fetch(
        &self,
        summary: &ObjectSummary,
        etag: &str,
    ) -> Result<(Arc<ServedSnapshot>, Proof), RetrieveError> {
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
        let sealed = self.authenticate(&summary.key, &object.metadata).await?;
        // The body's buffer is decrypted in place and becomes the snapshot.
        let plaintext = envelope::open(&sealed.envelope.content, &sealed.data_key, Vec::from(object.body))?;
        if sealed
            .envelope
            .unencrypted_length
            .is_some_and(|len| len != plaintext.len() as u64)
        {
            return Err(EnvelopeError::MalformedMetadata {
                field: "x-amz-unencrypted-content-length",
            }
            .into());
        }
        // The type the context binds, or, for an object that binds none
        // (written by others, or before the binding), octet-stream, since
        // the stored header is anyone's with `s3:PutObject`.
        let content_type = match sealed.bound_content_type {
            Some(bound) if object.content_type.as_deref() == Some(bound.as_str()) => bound,
            Some(_) => return Err(EnvelopeError::ContentTypeMismatch.into()),
            None => UNBOUND_CONTENT_TYPE.to_owned(),
        };
        let snapshot = Arc::new(ServedSnapshot {
            key: summary.key.clone(),
            last_modified: summary.last_modified,
            content_type,
            etag: etag.to_owned(),
            body: Bytes::from(plaintext),
        });
        Ok((snapshot, sealed.proof))
    }

    /// Whether an object's metadata authenticates, from a HEAD: what an
    /// object too large to read is judged by.
    pub(super) async fn authenticate_metadata(&self, summary: &ObjectSummary) -> Result<(), RetrieveError> {
        let head = self.store.head(&summary.key).await?;
        self.authenticate(&summary.key, &head.metadata).await.map(drop)
    }

    /// Checks one object's envelope against where it was found, and has its
    /// data key unwrapped under exactly that context (the key service is
    /// what authenticates the context; the cache answers only for the same
    /// description, so a replayed object always reaches it).
    async fn authenticate(
        &self,
        key: &str,
        metadata: &std::collections::HashMap<String, String>,
    ) -> Result<Sealed, RetrieveError> {
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
        let bound_content_type = envelope
            .material_description
            .get(envelope::CONTEXT_CONTENT_TYPE)
            .cloned();
        if let Some(bound) = &bound_content_type {
            // The context (authenticated by the key service below) names a
            // type; the stored header must be that one.
            expected.insert(envelope::CONTEXT_CONTENT_TYPE.to_owned(), bound.clone());
        }
        envelope.verify_context(&expected)?;

        let description = envelope::material_description(envelope.wrap, envelope.format(), &expected);
        let now = Instant::now();
        let (data_key, proven_at) = match self.data_keys.get(&envelope.wrapped_key, &description, now) {
            Some(cached) => cached,
            None => {
                let fresh = self
                    .keys
                    .decrypt_data_key(envelope.format(), &envelope.wrapped_key, &description)
                    .await?;
                self.data_keys
                    .insert(&envelope.wrapped_key, &description, fresh.clone(), now);
                (fresh, now)
            }
        };
        let proof = Proof {
            format: envelope.format(),
            wrapped: envelope.wrapped_key.clone(),
            description,
            proven_at,
        };
        Ok(Sealed {
            envelope,
            bound_content_type,
            data_key,
            proof,
        })
    }
}

/// An object whose envelope and data key authenticated.
struct Sealed {
    envelope: EnvelopeMetadata,
    bound_content_type: Option<String>,
    data_key: envelope::DataKey,
    proof: Proof,
}
