//! retrieve's caches: data keys, the one snapshot slot, and the objects
//! refused. All use a std mutex: the critical sections are map operations,
//! never held across an await, so a Tokio mutex would only add cost.

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

    /// The data key and when the key service unwrapped it, if that was
    /// within `max_age`.
    pub fn get(&self, wrapped: &[u8], description: &EncryptionContext, now: Instant) -> Option<(DataKey, Instant)> {
        let mut entries = lock(&self.entries);
        let id = Self::id(wrapped, description);
        match entries.get(&id) {
            Some((stored_at, key)) if now.saturating_duration_since(*stored_at) < self.limits.max_age => {
                Some((key.clone(), *stored_at))
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
/// asked again when the plaintext's proof passes the data-key TTL, so a
/// disabled key or a revoked grant reaches warm instances too.
#[derive(Clone)]
pub struct Proof {
    pub format: Format,
    pub wrapped: Vec<u8>,
    pub description: EncryptionContext,
    /// When the key service last opened this data key: now for a fresh
    /// unwrap, the cache entry's time for a cached one. Never later.
    pub proven_at: Instant,
}

/// The one snapshot slot: empty, holding an opened plaintext proven at a
/// time, or holding a failure to open one until a time.
enum Slot<T, F> {
    Empty,
    Opened {
        identity: String,
        value: Arc<T>,
        proof: Proof,
    },
    Failed {
        identity: String,
        failure: F,
        until: Instant,
    },
}

/// What [`SnapshotCache::decide`] says to do for an identity.
pub enum CacheDecision<T, F> {
    /// Opened and proven within the TTL: serve it.
    Serve(Arc<T>),
    /// Opened, but its proof is a TTL old: ask the key service with this
    /// proof before serving it again.
    Reprove(Arc<T>, Proof),
    /// Failed moments ago: answer the same failure without asking again.
    Replay(F),
    /// Nothing known: read and open it.
    Open,
}

/// The newest object's plaintext, kept while it stays the newest and its
/// key still opens: at most `ttl` (the data-key TTL) from its key's last
/// proof by the key service, wherever that key came from.
pub struct SnapshotCache<T, F> {
    ttl: Duration,
    slot: Mutex<Slot<T, F>>,
}

impl<T, F: Clone> SnapshotCache<T, F> {
    pub fn new(ttl: Duration) -> Self {
        SnapshotCache {
            ttl,
            slot: Mutex::new(Slot::Empty),
        }
    }

    pub fn decide(&self, identity: &str, now: Instant) -> CacheDecision<T, F> {
        match &*lock(&self.slot) {
            Slot::Opened {
                identity: held,
                value,
                proof,
            } if held == identity => {
                if now.saturating_duration_since(proof.proven_at) < self.ttl {
                    CacheDecision::Serve(value.clone())
                } else {
                    CacheDecision::Reprove(value.clone(), proof.clone())
                }
            }
            Slot::Failed {
                identity: held,
                failure,
                until,
            } if held == identity && now < *until => CacheDecision::Replay(failure.clone()),
            _ => CacheDecision::Open,
        }
    }

    /// `identity` was opened; its data key was proven at `proof.proven_at`.
    pub fn opened(&self, identity: String, value: Arc<T>, proof: Proof) {
        *lock(&self.slot) = Slot::Opened { identity, value, proof };
    }

    /// The key service opened `identity`'s data key again at `at`.
    pub fn proven(&self, identity: &str, at: Instant) {
        if let Slot::Opened {
            identity: held, proof, ..
        } = &mut *lock(&self.slot)
            && held == identity
        {
            proof.proven_at = at;
        }
    }

    /// Opening `identity` failed in a way asking again at once would repeat:
    /// replayed for [`NEGATIVE_CACHE_TTL`]. Drops any plaintext held.
    pub fn failed(&self, identity: String, failure: F, now: Instant) {
        *lock(&self.slot) = Slot::Failed {
            identity,
            failure,
            until: now + NEGATIVE_CACHE_TTL,
        };
    }
}

/// How long a newest object that the key service refused is answered from
/// memory: a revoked key costs one Decrypt per instance and interval, not
/// per request.
pub const NEGATIVE_CACHE_TTL: Duration = Duration::from_secs(5);

/// How many refused objects an instance remembers: an entity tag and its
/// reason each, about 100 bytes. Past it the oldest is forgotten (and, if
/// it is still there, refused again at the cost of one GET).
pub const MAX_REMEMBERED_REFUSALS: usize = 10_000;

/// Objects that failed authentication, by entity tag. An entity tag names
/// one object version for good (key, S3 ETag, time, size), and a failure to
/// authenticate is a property of those bytes, so it is remembered for the
/// instance's life: such an object is never read twice, and never again
/// stands between a reader and the genuine newest.
pub struct Refusals<F> {
    entries: Mutex<(HashMap<String, F>, std::collections::VecDeque<String>)>,
}

impl<F: Clone> Default for Refusals<F> {
    fn default() -> Self {
        Refusals {
            entries: Mutex::new((HashMap::new(), std::collections::VecDeque::new())),
        }
    }
}

impl<F: Clone> Refusals<F> {
    pub fn get(&self, identity: &str) -> Option<F> {
        lock(&self.entries).0.get(identity).cloned()
    }

    pub fn contains(&self, identity: &str) -> bool {
        lock(&self.entries).0.contains_key(identity)
    }

    /// Records a refusal; `true` the first time for this identity.
    pub fn refuse(&self, identity: String, failure: F) -> bool {
        let mut entries = lock(&self.entries);
        let (map, order) = &mut *entries;
        if map.contains_key(&identity) {
            return false;
        }
        while map.len() >= MAX_REMEMBERED_REFUSALS {
            let Some(oldest) = order.pop_front() else { break };
            map.remove(&oldest);
        }
        order.push_back(identity.clone());
        map.insert(identity, failure);
        true
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
        let (key, proven_at) = cache.get(b"a", &d, t0 + Duration::from_secs(59)).unwrap();
        assert_eq!(*key, [1; 32]);
        assert_eq!(proven_at, t0, "the unwrap's time, not the lookup's");
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

    fn proof(proven_at: Instant) -> Proof {
        Proof {
            format: Format::V3,
            wrapped: b"wrapped".to_vec(),
            description: EncryptionContext::new(),
            proven_at,
        }
    }

    #[test]
    fn the_slot_answers_only_for_the_same_identity() {
        let t0 = Instant::now();
        let cache: SnapshotCache<i32, &str> = SnapshotCache::new(Duration::from_secs(60));
        assert!(matches!(cache.decide("e1", t0), CacheDecision::Open));
        cache.opened("e1".into(), Arc::new(1), proof(t0));
        assert!(matches!(cache.decide("e1", t0), CacheDecision::Serve(v) if *v == 1));
        assert!(matches!(cache.decide("e2", t0), CacheDecision::Open));
        cache.opened("e2".into(), Arc::new(2), proof(t0));
        assert!(matches!(cache.decide("e1", t0), CacheDecision::Open));
    }

    #[test]
    fn a_plaintext_is_proven_again_a_ttl_after_its_key_was_last_proven() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(5);
        let cache: SnapshotCache<i32, &str> = SnapshotCache::new(ttl);
        // Opened with a data key the key service unwrapped 4 s earlier (from
        // the data-key cache): due 1 s from now, not 5.
        let opened_at = t0 + Duration::from_secs(4);
        cache.opened("e".into(), Arc::new(1), proof(t0));
        assert!(matches!(cache.decide("e", opened_at), CacheDecision::Serve(_)));
        assert!(
            matches!(cache.decide("e", t0 + ttl), CacheDecision::Reprove(_, p) if p.wrapped == b"wrapped"),
            "due a TTL after the key's proof, not the plaintext's opening"
        );
        cache.proven("e", t0 + ttl);
        assert!(matches!(cache.decide("e", t0 + ttl), CacheDecision::Serve(_)));
        cache.failed("e".into(), "refused", t0 + ttl);
        assert!(matches!(cache.decide("e", t0 + ttl), CacheDecision::Replay("refused")));
        assert!(
            matches!(cache.decide("e", t0 + ttl + NEGATIVE_CACHE_TTL), CacheDecision::Open),
            "a failure is replayed briefly, and the plaintext is gone"
        );
    }

    #[test]
    fn refusals_are_remembered_once_each_and_stay_bounded() {
        let refusals = Refusals::default();
        assert!(refusals.refuse("a".into(), 1));
        assert!(!refusals.refuse("a".into(), 2), "reported once");
        assert_eq!(refusals.get("a"), Some(1));
        for i in 0..MAX_REMEMBERED_REFUSALS {
            refusals.refuse(format!("k{i}"), 0);
        }
        assert!(!refusals.contains("a"), "the oldest is forgotten first");
        assert!(refusals.contains(&format!("k{}", MAX_REMEMBERED_REFUSALS - 1)));
    }
}
