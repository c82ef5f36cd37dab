//! retrieve's caches. Both use a std mutex: the critical sections are
//! map operations, never held across an await, so a Tokio mutex would only
//! add cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::CacheLimits;
use crate::envelope::{DataKey, EncryptionContext, Format};
use crate::sync::lock;

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
        crate::crypto::sha256(&[&(wrapped.len() as u64).to_be_bytes(), wrapped, &description])
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

/// What the key service was asked to open a cached plaintext's data key:
/// asked again when the plaintext's age passes the data-key TTL, so a
/// disabled key or a revoked grant reaches warm instances too.
#[derive(Clone)]
pub struct Proof {
    pub format: Format,
    pub wrapped: Vec<u8>,
    pub description: EncryptionContext,
}

struct Entry<T> {
    identity: String,
    value: Arc<T>,
    proof: Proof,
    verified_at: Instant,
}

/// The newest object's plaintext, kept while it stays the newest and its
/// key still opens: at most `max_age` (the data-key TTL) between proofs.
pub struct NewestCache<T> {
    max_age: Duration,
    slot: Mutex<Option<Entry<T>>>,
}

/// What [`NewestCache::get`] found for an identity.
pub enum Cached<T> {
    /// Proven within `max_age`: serve it.
    Fresh(Arc<T>),
    /// Older than that: ask the key service again with this proof first.
    Unproven(Arc<T>, Proof),
    Miss,
}

impl<T> NewestCache<T> {
    pub fn new(max_age: Duration) -> Self {
        NewestCache {
            max_age,
            slot: Mutex::new(None),
        }
    }

    /// The value stored under `identity`, and whether it is still proven.
    pub fn get(&self, identity: &str, now: Instant) -> Cached<T> {
        match lock(&self.slot).as_ref().filter(|entry| entry.identity == identity) {
            Some(entry) if now.saturating_duration_since(entry.verified_at) < self.max_age => {
                Cached::Fresh(entry.value.clone())
            }
            Some(entry) => Cached::Unproven(entry.value.clone(), entry.proof.clone()),
            None => Cached::Miss,
        }
    }

    pub fn put(&self, identity: String, value: Arc<T>, proof: Proof, now: Instant) {
        *lock(&self.slot) = Some(Entry {
            identity,
            value,
            proof,
            verified_at: now,
        });
    }

    /// The key service opened `identity`'s data key again at `now`.
    pub fn proven(&self, identity: &str, now: Instant) {
        if let Some(entry) = lock(&self.slot).as_mut().filter(|entry| entry.identity == identity) {
            entry.verified_at = now;
        }
    }

    /// Drops the plaintext: its key no longer opens, or it is no longer served.
    pub fn evict(&self, identity: &str) {
        let mut slot = lock(&self.slot);
        if slot.as_ref().is_some_and(|entry| entry.identity == identity) {
            *slot = None;
        }
    }
}

/// How long a newest object that failed authentication or the key service
/// is answered from memory: a tampered 200 MB object then costs one GET and
/// one Decrypt per instance and interval, not per request.
pub const NEGATIVE_CACHE_TTL: Duration = Duration::from_secs(5);

/// The last failure to open an entity tag, replayed for [`NEGATIVE_CACHE_TTL`].
pub struct FailureCache<E> {
    slot: Mutex<Option<(String, Instant, E)>>,
}

impl<E: Clone> Default for FailureCache<E> {
    fn default() -> Self {
        FailureCache { slot: Mutex::new(None) }
    }
}

impl<E: Clone> FailureCache<E> {
    pub fn get(&self, identity: &str, now: Instant) -> Option<E> {
        lock(&self.slot)
            .as_ref()
            .filter(|(id, at, _)| id == identity && now.saturating_duration_since(*at) < NEGATIVE_CACHE_TTL)
            .map(|(_, _, failure)| failure.clone())
    }

    pub fn put(&self, identity: String, now: Instant, failure: E) {
        *lock(&self.slot) = Some((identity, now, failure));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    fn proof() -> Proof {
        Proof {
            format: Format::V3,
            wrapped: b"wrapped".to_vec(),
            description: EncryptionContext::new(),
        }
    }

    #[test]
    fn newest_cache_answers_only_for_the_same_identity() {
        let t0 = Instant::now();
        let cache = NewestCache::new(Duration::from_secs(60));
        cache.put("k1|e1".into(), Arc::new(1), proof(), t0);
        assert!(matches!(cache.get("k1|e1", t0), Cached::Fresh(v) if *v == 1));
        assert!(matches!(cache.get("k1|e2", t0), Cached::Miss));
        cache.put("k2|e1".into(), Arc::new(2), proof(), t0);
        assert!(matches!(cache.get("k1|e1", t0), Cached::Miss));
    }

    #[test]
    fn a_cached_plaintext_must_be_proven_again_after_the_data_key_ttl() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(5);
        let cache = NewestCache::new(ttl);
        cache.put("e".into(), Arc::new(1), proof(), t0);
        assert!(matches!(
            cache.get("e", t0 + ttl - Duration::from_millis(1)),
            Cached::Fresh(_)
        ));
        assert!(matches!(cache.get("e", t0 + ttl), Cached::Unproven(_, p) if p.wrapped == b"wrapped"));
        cache.proven("e", t0 + ttl);
        assert!(matches!(cache.get("e", t0 + ttl), Cached::Fresh(_)));
        cache.evict("e");
        assert!(matches!(cache.get("e", t0 + ttl), Cached::Miss));
    }

    #[test]
    fn a_failure_is_replayed_briefly_and_only_for_its_identity() {
        let t0 = Instant::now();
        let cache = FailureCache::default();
        cache.put("e".into(), t0, "bad");
        assert_eq!(cache.get("e", t0), Some("bad"));
        assert_eq!(cache.get("other", t0), None);
        assert_eq!(cache.get("e", t0 + NEGATIVE_CACHE_TTL), None);
    }
}
