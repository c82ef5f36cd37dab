//! The restore procedure (scripts/restore.sh, with the AWS CLI), run as an
//! operator would after the two accidents it is for: a snapshot deleted (a
//! delete marker hides it), and a snapshot lost outright, put back from a
//! copy. The caller then has retrieve serve the restored snapshot, which it
//! does only if the bytes and the metadata came back exactly.

use std::process::{Command, Output};

use super::{root, s3, text};

/// scripts/restore.sh with the project's AWS CLI (.venv), aimed at moto.
fn restore(endpoint: &str, args: &[&str]) -> Output {
    let venv_bin = test_support::repo::venv_program("aws");
    let path = format!(
        "{}:{}",
        venv_bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = tempfile::NamedTempFile::new().unwrap();
    // moto on 127.0.0.1 answers path-style requests only.
    std::fs::write(
        config.path(),
        "[default]\nregion = eu-west-1\ns3 =\n    addressing_style = path\n",
    )
    .unwrap();
    Command::new(root().join("scripts/restore.sh"))
        .args(args)
        .env("PATH", path)
        .env("AWS_CONFIG_FILE", config.path())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run scripts/restore.sh")
}

async fn versions(bucket: &str, key: &str) -> Vec<String> {
    let listed = s3()
        .await
        .list_object_versions()
        .bucket(bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    listed
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap().to_owned())
        .chain(
            listed
                .delete_markers()
                .iter()
                .map(|m| m.version_id().unwrap().to_owned()),
        )
        .collect()
}

/// Deletes `key` by accident and undeletes it, then loses it outright and
/// copies it back from a backup bucket; a second copy is refused.
pub async fn deleted_and_lost_snapshots_are_restored(endpoint: &str, bucket: &str, key: &str) {
    let s3 = s3().await;
    let original = s3.get_object().bucket(bucket).key(key).send().await.unwrap();
    let (content_type, metadata) = (original.content_type().map(str::to_owned), original.metadata().cloned());
    let body = original.body.collect().await.unwrap().into_bytes();

    // 1. Deleted: a delete marker hides it.
    s3.delete_object().bucket(bucket).key(key).send().await.unwrap();
    let undeleted = restore(endpoint, &["undelete", bucket, key]);
    assert!(undeleted.status.success(), "restore.sh undelete:\n{}", text(&undeleted));
    let again = restore(endpoint, &["undelete", bucket, key]);
    assert!(!again.status.success(), "nothing left to undelete");
    assert!(text(&again).contains("is not deleted"), "{}", text(&again));

    // 2. Lost: every version gone; a backup copy (bytes and metadata) exists.
    let backup = format!("restore-backup-{bucket}");
    s3.create_bucket()
        .bucket(&backup)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(&backup)
        .key(key)
        .body(body.clone().into())
        .set_content_type(content_type.clone())
        .set_metadata(metadata.clone())
        .send()
        .await
        .unwrap();
    for version in versions(bucket, key).await {
        s3.delete_object()
            .bucket(bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
    let copied = restore(endpoint, &["copy", &backup, bucket, key]);
    assert!(copied.status.success(), "restore.sh copy:\n{}", text(&copied));
    let restored = s3.get_object().bucket(bucket).key(key).send().await.unwrap();
    assert_eq!(restored.content_type().map(str::to_owned), content_type, "Content-Type");
    assert_eq!(restored.metadata().cloned(), metadata, "metadata");
    assert_eq!(restored.body.collect().await.unwrap().into_bytes(), body, "bytes");

    // Create-only: a restore never replaces a snapshot.
    let twice = restore(endpoint, &["copy", &backup, bucket, key]);
    assert!(!twice.status.success(), "a second copy must be refused");
    assert!(text(&twice).contains("PreconditionFailed"), "{}", text(&twice));
    assert_eq!(versions(bucket, key).await.len(), 1, "nothing replaced");

    s3.delete_object().bucket(&backup).key(key).send().await.unwrap();
    s3.delete_bucket().bucket(&backup).send().await.unwrap();
}
