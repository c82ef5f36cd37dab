//! retrieve's two caches. Both use a std mutex: the critical sections are
//! map operations, never held across an await, so a Tokio mutex would only
//! add cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::config::CacheLimits;
use crate::envelope::{DataKey, EncryptionContext};

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Unwrapped data keys, bounded in entries and age so a revoked KMS grant
/// stops working within `max_age`.
///
/// An entry is keyed by the wrapped key *and* the exact material description
/// the key service authenticated it with. Keyed by the wrapped key alone, a
/// warm instance would reuse a data key for an object copied elsewhere with
/// its description edited to match, and KMS would never see the new context.
pub struct DataKeyCache {
    limits: CacheLimits,
    entries: Mutex<HashMap<[u8; 32], (Instant, DataKey)>>,
}

impl DataKeyCache {
    pub fn new(limits: CacheLimits) -> Self {
        DataKeyCache {
            limits,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn id(wrapped: &[u8], description: &EncryptionContext) -> [u8; 32] {
        let description = serde_json::to_vec(description).expect("string map serialises");
        Sha256::new()
            .chain_update((wrapped.len() as u64).to_be_bytes())
            .chain_update(wrapped)
            .chain_update(description)
            .finalize()
            .into()
    }

    pub fn get(&self, wrapped: &[u8], description: &EncryptionContext, now: Instant) -> Option<DataKey> {
        let mut entries = lock(&self.entries);
        let id = Self::id(wrapped, description);
        match entries.get(&id) {
            Some((stored_at, key)) if now.saturating_duration_since(*stored_at) < self.limits.max_age => {
                Some(key.clone())
            }
            Some(_) => {
                entries.remove(&id);
                None
            }
            None => None,
        }
    }

    pub fn insert(&self, wrapped: &[u8], description: &EncryptionContext, key: DataKey, now: Instant) {
        let mut entries = lock(&self.entries);
        entries.retain(|_, (stored_at, _)| now.saturating_duration_since(*stored_at) < self.limits.max_age);
        while entries.len() >= self.limits.max_entries {
            let Some(oldest) = entries.iter().min_by_key(|(_, (at, _))| *at).map(|(id, _)| *id) else {
                break;
            };
            entries.remove(&oldest);
        }
        entries.insert(Self::id(wrapped, description), (now, key));
    }

    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The newest object's plaintext, kept while it stays the newest.
pub struct NewestCache<T> {
    slot: Mutex<Option<(String, Arc<T>)>>,
}

impl<T> Default for NewestCache<T> {
    fn default() -> Self {
        NewestCache { slot: Mutex::new(None) }
    }
}

impl<T> NewestCache<T> {
    /// The cached value if it was stored under `identity`.
    pub fn get(&self, identity: &str) -> Option<Arc<T>> {
        lock(&self.slot)
            .as_ref()
            .filter(|(id, _)| id == identity)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, identity: String, value: Arc<T>) {
        *lock(&self.slot) = Some((identity, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use zeroize::Zeroizing;

    #[test]
    fn data_keys_expire_and_the_cache_stays_bounded() {
        let cache = DataKeyCache::new(CacheLimits {
            max_entries: 2,
            max_age: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        let d = EncryptionContext::new();
        cache.insert(b"a", &d, Zeroizing::new([1; 32]), t0);
        assert_eq!(*cache.get(b"a", &d, t0 + Duration::from_secs(59)).unwrap(), [1; 32]);
        assert!(
            cache.get(b"a", &d, t0 + Duration::from_secs(60)).is_none(),
            "expired at max_age"
        );

        cache.insert(b"a", &d, Zeroizing::new([1; 32]), t0);
        cache.insert(b"b", &d, Zeroizing::new([2; 32]), t0 + Duration::from_secs(1));
        cache.insert(b"c", &d, Zeroizing::new([3; 32]), t0 + Duration::from_secs(2));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(b"a", &d, t0 + Duration::from_secs(2)).is_none(),
            "oldest evicted first"
        );
        assert!(cache.get(b"c", &d, t0 + Duration::from_secs(2)).is_some());
    }

    #[test]
    fn a_data_key_is_reused_only_for_the_description_it_was_unwrapped_with() {
        let cache = DataKeyCache::new(CacheLimits {
            max_entries: 4,
            max_age: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        let genuine = crate::envelope::object_context("store", "snapshots/a");
        let replayed = crate::envelope::object_context("store", "snapshots/b");
        cache.insert(b"wrapped", &genuine, Zeroizing::new([1; 32]), t0);
        assert!(cache.get(b"wrapped", &genuine, t0).is_some());
        assert!(cache.get(b"wrapped", &replayed, t0).is_none());
    }

    #[test]
    fn newest_cache_answers_only_for_the_same_identity() {
        let cache = NewestCache::default();
        cache.put("k1|e1".into(), Arc::new(1));
        assert_eq!(cache.get("k1|e1").as_deref(), Some(&1));
        assert!(cache.get("k1|e2").is_none());
        cache.put("k2|e1".into(), Arc::new(2));
        assert!(cache.get("k1|e1").is_none());
    }
}
