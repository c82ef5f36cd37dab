//! Counts data-key unwraps. Local mode's keyring makes no network call to
//! count, so the count is taken at the key-provider seam: each unwrap is
//! what would be one KMS `Decrypt` in AWS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use s3_latest::envelope::{DataKey, EncryptionContext, Format, WrapAlgorithm};
use s3_latest::keyring::{GeneratedKey, KeyError, KeyProvider, Tag, Tagged, TriggerTags};

#[derive(Clone)]
pub struct CountingKeys<K> {
    inner: K,
    unwraps: Arc<AtomicU64>,
}

impl<K> CountingKeys<K> {
    pub fn new(inner: K) -> Self {
        CountingKeys {
            inner,
            unwraps: Arc::default(),
        }
    }

    pub fn unwraps(&self) -> u64 {
        self.unwraps.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.unwraps.store(0, Ordering::Relaxed);
    }
}

impl<K: KeyProvider + Clone> KeyProvider for CountingKeys<K> {
    fn wrap_algorithm(&self) -> WrapAlgorithm {
        self.inner.wrap_algorithm()
    }

    async fn generate_data_key(
        &self,
        format: Format,
        description: &EncryptionContext,
    ) -> Result<GeneratedKey, KeyError> {
        self.inner.generate_data_key(format, description).await
    }

    async fn decrypt_data_key(
        &self,
        format: Format,
        wrapped: &[u8],
        description: &EncryptionContext,
    ) -> Result<DataKey, KeyError> {
        self.unwraps.fetch_add(1, Ordering::Relaxed);
        self.inner.decrypt_data_key(format, wrapped, description).await
    }
}

impl<K: TriggerTags> TriggerTags for CountingKeys<K> {
    async fn tag(&self, what: &Tagged<'_>) -> Result<Tag, KeyError> {
        self.inner.tag(what).await
    }
}
