//! Retiring a kept environment (scripts/retire.sh): writers stop first, the
//! bucket is deleted alone, and the key only after it. While any object
//! remains, nothing that protects the data is removed, and a write that
//! lands in the window (an invocation already running when the writers
//! were stopped) only makes the bucket's deletion fail again.

use serde_json::Value;

use super::{Deployment, region_of, s3, text};

/// `aws.py protections NAME`: the bucket, its object count and the key state.
fn protections(d: &Deployment, name: &str) -> Value {
    serde_json::from_slice(&d.aws_in(region_of(name), &["protections", name]).stdout).expect("protections JSON")
}

fn retire(d: &Deployment, env: &str) -> std::process::Output {
    // Nothing is running on moto: no in-flight invocation to wait out.
    d.script("retire", env, &[("RETIRE_DRAIN_SECONDS", "0")])
}

/// Every protection `before` had is still on, with the retiring Deny added,
/// and the key is untouched.
fn assert_still_protected(d: &Deployment, name: &str, before: &Value, why: &str) {
    let now = protections(d, name);
    let bucket = &now["bucket"];
    assert!(bucket.is_object(), "{name} ({why}): the bucket is still there");
    assert!(now["objects"].as_u64().unwrap() > 0, "{name} ({why}): objects remain");
    assert_eq!(now["key_state"], "Enabled", "{name} ({why}): the key is untouched");
    for field in [
        "public_access_block",
        "versioning",
        "sse_algorithm",
        "sse_kms_key",
        "bucket_key",
    ] {
        assert_eq!(bucket[field], before["bucket"][field], "{name} ({why}): {field}");
    }
    let sids = |policy: &Value| -> Vec<String> {
        policy["Statement"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|s| s["Sid"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let now_sids = sids(&bucket["policy"]);
    for sid in sids(&before["bucket"]["policy"]) {
        assert!(now_sids.contains(&sid), "{name} ({why}): the bucket policy keeps {sid}");
    }
    assert!(
        now_sids.iter().any(|sid| sid == "DenyEveryWriteWhileRetiring"),
        "{name} ({why}): every write is denied: {now_sids:?}"
    );
}

/// A write that was already under way when the writers stopped: it lands
/// after the bucket was emptied. (On AWS the retiring Deny refuses it; moto
/// evaluates bucket policies without their conditions and refuses every
/// PutObject, so the policy steps aside for this one write.)
async fn a_late_write_lands(bucket: &str, key: &str) {
    let s3 = s3().await;
    let policy = s3.get_bucket_policy().bucket(bucket).send().await.unwrap();
    s3.delete_bucket_policy().bucket(bucket).send().await.unwrap();
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(b"late".to_vec().into())
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy.policy().unwrap())
        .send()
        .await
        .unwrap();
}

/// Retires `env`, whose kept deployments are `names` (their bucket policies
/// on). With `late_write`: first with the snapshots still there, then with
/// a write in the window, then for good.
pub async fn retire_with_a_write_in_the_window(d: &Deployment, env: &str, names: &[&str], late_write: bool) {
    let before: Vec<Value> = names.iter().map(|name| protections(d, name)).collect();
    let buckets: Vec<String> = before
        .iter()
        .map(|p| p["bucket"]["name"].as_str().unwrap().to_owned())
        .collect();

    if late_write {
        let first = retire(d, env);
        let said = text(&first);
        assert!(
            !first.status.success(),
            "retire {env} with objects left must stop:\n{said}"
        );
        assert!(said.contains("a bucket still holds objects"), "{said}");
        // Step 1 stopped the writers before anything was released.
        let stopping = said.find("== 1. stopping every writer").expect("step 1 ran");
        let released = said.find("== 2. releasing").expect("step 2 ran");
        let stopped = said[stopping..released]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for change in [
            "state = \"ENABLED\" -> \"DISABLED\"",
            "reserved_concurrent_executions = -1 -> 0",
            "\"DenyEveryWriteWhileRetiring\"",
        ] {
            assert!(stopped.contains(change), "step 1 plans {change}:\n{stopped}");
        }
        for (name, before) in names.iter().zip(&before) {
            assert_still_protected(d, name, before, "snapshots remain");
        }
        // Released data is never deployed again, nor destroyed the plain way.
        let redeployed = d.script("deploy", env, &[]);
        assert!(
            !redeployed.status.success(),
            "deploy {env} after its data was released must stop"
        );
        assert!(
            text(&redeployed).contains("refusing to apply: this plan deletes data"),
            "{}",
            text(&redeployed)
        );
        let destroyed = d.destroy(env);
        assert!(
            !destroyed.status.success(),
            "destroy {env} after its data was released must stop"
        );
        assert!(text(&destroyed).contains("scripts/retire.sh"), "{}", text(&destroyed));
        for (name, before) in names.iter().zip(&before) {
            assert_still_protected(d, name, before, "a deploy and a destroy were refused");
        }

        for bucket in &buckets {
            super::empty_bucket(bucket).await;
        }
        a_late_write_lands(&buckets[0], "snapshots/late").await;
        let second = retire(d, env);
        assert!(
            !second.status.success(),
            "retire {env} after a late write must stop:\n{}",
            text(&second)
        );
        // The late write landed in the first bucket.
        assert_still_protected(d, names[0], &before[0], "a late write landed");
    }

    for bucket in &buckets {
        super::empty_bucket(bucket).await;
    }
    let done = retire(d, env);
    assert!(done.status.success(), "retire {env}:\n{}", text(&done));
    let said = text(&done);
    let (buckets_deleted, rest) = (
        said.find("== 3. deleting the bucket(s)").expect("step 3 ran"),
        said.find("== 4. destroying the rest").expect("step 4 ran"),
    );
    assert!(
        !said[buckets_deleted..rest].contains("aws_kms_"),
        "no key is touched while a bucket exists:\n{}",
        &said[buckets_deleted..rest]
    );
    for name in names {
        let after = protections(d, name);
        assert_eq!(after["bucket"], Value::Null, "{name}: the bucket is gone");
        assert_eq!(after["key_state"], Value::Null, "{name}: the key's alias is gone");
    }
}
