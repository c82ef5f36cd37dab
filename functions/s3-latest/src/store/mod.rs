//! The bucket as a store of snapshots: find the newest, read one, write one
//! that never replaces another.

use std::collections::HashMap;

use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};

use crate::aws_error;

mod listing;
pub use listing::{Inadmissible, Listing, LookupStrategy, admissible, in_layout, is_newer};

/// What a listing says about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSummary {
    pub key: String,
    /// The S3 ETag, quotes included, exactly as S3 reports it.
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    /// Stored (ciphertext) size in bytes.
    pub size: u64,
}

/// One object's headers, without its body.
#[derive(Debug, Clone)]
pub struct ObjectHead {
    pub metadata: HashMap<String, String>,
    pub content_type: Option<String>,
    /// Stored (ciphertext) size in bytes.
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
}

/// One object read in full.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub content_type: Option<String>,
    pub metadata: HashMap<String, String>,
    pub etag: Option<String>,
    pub body: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("object store unavailable during {operation} ({code})")]
    Unavailable { operation: &'static str, code: String },
    #[error("object store refused {operation} ({code})")]
    Refused { operation: &'static str, code: String },
    #[error("object not found")]
    NotFound,
    #[error("an object already exists at this key")]
    AlreadyExists,
    #[error("a concurrent conditional write to this key is in flight")]
    WriteInFlight,
    #[error("the object changed since it was read")]
    Changed,
    /// Larger than the reader takes: reading stopped at the limit.
    #[error("the object is larger than {limit} bytes")]
    TooLarge { limit: u64 },
}

/// The condition a write is made under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-None-Match: *`: only where nothing is.
    Absent,
    /// `If-Match: <etag>`: only over the object read with this ETag.
    Matches(String),
}

impl StoreError {
    fn from_sdk<E: aws_sdk_s3::error::ProvideErrorMetadata>(
        operation: &'static str,
        err: &aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    ) -> Self {
        aws_error::into_error(
            err,
            |code| StoreError::Unavailable { operation, code },
            |code| StoreError::Refused { operation, code },
        )
    }
}

/// The code of a GetObject whose body broke off after its headers.
const BODY_READ_FAILED: &str = "BodyReadFailed";

/// The most a GET reserves up front from the response's Content-Length;
/// a larger body still reads, growing its buffer as it goes.
const MAX_BODY_RESERVATION: usize = 256 << 20;

/// A prefix of one bucket, seen through the S3 API.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    sse_kms_key_id: Option<String>,
}

fn to_chrono(t: &aws_smithy_types::DateTime) -> DateTime<Utc> {
    Utc.timestamp_opt(t.secs(), t.subsec_nanos())
        .single()
        .unwrap_or_default()
}

fn summary_of(object: &aws_sdk_s3::types::Object) -> Option<ObjectSummary> {
    Some(ObjectSummary {
        key: object.key()?.to_owned(),
        etag: object.e_tag().unwrap_or_default().to_owned(),
        last_modified: object.last_modified().map(to_chrono).unwrap_or_default(),
        size: object.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
    })
}

impl SnapshotStore {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        SnapshotStore {
            client,
            bucket: bucket.into(),
            prefix: prefix.into(),
            sse_kms_key_id: None,
        }
    }

    /// Asks S3 to also encrypt writes at rest with this KMS key (SSE-KMS with
    /// an S3 Bucket Key). A bucket policy that denies uploads not naming the
    /// bucket's key needs the header on every PutObject.
    pub fn with_sse_kms(mut self, key_id: Option<String>) -> Self {
        self.sse_kms_key_id = key_id;
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `key`'s object, if it is at most `max_bytes` long.
    pub async fn get(&self, key: &str, max_bytes: u64) -> Result<StoredObject, StoreError> {
        // Unconditional: S3 has nothing to answer 304 to.
        self.get_if_changed(key, None, max_bytes)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The user metadata of one object, without its body.
    pub async fn metadata(&self, key: &str) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.head(key).await?.metadata)
    }

    /// What a HEAD says of one object.
    pub async fn head(&self, key: &str) -> Result<ObjectHead, StoreError> {
        let out = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                    StoreError::NotFound
                } else {
                    StoreError::from_sdk("HeadObject", &e)
                }
            })?;
        Ok(ObjectHead {
            size: out.content_length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
            last_modified: out.last_modified.as_ref().map(to_chrono),
            content_type: out.content_type,
            metadata: out.metadata.unwrap_or_default(),
        })
    }

    /// The listing entry of exactly `key`, as [`newest`](Self::newest) would
    /// report it were `key` the newest (one `ListObjectsV2` with the key as
    /// prefix): entity tags made from it match the index lookup's.
    pub async fn summary(&self, key: &str) -> Result<ObjectSummary, StoreError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(key)
            .max_keys(1)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("ListObjectsV2", &e))?;
        page.contents()
            .first()
            .and_then(summary_of)
            .filter(|summary| summary.key == key)
            .ok_or(StoreError::NotFound)
    }

    /// `key`'s object unless its ETag is still `etag` (`If-None-Match`):
    /// `Ok(None)` for S3's 304. Reading stops past `max_bytes`, whatever
    /// `Content-Length` said: [`StoreError::TooLarge`].
    ///
    /// The SDK retries a request until its response headers arrive; a body
    /// cut short after that reaches us, and is asked for once more here.
    pub async fn get_if_changed(
        &self,
        key: &str,
        etag: Option<&str>,
        max_bytes: u64,
    ) -> Result<Option<StoredObject>, StoreError> {
        match self.get_once(key, etag, max_bytes).await {
            Err(StoreError::Unavailable { code, .. }) if code == BODY_READ_FAILED => {
                tracing::warn!(%key, "a GetObject body was cut short; asking once more");
                self.get_once(key, etag, max_bytes).await
            }
            result => result,
        }
    }

    async fn get_once(
        &self,
        key: &str,
        etag: Option<&str>,
        max_bytes: u64,
    ) -> Result<Option<StoredObject>, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_if_none_match(etag.map(str::to_owned))
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) if aws_error::http_status(&e) == Some(304) => return Ok(None),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Err(StoreError::NotFound),
            Err(e) => return Err(StoreError::from_sdk("GetObject", &e)),
        };
        // Read into one buffer sized from Content-Length, rather than
        // collecting chunks and copying them together: a large object then
        // needs its size in memory once, and decryption reuses the buffer.
        let too_large = StoreError::TooLarge { limit: max_bytes };
        if out.content_length.and_then(|n| u64::try_from(n).ok()).unwrap_or(0) > max_bytes {
            return Err(too_large);
        }
        let reserve = out
            .content_length
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(MAX_BODY_RESERVATION);
        let mut body = Vec::with_capacity(reserve);
        let mut stream = out.body;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                tracing::warn!(%key, error = %e, "reading a GetObject body failed");
                StoreError::Unavailable {
                    operation: "GetObject",
                    code: BODY_READ_FAILED.into(),
                }
            })?;
            // Content-Length may lie (or be absent): count what arrives.
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        let body = Bytes::from(body);
        Ok(Some(StoredObject {
            content_type: out.content_type,
            metadata: out.metadata.unwrap_or_default(),
            etag: out.e_tag,
            body,
        }))
    }

    /// Writes `body` at `key` only if nothing is there (`If-None-Match: *`).
    /// S3 answers 412 when the key exists ([`StoreError::AlreadyExists`]) and
    /// 409 `ConditionalRequestConflict` when a concurrent conditional write to
    /// the same key is in flight ([`StoreError::WriteInFlight`]: ask again).
    pub async fn put_new(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        metadata: HashMap<String, String>,
    ) -> Result<(), StoreError> {
        self.put(key, body, content_type, metadata, Precondition::Absent).await
    }

    /// Writes `body` at `key` under `condition`. A failed condition is
    /// [`StoreError::AlreadyExists`] for [`Precondition::Absent`] and
    /// [`StoreError::Changed`] for [`Precondition::Matches`] (S3's 412, or its
    /// 404 when the object to match is gone); 409 is
    /// [`StoreError::WriteInFlight`].
    pub async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        metadata: HashMap<String, String>,
        condition: Precondition,
    ) -> Result<(), StoreError> {
        let len = body.len() as i64;
        let mut request = self.client.put_object();
        request = match &condition {
            Precondition::Absent => request.if_none_match("*"),
            Precondition::Matches(etag) => request.if_match(etag),
        };
        if let Some(key_id) = &self.sse_kms_key_id {
            request = request
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id)
                .bucket_key_enabled(true);
        }
        request
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(len)
            .set_metadata(Some(metadata))
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| match (aws_error::http_status(&e), &condition) {
                (Some(412), Precondition::Absent) => StoreError::AlreadyExists,
                (Some(412 | 404), Precondition::Matches(_)) => StoreError::Changed,
                (Some(409), _) => StoreError::WriteInFlight,
                (_, _) => StoreError::from_sdk("PutObject", &e),
            })?;
        Ok(())
    }
}
