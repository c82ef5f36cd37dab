//! The listing stays the authority: scenarios an adversary with plain
//! `s3:PutObject` on the bucket (and no key rights) would try against the
//! pointer, and the writers that never move it. Each runs warm (an instance
//! that served before) and fresh (a new instance).

use std::collections::HashMap;
use std::time::Duration;

use chrono::TimeZone;
use s3_latest::keyring::KeyProvider;
use s3_latest::retrieve::Retriever;
use s3_latest::store::LookupStrategy;

use super::*;

/// A retriever whose audit and data-key TTL are short enough to wait out.
pub fn retriever_tuned<K: Keys>(h: &Harness<K>, audit: Duration, key_ttl: Duration) -> Retriever<K> {
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
pub async fn a_rewritten_pointer_cannot_roll_back_or_freeze_newest<K: Keys>(h: &Harness<K>) -> TestResult {
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
pub async fn a_pointer_to_a_missing_newer_key_is_repaired<K: Keys>(h: &Harness<K>) -> TestResult {
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
pub async fn writes_that_skip_the_pointer_are_served_within_the_audit<K: Keys>(h: &Harness<K>) -> TestResult {
    let audit = Duration::from_secs(3);
    let first = h.ingest().await;
    let warm = retriever_tuned(h, audit, Duration::from_secs(300));
    let listed_at = std::time::Instant::now();
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
    // Within the audit the warm instance's last listing answers. Timed from
    // its last listing (the request above), so the check never skips: a
    // machine too slow to make it fails loudly instead.
    let within = served(&warm).await;
    assert!(
        listed_at.elapsed() < audit,
        "the machine took longer than the audit ({audit:?}); raise it"
    );
    assert_eq!(
        within, first,
        "within the audit, the warm instance's last listing answers"
    );
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
pub async fn a_stray_key_is_skipped<K: Keys>(h: &Harness<K>) -> TestResult {
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

/// A snapshot over the response limit is refused before any GET of its body:
/// for GET, HEAD, a conditional request and `/health`. Its metadata alone
/// (one HEAD, one data-key unwrap) proves it genuine, so junk over the limit
/// is skipped rather than answered as "too large"; the verdict is replayed
/// briefly. The JSON view's size is worked out before the document is built.
pub async fn an_oversized_snapshot_is_refused_before_any_read<K: Keys>(h: &Harness<K>) -> TestResult {
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
    h.counter.reset();
    for (method, headers) in [
        ("GET", vec![]),
        ("HEAD", vec![]),
        ("GET", vec![("if-none-match", etag.as_str())]),
    ] {
        let before = h.counter.get("GetObject");
        let response = call(&small, method, URL, &headers).await;
        assert_error(&response, 502, "ResponseTooLarge");
        assert_eq!(
            h.counter.get("GetObject") - before,
            1,
            "{method} {headers:?}: the pointer only, no body"
        );
    }
    assert_eq!(h.counter.get("HeadObject"), 1, "one HEAD proves it ours, then replayed");

    // Junk as large, newer: skipped, not answered as "too large".
    let junk = snapshot_key(PREFIX, Utc::now() + chrono::Duration::seconds(1), 9);
    h.raw_put(&junk, vec![b'x'; plaintext as usize + 64], HashMap::new())
        .await;
    let fits = call(&with_limit(plaintext + 1024), "GET", URL, &[]).await;
    assert_eq!(fits.status(), 200, "the large junk is skipped");
    assert_eq!(header(&fits, "x-object-key"), key);
    h.raw_delete(&junk).await;
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
pub async fn the_default_commitment_policy_refuses_v2<K: Keys>(h: &Harness<K>) -> TestResult {
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
/// decrypts, but fails authentication: a warm instance keeps serving the
/// authenticated copy it holds until its audit, then, like a fresh one,
/// skips the swapped object for the older genuine one. Never served as HTML.
pub async fn a_swapped_content_type_is_refused<K: Keys>(h: &Harness<K>) -> TestResult {
    let older = h.ingest().await;
    let key = h.ingest().await;
    let audit = Duration::from_secs(3);
    let warm = retriever_tuned(h, audit, Duration::from_secs(300));
    let listed_at = std::time::Instant::now();
    let served = call(&warm, "GET", URL, &[]).await;
    assert_eq!(served.status(), 200);
    assert_eq!(header(&served, "x-object-key"), key);
    assert_eq!(header(&served, "content-type"), "application/json");

    // A listing's LastModified has whole seconds, and a copy of the same
    // bytes keeps the S3 ETag: swapped within the same second, the listing
    // could not tell the objects apart (and serving the authenticated copy
    // held, with its bound type, would be right).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (ciphertext, metadata) = h.raw_get(&key).await;
    h.s3.put_object()
        .bucket(&h.bucket)
        .key(&key)
        .set_metadata(Some(metadata))
        .content_type("text/html")
        .body(ciphertext.into())
        .send()
        .await?;
    let warm_again = call(&warm, "GET", URL, &[]).await;
    assert!(listed_at.elapsed() < audit, "the machine took longer than the audit");
    assert_eq!(warm_again.status(), 200, "warm, within the audit: the copy it holds");
    assert_eq!(header(&warm_again, "x-object-key"), key);
    assert_eq!(header(&warm_again, "content-type"), "application/json", "warm");

    let fresh = call(&h.retriever(LookupStrategy::Pointer), "GET", URL, &[]).await;
    assert_eq!(fresh.status(), 200, "fresh: the swapped object is skipped");
    assert_eq!(header(&fresh, "x-object-key"), older);
    assert_eq!(header(&fresh, "content-type"), "application/json");
    tokio::time::sleep(audit).await;
    let audited = call(&warm, "GET", URL, &[]).await;
    assert_eq!(header(&audited, "x-object-key"), older, "warm, past the audit");
    assert_eq!(header(&audited, "content-type"), "application/json");
    Ok(())
}

// ------------------------------------------------------ hostile writers

/// Someone with `s3:PutObject` and no key rights writes junk at a key that
/// says the year 2100, and at one just past the clock skew: both sort
/// before every genuine snapshot. Warm and fresh instances serve the genuine
/// newest, now and after the next ingest, in one LIST each: S3 skips the
/// far-future keys itself (the listing starts after them).
pub async fn a_far_future_key_cannot_pin_newest<K: Keys>(h: &Harness<K>) -> TestResult {
    let genuine = h.ingest().await;
    let warm = h.retriever(LookupStrategy::Pointer);
    assert_eq!(served(&warm).await, genuine);
    let year_2100 = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    for future in [year_2100, Utc::now() + chrono::Duration::minutes(6)] {
        let junk = snapshot_key(PREFIX, future, 1);
        h.raw_put(&junk, b"{\"junk\":\"far future\"}".to_vec(), HashMap::new())
            .await;
    }
    assert_eq!(served(&warm).await, genuine, "warm");
    h.counter.reset();
    assert_eq!(served(&h.retriever(LookupStrategy::Pointer)).await, genuine, "fresh");
    assert_eq!(h.counter.get("ListObjectsV2"), 1, "fresh: one LIST");
    assert_eq!(
        h.counter.get("GetObject"),
        2,
        "the pointer and the genuine object, no junk"
    );
    let next = h.ingest().await;
    assert_eq!(served(&warm).await, next, "warm, after the next ingest");
    assert_eq!(
        served(&h.retriever(LookupStrategy::Pointer)).await,
        next,
        "fresh, after it"
    );
    Ok(())
}

/// Junk at a key for "now + 1 s" (valid shape, no encryption) would be the
/// newest: it is skipped, by warm and fresh instances, and read once per
/// instance; a conditional request for the genuine one still revalidates,
/// and `If-None-Match: *` answers for the genuine object, not the junk.
pub async fn an_unauthentic_newest_is_skipped<K: Keys>(h: &Harness<K>) -> TestResult {
    let genuine = h.ingest().await;
    let audit = Duration::from_secs(2);
    let warm = retriever_tuned(h, audit, Duration::from_secs(300));
    let first = call(&warm, "GET", URL, &[]).await;
    let etag = header(&first, "etag").to_owned();
    let junk = snapshot_key(PREFIX, Utc::now() + chrono::Duration::seconds(1), 2);
    h.raw_put(&junk, b"{\"junk\":\"not encrypted\"}".to_vec(), HashMap::new())
        .await;
    // Moving the pointer to it, as such a writer may, costs a LIST, no more.
    let listed = h.store(PREFIX).summary(&junk).await?;
    h.raw_put(&pointer(), s3_latest::pointer::encode(&listed), HashMap::new())
        .await;
    for (instance, retriever) in [("warm", &warm), ("fresh", &h.retriever(LookupStrategy::Pointer))] {
        h.counter.reset();
        assert_eq!(served(retriever).await, genuine, "{instance}");
        assert_eq!(served(retriever).await, genuine, "{instance}, again");
        let reads = h.counter.get("GetObject");
        assert!(
            reads <= 4,
            "{instance}: pointer twice, junk and genuine at most once: {reads}"
        );
        let revalidated = call(retriever, "GET", URL, &[("if-none-match", etag.as_str())]).await;
        assert_eq!(revalidated.status(), 304, "{instance}");
        let any = call(retriever, "GET", URL, &[("if-none-match", "*")]).await;
        assert_eq!(any.status(), 304, "{instance}: `*` matches the genuine object");
        assert_eq!(header(&any, "x-object-key"), genuine, "{instance}");
    }
    // The next ingest is served at once by a fresh instance. The pointer
    // still names the junk (which is newer, and exists), so a warm instance
    // learns of it at its audit: the bound on writes that skip the pointer.
    let next = h.ingest().await;
    assert_eq!(served(&h.retriever(LookupStrategy::Pointer)).await, next, "fresh");
    tokio::time::sleep(audit).await;
    assert_eq!(served(&warm).await, next, "warm, by its audit");
    Ok(())
}

/// Stray objects under the prefix, sorting before the snapshots: 200 before
/// the listing's start (strays S3 skips for us) and 1,000 after it. A cold
/// lookup costs at most two LISTs, and serves the genuine newest.
pub async fn strays_cost_at_most_two_lists<K: Keys>(h: &Harness<K>) -> TestResult {
    let genuine = h.ingest().await;
    let near = s3_latest::object_key::listing_fence(PREFIX, Utc::now() + chrono::Duration::minutes(1));
    h.seed(200, |i| format!("{PREFIX}0-stray-{i:04}")).await;
    h.seed(1000, |i| format!("{near}-stray-{i:04}")).await;
    for strategy in [LookupStrategy::Pointer, LookupStrategy::Index] {
        h.counter.reset();
        assert_eq!(served(&h.retriever(strategy)).await, genuine, "{strategy:?}");
        assert_eq!(
            h.counter.get("ListObjectsV2"),
            2,
            "{strategy:?}: two LISTs, whatever lies before"
        );
        assert_eq!(
            h.store(PREFIX).newest(strategy).await?.map(|s| s.key),
            Some(genuine.clone())
        );
    }
    Ok(())
}

/// A key for a tick to come, written in advance with a marker: retrieve
/// never serves it, and well ahead of its time it is not even listed
/// (written more than the skew before the time its key names). Whoever
/// writes it cannot know the tick's real key (see the next scenario); this
/// is retrieve's own guard.
pub async fn a_key_written_in_advance_is_not_served<K: Keys>(h: &Harness<K>) -> TestResult {
    let genuine = h.ingest().await;
    let (ciphertext, metadata) = h.raw_get(&genuine).await;
    for ahead in [chrono::Duration::minutes(2), chrono::Duration::hours(4)] {
        let tick = snapshot_key(PREFIX, Utc::now() + ahead, 3);
        let mut claimed = metadata.clone();
        claimed.insert(s3_latest::ingest::TRIGGER_METADATA.into(), "0".repeat(64));
        h.raw_put(&tick, ciphertext.to_vec(), claimed).await;
    }
    for retriever in [h.retriever(LookupStrategy::Pointer), h.retriever(LookupStrategy::Index)] {
        assert_eq!(served(&retriever).await, genuine);
    }
    Ok(())
}

/// The next tick, prepared for by a writer with `s3:PutObject` and no keys.
/// It knows the tick's time and its trigger's name, but the key derives
/// from ingest's keyed tag of that name, so what it writes where it can
/// compute (a digest of the name, with and without a marker) stops nothing:
/// ingest writes the tick's snapshot, points at it, and it is served. And
/// were the real key to leak, an object there carrying anything but ingest's
/// own tag over it (a genuine object's marker and envelope copied, or a
/// made-up marker) is not claimed: the delivery fails `KeyCollision`, and the
/// pointer stays where it was.
pub async fn the_next_ticks_key_cannot_be_claimed_in_advance<K: Keys>(h: &Harness<K>) -> TestResult {
    use s3_latest::ingest::{IngestError, Outcome, TRIGGER_METADATA, trigger};
    use s3_latest::keyring::Tagged;
    use s3_latest::object_key::trigger_key;

    let genuine = h.ingest().await;
    let (ciphertext, metadata) = h.raw_get(&genuine).await;
    let event = super::scheduled_event();
    let identity = trigger::parse(&event)?.identity(Utc::now())?;
    let digest = s3_latest::crypto::sha256(&[identity.name.as_bytes()]);
    let guessed = trigger_key(PREFIX, identity.time, &digest);
    let mut marked = metadata.clone();
    marked.insert(TRIGGER_METADATA.into(), hex::encode(digest));
    h.raw_put(&guessed, ciphertext.to_vec(), marked).await;
    let unmarked = trigger_key(PREFIX, identity.time, &s3_latest::crypto::sha256(&[b"another guess"]));
    h.raw_put(&unmarked, b"junk".to_vec(), Default::default()).await;

    let written = h.ingestor().run(&event).await?;
    assert_eq!(written.outcome, Outcome::Written, "{written:?}");
    let key = written.key.expect("a key");
    assert!(key != guessed && key != unmarked, "{key}");
    assert_eq!(super::pointed_at(h).await, key);
    for retriever in [h.retriever(LookupStrategy::Pointer), h.retriever(LookupStrategy::Index)] {
        assert_eq!(served(&retriever).await, key);
    }
    let retry = h.ingestor().run(&event).await?;
    assert_eq!(
        (retry.outcome, retry.key),
        (Outcome::AlreadyIngested, Some(key.clone()))
    );

    // The real key of a later tick, leaked.
    let copied_marker = metadata.get(TRIGGER_METADATA).expect("a marker").clone();
    for marker in [copied_marker, "ab".repeat(32)] {
        let event = super::scheduled_event();
        let identity = trigger::parse(&event)?.identity(Utc::now())?;
        let tag = h.keys.tag(&Tagged::Trigger { name: &identity.name }).await?;
        let leaked = trigger_key(PREFIX, identity.time, &tag);
        let mut forged = metadata.clone();
        forged.insert(TRIGGER_METADATA.into(), marker);
        h.raw_put(&leaked, ciphertext.to_vec(), forged).await;
        let err = h.ingestor().run(&event).await.unwrap_err();
        assert!(matches!(err, IngestError::KeyTaken { .. }), "{err}");
        assert_eq!(super::pointed_at(h).await, key, "not pointed at");
    }
    Ok(())
}

/// Every answer, whatever its status, says `nosniff` and sandboxes what a
/// browser would render; a source serving `text/html` is served with both.
pub async fn served_bytes_cannot_become_a_page<K: Keys>(h: &Harness<K>) -> TestResult {
    let origin = test_support::origin::Origin::start(test_support::origin::Resource::new(
        b"<script>alert(document.domain)</script>".to_vec(),
        "text/html",
        "\"v1\"",
    ))
    .await;
    let source = s3_latest::config::SourceConfig::Url {
        url: origin.url.parse().unwrap(),
        timeout: Duration::from_secs(5),
        max_bytes: 1 << 20,
        redirect_hosts: Vec::new(),
    };
    h.ingestor_at(PREFIX, source).run(&scheduled_event()).await?;
    let retriever = h.retriever(LookupStrategy::Pointer);
    let page = call(&retriever, "GET", URL, &[]).await;
    assert_eq!(page.status(), 200);
    assert_eq!(header(&page, "content-type"), "text/html");
    let etag = header(&page, "etag").to_owned();
    for (case, response) in [
        ("200 text/html", page),
        (
            "304",
            call(&retriever, "GET", URL, &[("if-none-match", etag.as_str())]).await,
        ),
        ("HEAD", call(&retriever, "HEAD", URL, &[]).await),
        ("404", call(&retriever, "GET", "/dev/other", &[]).await),
        ("405", call(&retriever, "POST", URL, &[]).await),
        ("400", call(&retriever, "GET", &format!("{URL}?format=xml"), &[]).await),
        ("health", call(&retriever, "GET", "/dev/health", &[]).await),
    ] {
        assert_eq!(header(&response, "x-content-type-options"), "nosniff", "{case}");
        assert_eq!(
            header(&response, "content-security-policy"),
            s3_latest::retrieve::CONTENT_SECURITY_POLICY,
            "{case}"
        );
    }
    Ok(())
}
