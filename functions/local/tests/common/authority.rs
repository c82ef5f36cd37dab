//! The listing stays the authority: scenarios an adversary with plain
//! `s3:PutObject` on the bucket (and no key rights) would try against the
//! pointer, and the writers that never move it. Each runs warm (an instance
//! that served before) and fresh (a new instance).

use std::collections::HashMap;
use std::time::Duration;

use s3_latest::keyring::KeyProvider;
use s3_latest::retrieve::Retriever;
use s3_latest::store::LookupStrategy;

use super::*;

/// A retriever whose audit and data-key TTL are short enough to wait out.
pub fn retriever_tuned<K: KeyProvider + Clone>(h: &Harness<K>, audit: Duration, key_ttl: Duration) -> Retriever<K> {
    let mut config = h.retrieve_config(PREFIX, LookupStrategy::Pointer);
    config.pointer_audit = audit;
    config.data_key_cache.max_age = key_ttl;
    Retriever::new(h.store(PREFIX), h.keys.clone(), config)
}

async fn served<K: KeyProvider>(retriever: &Retriever<K>) -> String {
    let response = call(retriever, "GET", URL, &[]).await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    header(&response, "x-object-key").to_owned()
}

/// Rollback and freeze: a pointer rewritten to name an older, genuine
/// snapshot (its real key, ETag, time and size) is refused by warm and
/// fresh instances alike, at once and after more ingests; and it costs a
/// warm instance one LIST, not one per request.
pub async fn a_rewritten_pointer_cannot_roll_back_or_freeze_newest<K: KeyProvider + Clone>(
    h: &Harness<K>,
) -> TestResult {
    h.ingest().await;
    let (older_pointer, _) = h.raw_get(&pointer()).await;
    let second = h.ingest().await;
    let (second_pointer, _) = h.raw_get(&pointer()).await;
    let warm = h.retriever(LookupStrategy::Pointer);
    assert_eq!(served(&warm).await, second);

    // Rollback: the pointer names the first snapshot again.
    h.raw_put(&pointer(), older_pointer.to_vec(), HashMap::new()).await;
    h.counter.reset();
    for _ in 0..5 {
        assert_eq!(served(&warm).await, second, "warm: not rolled back");
    }
    assert_eq!(
        h.counter.get("ListObjectsV2"),
        1,
        "one LIST for the changed pointer, then 304s"
    );
    assert_eq!(
        served(&h.retriever(LookupStrategy::Pointer)).await,
        second,
        "fresh: not rolled back"
    );

    // Freeze: right after a third ingest, the pointer goes back to the
    // second. (Back to a document this instance listed under, it would
    // answer from that listing until the audit: see the next scenario.)
    let third = h.ingest().await;
    h.raw_put(&pointer(), second_pointer.to_vec(), HashMap::new()).await;
    assert_eq!(served(&warm).await, third, "warm: not frozen");
    assert_eq!(
        served(&h.retriever(LookupStrategy::Pointer)).await,
        third,
        "fresh: not frozen"
    );

    // The next ingest moves the pointer past the forgery.
    let fourth = h.ingest().await;
    assert_eq!(pointed_at(h).await, fourth);
    assert_eq!(served(&warm).await, fourth);
    Ok(())
}

/// A pointer naming a newer-sorting key that does not exist: retrieve
/// serves the listing's newest without a LIST per request, and the next
/// ingest replaces the pointer instead of refusing to move it "backwards".
pub async fn a_pointer_to_a_missing_newer_key_is_repaired<K: KeyProvider + Clone>(h: &Harness<K>) -> TestResult {
    let newest = h.ingest().await;
    let (genuine, _) = h.raw_get(&pointer()).await;
    let mut forged: Value = serde_json::from_slice(&genuine)?;
    let phantom = snapshot_key(PREFIX, Utc::now() + chrono::Duration::days(365), 7);
    forged["key"] = json!(phantom);
    h.raw_put(&pointer(), forged.to_string().into_bytes(), HashMap::new())
        .await;

    for retriever in [
        h.retriever(LookupStrategy::Pointer),
        h.retriever(LookupStrategy::Pointer),
    ] {
        assert_eq!(served(&retriever).await, newest);
        h.counter.reset();
        for _ in 0..5 {
            assert_eq!(served(&retriever).await, newest);
        }
        assert_eq!(
            h.counter.get("ListObjectsV2"),
            0,
            "listed once per instance, not per request"
        );
    }

    let next = h.ingest().await;
    assert_eq!(
        pointed_at(h).await,
        next,
        "ingest replaced the pointer to a missing object"
    );
    Ok(())
}

/// Objects that never moved the pointer (a failed pointer update, another
/// writer in our layout, a restore) are served by a fresh instance at once
/// and by a warm one within `POINTER_AUDIT_SECONDS`; a deleted newest
/// snapshot stops being served within the same bound.
pub async fn writes_that_skip_the_pointer_are_served_within_the_audit<K: KeyProvider + Clone>(
    h: &Harness<K>,
) -> TestResult {
    let audit = Duration::from_millis(1500);
    let first = h.ingest().await;
    let warm = retriever_tuned(h, audit, Duration::from_secs(300));
    assert_eq!(served(&warm).await, first);
    let pointer_etag = || async {
        h.s3.head_object()
            .bucket(&h.bucket)
            .key(pointer())
            .send()
            .await
            .unwrap()
            .e_tag
    };
    let seen = pointer_etag().await;

    // Written, but the pointer update was lost: the pointer is byte for byte
    // what the warm instance last read, so its ETag says nothing changed.
    let (before, _) = h.raw_get(&pointer()).await;
    let skipped = h.ingest().await;
    h.raw_put(&pointer(), before.to_vec(), HashMap::new()).await;
    assert_eq!(pointer_etag().await, seen, "S3's ETag is the content's");
    assert_eq!(
        served(&h.retriever(LookupStrategy::Pointer)).await,
        skipped,
        "fresh: the listing decides"
    );
    let started = std::time::Instant::now();
    let within = served(&warm).await;
    if started.elapsed() < audit {
        assert_eq!(
            within, first,
            "within the audit, the warm instance's last listing answers"
        );
    }
    tokio::time::sleep(audit).await;
    assert_eq!(
        served(&warm).await,
        skipped,
        "warm: past the audit, the listing decides"
    );

    // Unpublish: the newest is deleted; within the audit it stops being served.
    h.raw_delete(&skipped).await;
    tokio::time::sleep(audit).await;
    assert_eq!(
        served(&warm).await,
        first,
        "warm: a deleted snapshot is no longer served"
    );
    assert_eq!(served(&h.retriever(LookupStrategy::Pointer)).await, first, "fresh");
    Ok(())
}

/// A stray key under the prefix that sorts first (an operator's note, a
/// copy under another name) is skipped by the index lookup, not served.
pub async fn a_stray_key_is_skipped<K: KeyProvider + Clone>(h: &Harness<K>) -> TestResult {
    let newest = h.ingest().await;
    h.raw_put(&format!("{PREFIX}0-readme.txt"), b"notes".to_vec(), HashMap::new())
        .await;
    h.raw_put(&format!("{PREFIX}!copy"), b"copy".to_vec(), HashMap::new())
        .await;
    for strategy in [LookupStrategy::Index, LookupStrategy::Pointer] {
        assert_eq!(served(&h.retriever(strategy)).await, newest, "{strategy:?}");
    }
    // With nothing of ours under the prefix, there is no snapshot, not a 502.
    let empty = "strays/";
    h.raw_put(&format!("{empty}readme.txt"), b"notes".to_vec(), HashMap::new())
        .await;
    let retriever = Retriever::new(
        h.store(empty),
        h.keys.clone(),
        h.retrieve_config(empty, LookupStrategy::Index),
    );
    assert_error(&call(&retriever, "GET", URL, &[]).await, 404, "NoObjects");
    Ok(())
}

/// A snapshot over the response limit is refused before any GET of its body
/// or any KMS call: for GET, HEAD, a conditional request and `/health`. The
/// JSON view's size is worked out before the document is built.
pub async fn an_oversized_snapshot_is_refused_before_any_read<K: KeyProvider + Clone>(h: &Harness<K>) -> TestResult {
    let key = h.ingest().await;
    let listed = h.store(PREFIX).summary(&key).await?;
    let plaintext = listed.size - 16; // the GCM tag
    let with_limit = |limit: u64| {
        let mut config = h.retrieve_config(PREFIX, LookupStrategy::Pointer);
        config.response_max_bytes = limit;
        Retriever::new(h.store(PREFIX), h.keys.clone(), config)
    };

    let small = with_limit(plaintext - 1);
    let etag = header(
        &call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await,
        "etag",
    )
    .to_owned();
    for (method, headers) in [
        ("GET", vec![]),
        ("HEAD", vec![]),
        ("GET", vec![("if-none-match", etag.as_str())]),
    ] {
        h.counter.reset();
        let response = call(&small, method, URL, &headers).await;
        assert_eq!(response.status(), 502, "{method} {headers:?}");
        assert_eq!(
            h.counter.get("GetObject"),
            1,
            "{method} {headers:?}: the pointer only, no body"
        );
        assert_eq!(h.counter.get("Decrypt"), 0, "{method} {headers:?}: no KMS call");
    }
    h.counter.reset();
    let health = call(&small, "GET", "/dev/health", &[]).await;
    assert_eq!(
        health.status(),
        503,
        "a region that cannot serve its newest is unhealthy"
    );
    assert_eq!(h.counter.get("GetObject"), 1, "health: the pointer only");

    // The raw snapshot fits; its JSON view (the same bytes plus the
    // description) does not, and is refused before it is built.
    let tight = with_limit(plaintext + 16);
    assert_eq!(call(&tight, "GET", URL, &[]).await.status(), 200);
    let json = call(&tight, "GET", &format!("{URL}?format=json"), &[]).await;
    assert_error(&json, 502, "ResponseTooLarge");
    Ok(())
}

// ------------------------------------------------- what the encryption binds

/// At the default commitment policy (the official client's), a V2 object
/// (no key commitment) is refused with a precise code; the V2-reading
/// setting opens it.
pub async fn the_default_commitment_policy_refuses_v2<K: KeyProvider + Clone>(h: &Harness<K>) -> TestResult {
    h.ingest_in(s3_latest::envelope::Format::V2).await;
    let mut config = h.retrieve_config(PREFIX, LookupStrategy::Pointer);
    config.commitment_policy = Default::default();
    let strict = Retriever::new(h.store(PREFIX), h.keys.clone(), config);
    assert_error(&call(&strict, "GET", URL, &[]).await, 502, "UnsupportedEncryption");
    assert_eq!(
        call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[])
            .await
            .status(),
        200
    );
    Ok(())
}

/// The Content-Type is bound into the encryption context: an object copied
/// onto itself as `text/html` (plain `s3:PutObject`, no key rights) still
/// decrypts, but is refused, and never served as HTML, warm or fresh.
pub async fn a_swapped_content_type_is_refused<K: KeyProvider + Clone>(h: &Harness<K>) -> TestResult {
    let key = h.ingest().await;
    let warm = h.retriever(LookupStrategy::Pointer);
    let served = call(&warm, "GET", URL, &[]).await;
    assert_eq!(served.status(), 200);
    assert_eq!(header(&served, "content-type"), "application/json");

    let (ciphertext, metadata) = h.raw_get(&key).await;
    h.s3.put_object()
        .bucket(&h.bucket)
        .key(&key)
        .set_metadata(Some(metadata))
        .content_type("text/html")
        .body(ciphertext.into())
        .send()
        .await?;
    // A warm instance keeps the authenticated copy it holds (the pointer did
    // not move), served with the bound type; a fresh one refuses the swap.
    let warm_again = call(&warm, "GET", URL, &[]).await;
    if warm_again.status() == 200 {
        assert_eq!(header(&warm_again, "content-type"), "application/json", "warm");
    } else {
        assert_error(&warm_again, 502, "IntegrityError");
    }
    let refused = call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await;
    assert_error(&refused, 502, "IntegrityError");
    assert_ne!(header(&refused, "content-type"), "text/html");
    Ok(())
}
