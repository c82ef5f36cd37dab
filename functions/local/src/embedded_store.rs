//! An S3-compatible server in this process: `s3s` over `s3s-fs`, on loopback.
//!
//! A thin layer over the filesystem backend adds these things:
//! * conditional writes made atomic: s3s-fs honours `If-None-Match: *` and
//!   `If-Match` on PUT, but checks and then writes, so two racing writers
//!   could both succeed; conditional puts are serialised here;
//! * `If-None-Match` on GET answered 304 as S3 does (s3s-fs ignores it);
//! * writes made all-or-nothing across a crash (see [`remove_torn_writes`]);
//! * a count of requests per S3 operation, for tests and the benchmark;
//! * an optional fixed delay per request, to stand in for S3's round trip;
//! * an optional ordered listing index: s3s-fs walks and sorts every key on
//!   each LIST (O(N)), while S3 answers from an ordered index. The benchmark
//!   switches the index on so that its simulated-S3 run models S3's LIST.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result};
use s3s_fs::FileSystem;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Loopback-only credentials of the embedded store. Not secrets: the store
/// listens on 127.0.0.1 and exists to be reached by this machine's tools.
pub const ACCESS_KEY_ID: &str = "s3-latest-local";
pub const SECRET_ACCESS_KEY: &str = "s3-latest-local-secret";
pub const REGION: &str = "us-east-1";

/// Requests served, keyed by S3 operation name (`ListObjectsV2`, `GetObject`, ...).
#[derive(Debug, Clone, Default)]
pub struct OperationCounts(Arc<Mutex<BTreeMap<&'static str, u64>>>);

impl OperationCounts {
    fn record(&self, operation: &'static str) {
        *self.lock().entry(operation).or_default() += 1;
    }

    pub fn get(&self, operation: &str) -> u64 {
        self.lock().get(operation).copied().unwrap_or(0)
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, u64> {
        self.lock().clone()
    }

    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, u64>> {
        s3_latest::sync::lock(&self.0)
    }
}

#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Added before every request is served, like a network round trip.
    pub added_latency: Duration,
}

/// The simulated round trips, adjustable while the store runs: one for
/// LIST, one for every other request (S3's LIST reads its index and sends an
/// XML listing; a GET of a small object or a 304 sends little).
#[derive(Debug, Clone, Default)]
struct Latency {
    list: Arc<std::sync::atomic::AtomicU64>,
    other: Arc<std::sync::atomic::AtomicU64>,
}

impl Latency {
    fn get(&self, operation: &str) -> Duration {
        let micros = if operation == "ListObjectsV2" {
            &self.list
        } else {
            &self.other
        };
        Duration::from_micros(micros.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn set(&self, list: Duration, other: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.list.store(list.as_micros() as u64, Relaxed);
        self.other.store(other.as_micros() as u64, Relaxed);
    }
}

/// Objects written through this store, in S3's key order, so a LIST can be
/// answered in O(log N + page) as S3 does. It only knows objects written
/// since the store started, which is why it is off unless asked for.
#[derive(Default)]
struct ListingIndex {
    enabled: std::sync::atomic::AtomicBool,
    objects: Mutex<BTreeMap<(String, String), Object>>,
}

impl ListingIndex {
    fn enabled(&self) -> bool {
        self.enabled.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn record(&self, bucket: &str, key: &str, size: Option<i64>, e_tag: Option<ETag>) {
        let object = Object {
            key: Some(key.to_owned()),
            size,
            e_tag,
            last_modified: Some(Timestamp::from(std::time::SystemTime::now())),
            ..Default::default()
        };
        self.lock().insert((bucket.to_owned(), key.to_owned()), object);
    }

    fn forget(&self, bucket: &str, key: &str) {
        self.lock().remove(&(bucket.to_owned(), key.to_owned()));
    }

    fn list(&self, input: &ListObjectsV2Input) -> ListObjectsV2Output {
        let prefix = input.prefix.clone().unwrap_or_default();
        let max_keys = input.max_keys.unwrap_or(1000).clamp(0, 1000) as usize;
        let after = [input.start_after.clone(), input.continuation_token.clone()]
            .into_iter()
            .flatten()
            .max();
        let lower = (input.bucket.clone(), after.clone().unwrap_or_else(|| prefix.clone()));
        let objects = self.lock();
        let mut matching = objects
            .range(lower..)
            .take_while(|((bucket, key), _)| *bucket == input.bucket && key.starts_with(&prefix))
            .filter(|((_, key), _)| after.as_deref() != Some(key.as_str()));
        let contents: Vec<Object> = matching.by_ref().take(max_keys).map(|(_, o)| o.clone()).collect();
        let is_truncated = matching.next().is_some();
        ListObjectsV2Output {
            name: Some(input.bucket.clone()),
            prefix: input.prefix.clone(),
            max_keys: Some(max_keys as i32),
            key_count: Some(contents.len() as i32),
            continuation_token: input.continuation_token.clone(),
            is_truncated: Some(is_truncated),
            next_continuation_token: if is_truncated {
                contents.last().and_then(|o| o.key.clone())
            } else {
                None
            },
            contents: Some(contents),
            ..Default::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Object>> {
        s3_latest::sync::lock(&self.objects)
    }
}

struct LocalBackend {
    listing: Arc<ListingIndex>,
    fs: FileSystem,
    // Conditional writes hold it exclusively, so each checks and writes as
    // one step; reads (LIST, GET, HEAD) hold it shared while s3s-fs opens the
    // body and reads the metadata and ETag files beside it, so a read never
    // pairs one version's body with another's ETag (a compare-and-swap on the
    // pointer would then act on a stale body), nor sees an object whose
    // metadata is not written yet (S3 makes a PUT visible whole). A Tokio lock: it is held across the
    // awaited filesystem calls.
    puts: tokio::sync::RwLock<()>,
    counts: OperationCounts,
    latency: Latency,
}

impl LocalBackend {
    async fn enter(&self, operation: &'static str) {
        self.counts.record(operation);
        let latency = self.latency.get(operation);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
}

#[async_trait::async_trait]
impl S3 for LocalBackend {
    async fn list_objects_v2(&self, req: S3Request<ListObjectsV2Input>) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.enter("ListObjectsV2").await;
        if self.listing.enabled() {
            return Ok(S3Response::new(self.listing.list(&req.input)));
        }
        let _no_conditional_write = self.puts.read().await;
        self.fs.list_objects_v2(req).await
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        self.enter("GetObject").await;
        let condition = req.input.if_none_match.clone();
        let response = {
            let _no_conditional_write = self.puts.read().await;
            self.fs.get_object(req).await?
        };
        let unchanged = match (&condition, &response.output.e_tag) {
            (Some(ETagCondition::Any), Some(_)) => true,
            (Some(ETagCondition::ETag(held)), Some(current)) => held.weak_cmp(current),
            _ => false,
        };
        if unchanged {
            return Err(s3s::s3_error!(NotModified));
        }
        Ok(response)
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        self.enter("HeadObject").await;
        let _no_conditional_write = self.puts.read().await;
        self.fs.head_object(req).await
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        self.enter("PutObject").await;
        let (bucket, key, size) = (
            req.input.bucket.clone(),
            req.input.key.clone(),
            req.input.content_length,
        );
        // Only conditional writes need check-then-write to be one step.
        let conditional = req.input.if_none_match.is_some() || req.input.if_match.is_some();
        let _one_writer = if conditional {
            Some(self.puts.write().await)
        } else {
            None
        };
        let response = self.fs.put_object(req).await?;
        self.listing.record(&bucket, &key, size, response.output.e_tag.clone());
        Ok(response)
    }

    async fn delete_object(&self, req: S3Request<DeleteObjectInput>) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.enter("DeleteObject").await;
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let response = self.fs.delete_object(req).await?;
        self.listing.forget(&bucket, &key);
        Ok(response)
    }

    async fn create_bucket(&self, req: S3Request<CreateBucketInput>) -> S3Result<S3Response<CreateBucketOutput>> {
        self.enter("CreateBucket").await;
        self.fs.create_bucket(req).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.enter("HeadBucket").await;
        self.fs.head_bucket(req).await
    }

    async fn list_buckets(&self, req: S3Request<ListBucketsInput>) -> S3Result<S3Response<ListBucketsOutput>> {
        self.enter("ListBuckets").await;
        self.fs.list_buckets(req).await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreStartError {
    #[error("data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("cannot listen: {0}")]
    Listen(#[from] std::io::Error),
}

/// A running embedded store. Dropping it does not stop it; call [`shutdown`](Self::shutdown).
pub struct EmbeddedStore {
    addr: SocketAddr,
    counts: OperationCounts,
    latency: Latency,
    listing: Arc<ListingIndex>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Where suspect objects go: beside the store, never inside it (s3s-fs would
/// list a directory there as a bucket).
pub fn quarantine_dir(root: &Path) -> std::path::PathBuf {
    let mut name = root.file_name().unwrap_or_default().to_os_string();
    name.push(".quarantine");
    root.with_file_name(name)
}

impl EmbeddedStore {
    /// Serves the directory `root` (created if missing) on `listener`.
    pub async fn start(root: &Path, listener: TcpListener, options: StoreOptions) -> Result<Self, StoreStartError> {
        let data_dir_error = |reason: String| StoreStartError::DataDir {
            path: root.display().to_string(),
            reason,
        };
        std::fs::create_dir_all(root).map_err(|e| data_dir_error(e.to_string()))?;
        let quarantine = quarantine_dir(root);
        let torn = remove_torn_writes(root, &quarantine)
            .map_err(|e| data_dir_error(format!("recovering torn writes: {e}")))?;
        for (bucket, key) in &torn {
            tracing::warn!(%bucket, %key, quarantine = %quarantine.display(), "set aside an object whose write was cut short by a crash");
        }
        let fs = FileSystem::new(root).map_err(|e| data_dir_error(format!("{e:?}")))?;
        let counts = OperationCounts::default();
        let latency = Latency::default();
        latency.set(options.added_latency, options.added_latency);
        let listing = Arc::new(ListingIndex::default());
        let backend = LocalBackend {
            listing: listing.clone(),
            fs,
            puts: tokio::sync::RwLock::new(()),
            counts: counts.clone(),
            latency: latency.clone(),
        };
        let service = {
            let mut builder = s3s::service::S3ServiceBuilder::new(backend);
            builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
            builder.build()
        };
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            let graceful = hyper_util::server::graceful::GracefulShutdown::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((socket, _)) = accepted else { continue };
                        // Without it, a response written in two parts (headers, then body)
                        // waits out the peer's delayed ACK: 40 ms per GetObject on loopback.
                        let _ = socket.set_nodelay(true);
                        let connection = http.serve_connection(TokioIo::new(socket), service.clone()).into_owned();
                        let connection = graceful.watch(connection);
                        tokio::spawn(async move { let _ = connection.await; });
                    }
                    _ = stopped.changed() => break,
                }
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
        });
        Ok(EmbeddedStore {
            addr,
            counts,
            latency,
            listing,
            stop,
            task,
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn counts(&self) -> &OperationCounts {
        &self.counts
    }

    /// Answers LIST from the ordered index of objects written since start, as
    /// S3 does, instead of s3s-fs's walk-and-sort of every key.
    pub fn set_ordered_listing(&self, enabled: bool) {
        self.listing
            .enabled
            .store(enabled, std::sync::atomic::Ordering::Relaxed);
    }

    /// Changes the simulated round trip added to every request from now on.
    pub fn set_added_latency(&self, latency: Duration) {
        self.latency.set(latency, latency);
    }

    /// Changes the simulated round trips from now on: `list` for each LIST,
    /// `other` for every other request.
    pub fn set_added_latencies(&self, list: Duration, other: Duration) {
        self.latency.set(list, other);
    }

    /// An S3 client for this store: path-style, fixed local credentials.
    pub fn client(&self) -> aws_sdk_s3::Client {
        client_for(&self.endpoint())
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Moves objects whose write a crash cut short out of the store, into
/// `quarantine`, and returns them.
///
/// s3s-fs writes a body to a temporary file and renames it into place (so a
/// body is never half there), but then writes the object's metadata and its
/// ETag record as two more files. A process killed between the rename and
/// those leaves an object that lists, but whose metadata (our encryption
/// envelope) is missing. PutObject answers only once all three are written,
/// so such an object was never acknowledged to anyone: setting it aside at
/// start-up makes every write, as a client saw it, all or nothing. An
/// overwrite (the pointer's) cut at the same moment leaves the previous
/// version's files beside the new body, older than it: its ETag and checksum
/// then describe another body, and every read of it fails. That too was
/// never acknowledged, and goes. (Its temporary files s3s-fs removes itself
/// when it starts.)
///
/// The sidecars' names are s3s-fs 0.14.1's own (the dependency is pinned to
/// it). Nothing is deleted: a suspect object and its sidecars are moved, so
/// a wrong guess loses nothing. And if no object has sidecars under those
/// names, the guess is wrong for this store: nothing is touched.
pub fn remove_torn_writes(root: &Path, quarantine: &Path) -> std::io::Result<Vec<(String, String)>> {
    use base64::Engine;
    let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let mut objects = 0usize;
    let mut described = 0usize;
    let mut torn = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let bucket = entry.file_name().to_string_lossy().into_owned();
        if bucket.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        let mut dirs = vec![entry.path()];
        while let Some(dir) = dirs.pop() {
            for object in std::fs::read_dir(&dir)? {
                let object = object?;
                if object.file_type()?.is_dir() {
                    dirs.push(object.path());
                    continue;
                }
                let Ok(relative) = object.path().strip_prefix(entry.path()).map(Path::to_path_buf) else {
                    continue;
                };
                let key = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let sidecar =
                    |suffix: &str| root.join(format!(".bucket-{}.object-{}{suffix}", encode(&bucket), encode(&key)));
                let (metadata, etag) = (sidecar(".metadata.json"), sidecar(".internal.json"));
                objects += 1;
                if metadata.exists() || etag.exists() {
                    described += 1;
                }
                let stale = |sidecar: &Path| -> std::io::Result<bool> {
                    Ok(std::fs::metadata(sidecar)?.modified()? < object.metadata()?.modified()?)
                };
                if !metadata.exists() || !etag.exists() || stale(&metadata)? || stale(&etag)? {
                    torn.push((bucket.clone(), key, object.path(), [metadata, etag]));
                }
            }
        }
    }
    if objects > 0 && described == 0 {
        tracing::error!(
            objects,
            "no object has s3s-fs sidecars under the names this build expects; leaving every object as it is"
        );
        return Ok(Vec::new());
    }
    let mut moved = Vec::new();
    for (bucket, key, body, sidecars) in torn {
        let into = quarantine.join(&bucket).join(&key);
        std::fs::create_dir_all(into.parent().unwrap_or(quarantine))?;
        std::fs::rename(&body, &into)?;
        for file in sidecars.iter().filter(|file| file.exists()) {
            let name = file.file_name().unwrap_or_default();
            std::fs::rename(file, quarantine.join(name))?;
        }
        moved.push((bucket, key));
    }
    Ok(moved)
}

/// An S3 client for an embedded store at `endpoint`.
pub fn client_for(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(client_config(endpoint).build())
}

/// The client configuration for an embedded store, for callers that add to it
/// (interceptors, retry settings).
pub fn client_config(endpoint: &str) -> aws_sdk_s3::config::Builder {
    let credentials =
        aws_sdk_s3::config::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, "s3-latest-local");
    aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .force_path_style(true)
}

/// Creates `bucket` unless it exists.
pub async fn ensure_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> Result<(), aws_sdk_s3::Error> {
    if client.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    client.create_bucket().bucket(bucket).send().await?;
    Ok(())
}
