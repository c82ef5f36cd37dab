//! Announcing a written object exactly once per trigger, as far as S3 lets
//! us: publish, then leave an empty receipt beside the prefix, which later
//! deliveries of the trigger look for before announcing again.

use std::collections::HashMap;

use super::publish::{EventPublisher, ObjectIngested};
use super::{IngestError, Ingestor};
use crate::keyring::KeyProvider;
use crate::object_key::receipt_key;
use crate::store::StoreError;

impl<K: KeyProvider, P: EventPublisher> Ingestor<K, P> {
    /// Publishes, then leaves a receipt beside the snapshot prefix, so later
    /// deliveries of the trigger know the object was announced. A receipt
    /// that cannot be written only risks a second announcement, so it is
    /// logged, not failed on.
    pub(super) async fn announce(&self, announcement: &ObjectIngested) -> Result<bool, IngestError> {
        let key = &announcement.key;
        let published = self
            .publisher
            .publish(announcement)
            .await
            .map_err(|source| IngestError::Publish {
                key: key.clone(),
                source,
            })?;
        if let (true, Some(receipt)) = (published, receipt_key(self.store.prefix(), key)) {
            match self
                .store
                .put_new(&receipt, Vec::new(), "application/octet-stream", HashMap::new())
                .await
            {
                Ok(()) | Err(StoreError::AlreadyExists) => {}
                Err(e) => tracing::warn!(%key, error = %e, "announced, but the receipt was not written"),
            }
        }
        Ok(published)
    }

    /// Whether `key`'s announcement has a receipt. With no publisher there is
    /// nothing to announce, and with an empty prefix nowhere for receipts
    /// (announcements are then made only by the delivery that writes).
    pub(super) async fn is_announced(&self, key: &str) -> Result<bool, IngestError> {
        let Some(receipt) = receipt_key(self.store.prefix(), key).filter(|_| self.publisher.announces()) else {
            return Ok(true);
        };
        match self.store.head(&receipt).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            // S3 answers a missing key with 403 to a caller without
            // s3:ListBucket (HeadObject API reference, "Permissions"). Read
            // as "no receipt": at worst the object is announced once more,
            // while failing here would fail every redelivery until the
            // dead-letter queue and never announce it.
            Err(StoreError::Refused { code, .. }) => {
                tracing::warn!(%key, %receipt, %code, "the receipt lookup was refused; taking it as not announced");
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
}
