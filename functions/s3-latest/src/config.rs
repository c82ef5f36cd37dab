//! Typed configuration, read once from environment variables at start-up.
//! Every problem is one [`ConfigError`] naming the variable.

use std::time::Duration;

use crate::envelope::Format;
use crate::store::LookupStrategy;

/// An `http://` or `https://` URL with a host: what `SOURCE_URL` (and local
/// mode's `--source-url`) accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url(http::Uri);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("must be an http:// or https:// URL")]
pub struct InvalidUrl;

impl std::str::FromStr for Url {
    type Err = InvalidUrl;
    fn from_str(raw: &str) -> Result<Self, InvalidUrl> {
        let uri: http::Uri = raw.trim().parse().map_err(|_| InvalidUrl)?;
        let web = matches!(uri.scheme_str(), Some("http" | "https"));
        let host = uri.host().is_some_and(|h| !h.is_empty());
        if web && host { Ok(Url(uri)) } else { Err(InvalidUrl) }
    }
}

impl Url {
    pub fn as_uri(&self) -> &http::Uri {
        &self.0
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: {variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    /// Stops start-up with the one message that names the variable. Lambda
    /// records the exit as an init failure and the message in the log.
    pub fn exit(self) -> ! {
        eprintln!("{self}");
        std::process::exit(2)
    }
}

/// Where variables come from: the process environment in production, a map in tests.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String>> Env for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

fn optional(env: &dyn Env, variable: &'static str) -> Option<String> {
    env.var(variable).filter(|v| !v.trim().is_empty())
}

fn required(env: &dyn Env, variable: &'static str) -> Result<String, ConfigError> {
    optional(env, variable).ok_or(ConfigError {
        variable,
        problem: "must be set".into(),
    })
}

fn parsed<T: std::str::FromStr>(env: &dyn Env, variable: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match optional(env, variable) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e| ConfigError {
            variable,
            problem: format!("`{raw}`: {e}"),
        }),
    }
}

/// A whole number in `1..=max`.
fn bounded(env: &dyn Env, variable: &'static str, default: u64, max: u64) -> Result<u64, ConfigError> {
    within(env, variable, default, 1, max)
}

/// A whole number in `min..=max`.
fn within(env: &dyn Env, variable: &'static str, default: u64, min: u64, max: u64) -> Result<u64, ConfigError> {
    let value = positive(env, variable, default)?;
    if !(min..=max).contains(&value) {
        return Err(ConfigError {
            variable,
            problem: format!("must be from {min} to {max}, found {value}"),
        });
    }
    Ok(value)
}

/// A comma-separated list of origins (`https://app.example.com`) or `*`.
fn origins(env: &dyn Env, variable: &'static str) -> Result<Vec<String>, ConfigError> {
    let Some(list) = optional(env, variable) else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let scheme_host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
            if origin == "*" || (scheme_host && origin.bytes().all(|b| b.is_ascii_graphic())) {
                Ok(origin.to_owned())
            } else {
                Err(ConfigError {
                    variable,
                    problem: format!("`{origin}` is not `*` or an origin such as https://app.example.com"),
                })
            }
        })
        .collect()
}

/// The longest `STORE_ID`: S3 bucket names stop at 63; room for other names.
pub const MAX_STORE_ID_LEN: usize = 255;

/// Non-empty printable ASCII of at most `max` bytes: what S3 metadata and
/// HTTP header values take as they are.
pub(crate) fn is_printable_ascii(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Refuses a value that is empty, longer than `max`, or not printable ASCII.
fn printable_ascii(variable: &'static str, value: &str, max: usize) -> Result<(), ConfigError> {
    if !is_printable_ascii(value, max) {
        return Err(ConfigError {
            variable,
            problem: format!("must be 1 to {max} printable ASCII characters"),
        });
    }
    Ok(())
}

fn positive(env: &dyn Env, variable: &'static str, default: u64) -> Result<u64, ConfigError> {
    let value = parsed(env, variable, default)?;
    if value == 0 {
        Err(ConfigError {
            variable,
            problem: "must be greater than 0".into(),
        })
    } else {
        Ok(value)
    }
}

/// The bucket and prefix both functions work in, and the store identity the
/// encryption context binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    pub prefix: String,
    /// `STORE_ID`: the snapshot store's stable name in every object's
    /// encryption context. A primary bucket and its replicas share it, so a
    /// replicated object decrypts where it lands; it defaults to the bucket.
    pub store_id: String,
}

pub const DEFAULT_PREFIX: &str = "snapshots/";

impl Location {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let bucket = required(env, "BUCKET_NAME")?;
        let prefix = env.var("OBJECT_PREFIX").unwrap_or_else(|| DEFAULT_PREFIX.to_owned());
        if prefix.starts_with('/') || !(prefix.is_empty() || prefix.ends_with('/')) {
            return Err(ConfigError {
                variable: "OBJECT_PREFIX",
                problem: format!("`{prefix}` must be empty or end with `/`, and must not start with `/`"),
            });
        }
        let store_id = optional(env, "STORE_ID").unwrap_or_else(|| bucket.clone());
        // It travels in S3 user metadata, which S3 RFC 2047-encodes when it is
        // not ASCII (and every object would then fail its context check), and
        // in the KMS encryption context.
        printable_ascii("STORE_ID", &store_id, MAX_STORE_ID_LEN)?;
        Ok(Location {
            bucket,
            prefix,
            store_id,
        })
    }

    /// A location whose store identity is the bucket name.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        let bucket = bucket.into();
        Location {
            store_id: bucket.clone(),
            bucket,
            prefix: prefix.into(),
        }
    }
}

/// How the AWS clients are set up; endpoints come from aws-config's own
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    pub kms_key_id: String,
    /// KMS key S3 uses for server-side encryption of ingest's writes, if the
    /// bucket policy requires uploads to name it.
    pub s3_sse_kms_key_id: Option<String>,
    /// Path-style S3 addressing, for S3-compatible stores such as moto.
    pub s3_force_path_style: bool,
    /// Timeouts and retries of every AWS call.
    pub calls: CallBudget,
}

impl AwsSettings {
    /// `defaults` is the caller's budget ([`CallBudget::for_retrieve`] or
    /// [`CallBudget::for_ingest`]); `AWS_*_TIMEOUT_MS` and `AWS_MAX_ATTEMPTS`
    /// override it.
    pub fn from_env(env: &dyn Env, defaults: CallBudget) -> Result<Self, ConfigError> {
        Ok(AwsSettings {
            kms_key_id: required(env, "KMS_KEY_ID")?,
            s3_sse_kms_key_id: optional(env, "S3_SSE_KMS_KEY_ID"),
            s3_force_path_style: parsed(env, "S3_FORCE_PATH_STYLE", false)?,
            calls: CallBudget::from_env(env, defaults)?,
        })
    }
}

/// How long any one AWS call may wait, and how often it is tried. Without
/// these the SDK has no attempt or operation timeout, and a stalled
/// connection waits until Lambda kills the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallBudget {
    /// TCP and TLS connection set-up (`AWS_CONNECT_TIMEOUT_MS`).
    pub connect: Duration,
    /// One attempt, to the response headers (`AWS_ATTEMPT_TIMEOUT_MS`).
    pub attempt: Duration,
    /// All attempts and the backoff between them (`AWS_OPERATION_TIMEOUT_MS`).
    pub operation: Duration,
    /// Attempts per operation, the first included (`AWS_MAX_ATTEMPTS`).
    pub max_attempts: u32,
}

/// The Lambda timeout both functions assume when `FUNCTION_TIMEOUT_SECONDS`
/// is not set (what the Terraform module deploys).
pub const DEFAULT_RETRIEVE_FUNCTION_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_INGEST_FUNCTION_TIMEOUT: Duration = Duration::from_secs(60);

/// API Gateway's integration timeout is 29 s; answer before it does.
const API_GATEWAY_LIMIT: Duration = Duration::from_secs(28);

impl CallBudget {
    /// retrieve makes up to three calls in sequence (LIST, GET, Decrypt) and
    /// must answer within `request`; two attempts each, then a 503 with
    /// `Retry-After` hands the retry to the client, who may be elsewhere.
    pub fn for_retrieve(request: Duration) -> Self {
        let operation = request / 3;
        let attempt = operation / 2;
        CallBudget {
            connect: attempt.min(Duration::from_secs(1)),
            attempt,
            operation,
            max_attempts: 2,
        }
    }

    /// ingest makes up to six calls in sequence (HEAD, LIST and HEAD with a
    /// source URL, GenerateDataKey, PUT, PutEvents) and must fail before
    /// Lambda's timeout, so the async retry and the dead-letter queue take
    /// over; three attempts each, as it has the time.
    pub fn for_ingest(function_timeout: Duration) -> Self {
        let operation = function_timeout / 6;
        let attempt = operation / 3;
        CallBudget {
            connect: attempt.min(Duration::from_secs(1)),
            attempt,
            operation,
            max_attempts: 3,
        }
    }

    fn from_env(env: &dyn Env, defaults: CallBudget) -> Result<Self, ConfigError> {
        let ms = |variable, default: Duration| -> Result<Duration, ConfigError> {
            Ok(Duration::from_millis(positive(
                env,
                variable,
                default.as_millis() as u64,
            )?))
        };
        let budget = CallBudget {
            connect: ms("AWS_CONNECT_TIMEOUT_MS", defaults.connect)?,
            attempt: ms("AWS_ATTEMPT_TIMEOUT_MS", defaults.attempt)?,
            operation: ms("AWS_OPERATION_TIMEOUT_MS", defaults.operation)?,
            max_attempts: positive(env, "AWS_MAX_ATTEMPTS", u64::from(defaults.max_attempts))?
                .try_into()
                .map_err(|_| ConfigError {
                    variable: "AWS_MAX_ATTEMPTS",
                    problem: "is too large".into(),
                })?,
        };
        if budget.attempt > budget.operation {
            return Err(ConfigError {
                variable: "AWS_ATTEMPT_TIMEOUT_MS",
                problem: format!(
                    "({} ms) exceeds AWS_OPERATION_TIMEOUT_MS ({} ms)",
                    budget.attempt.as_millis(),
                    budget.operation.as_millis()
                ),
            });
        }
        Ok(budget)
    }
}

/// The function's own timeout (`FUNCTION_TIMEOUT_SECONDS`, set by the
/// Terraform module from the same number it gives Lambda).
pub fn function_timeout(env: &dyn Env, default: Duration) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(positive(
        env,
        "FUNCTION_TIMEOUT_SECONDS",
        default.as_secs(),
    )?))
}

/// retrieve's whole-request bound: a second under the function timeout (so
/// the function answers, not Lambda's timeout), and under API Gateway's 29 s.
pub fn retrieve_request_timeout(function_timeout: Duration) -> Duration {
    function_timeout
        .saturating_sub(Duration::from_secs(1))
        .clamp(Duration::from_secs(1), API_GATEWAY_LIMIT)
}

/// Bounds of retrieve's data-key cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    pub max_entries: usize,
    pub max_age: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveConfig {
    pub location: Location,
    pub strategy: LookupStrategy,
    /// How long a warm instance may answer from memory without asking S3
    /// whether the newest object changed (`MAX_STALENESS_MS`, default 0).
    pub max_staleness: Duration,
    /// The longest a warm instance trusts its last listing while the pointer
    /// is unchanged (`POINTER_AUDIT_SECONDS`): the bound on serving an object
    /// written without moving the pointer, or a deletion.
    pub pointer_audit: Duration,
    /// Which formats retrieve opens (`COMMITMENT_POLICY`).
    pub commitment_policy: CommitmentPolicy,
    /// Origins browsers may call from (`CORS_ALLOWED_ORIGINS`, comma-separated;
    /// empty: CORS off).
    pub cors_allowed_origins: Vec<String>,
    pub cache_control: String,
    /// Whether snapshots go back in one buffered response or as a stream.
    pub response_mode: ResponseMode,
    /// Largest response body retrieve returns: buffered, measured after
    /// base64 for binary bodies; streamed, the snapshot's own size.
    pub response_max_bytes: u64,
    pub data_key_cache: CacheLimits,
    /// How long `GET /health` keeps its verdict (`HEALTH_CACHE_SECONDS`).
    pub health_cache: Duration,
    /// The whole request's bound (`REQUEST_TIMEOUT_MS`): past it, 503 with
    /// `Retry-After` rather than a hang.
    pub request_timeout: Duration,
}

/// One LIST per warm instance a minute: $0.0003 an instance-hour at S3's
/// $0.005 per 1,000 LISTs.
pub const DEFAULT_POINTER_AUDIT_SECONDS: u64 = 60;

/// An hour: past that, an object written without the pointer would wait
/// too long to be served.
pub const MAX_POINTER_AUDIT_SECONDS: u64 = 3600;

/// Route 53 checks every 10 or 30 s from each of its checker regions; 5 s
/// keeps a region's verdict current to within one check interval.
pub const DEFAULT_HEALTH_CACHE_SECONDS: u64 = 5;

/// Lambda's synchronous response payload limit is 6 MB; leave room for headers.
pub const DEFAULT_RESPONSE_MAX_BYTES: u64 = 6_000_000;

/// Lambda's streamed response payload limit is 200 MB.
pub const DEFAULT_STREAMED_RESPONSE_MAX_BYTES: u64 = 200_000_000;

/// Which objects retrieve opens, named after the official S3 Encryption
/// Client's commitment policies (read side). ingest writes V3 unless
/// `ENCRYPTION_FORMAT=v2`; a deployment that writes V2, or serves V2
/// objects written by others, needs `REQUIRE_ENCRYPT_ALLOW_DECRYPT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommitmentPolicy {
    /// `REQUIRE_ENCRYPT_REQUIRE_DECRYPT`: key-committing V3 only, the
    /// official client's default.
    #[default]
    RequireDecrypt,
    /// `REQUIRE_ENCRYPT_ALLOW_DECRYPT`: V3 and V2.
    AllowDecrypt,
}

impl std::str::FromStr for CommitmentPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "REQUIRE_ENCRYPT_REQUIRE_DECRYPT" => Ok(CommitmentPolicy::RequireDecrypt),
            "REQUIRE_ENCRYPT_ALLOW_DECRYPT" => Ok(CommitmentPolicy::AllowDecrypt),
            other => Err(format!(
                "expected `REQUIRE_ENCRYPT_REQUIRE_DECRYPT` or `REQUIRE_ENCRYPT_ALLOW_DECRYPT`, found `{other}`"
            )),
        }
    }
}

/// How retrieve hands a response back (`RESPONSE_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// One response payload (`lambda_http::run`): Lambda's 6 MB limit,
    /// binary bodies base64-encoded. What API Gateway's default (buffered)
    /// integrations and the HTTP API expect.
    #[default]
    Buffered,
    /// A streamed payload (`run_with_streaming_response`): up to 200 MB,
    /// for a REST integration in `STREAM` transfer mode or a function URL in
    /// `RESPONSE_STREAM` mode. The snapshot is still decrypted and
    /// authenticated whole before its first byte is sent.
    Stream,
}

impl std::str::FromStr for ResponseMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "buffered" => Ok(ResponseMode::Buffered),
            "stream" => Ok(ResponseMode::Stream),
            other => Err(format!("expected `buffered` or `stream`, found `{other}`")),
        }
    }
}

impl RetrieveConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let response_mode = parsed(env, "RESPONSE_MODE", ResponseMode::Buffered)?;
        Ok(RetrieveConfig {
            location: Location::from_env(env)?,
            strategy: parsed(env, "LOOKUP_STRATEGY", LookupStrategy::Pointer)?,
            max_staleness: Duration::from_millis(parsed(env, "MAX_STALENESS_MS", 0)?),
            pointer_audit: Duration::from_secs(bounded(
                env,
                "POINTER_AUDIT_SECONDS",
                DEFAULT_POINTER_AUDIT_SECONDS,
                MAX_POINTER_AUDIT_SECONDS,
            )?),
            commitment_policy: parsed(env, "COMMITMENT_POLICY", CommitmentPolicy::RequireDecrypt)?,
            cors_allowed_origins: origins(env, "CORS_ALLOWED_ORIGINS")?,
            cache_control: {
                // A header value on every 200 and 304: refused at start-up
                // rather than silently replaced on each response.
                let value = optional(env, "CACHE_CONTROL").unwrap_or_else(|| "no-cache".into());
                printable_ascii("CACHE_CONTROL", &value, 256)?;
                value
            },
            response_mode,
            response_max_bytes: positive(
                env,
                "RESPONSE_MAX_BYTES",
                match response_mode {
                    ResponseMode::Buffered => DEFAULT_RESPONSE_MAX_BYTES,
                    ResponseMode::Stream => DEFAULT_STREAMED_RESPONSE_MAX_BYTES,
                },
            )?,
            data_key_cache: CacheLimits {
                // Eviction scans the entries under the lock: keep it small.
                max_entries: bounded(env, "DATA_KEY_CACHE_MAX_ENTRIES", 64, 1024)? as usize,
                max_age: Duration::from_secs(positive(env, "DATA_KEY_CACHE_TTL_SECONDS", 300)?),
            },
            health_cache: Duration::from_secs(parsed(env, "HEALTH_CACHE_SECONDS", DEFAULT_HEALTH_CACHE_SECONDS)?),
            // Every AWS call's timeouts are fractions of it: below 100 ms
            // they round to zero.
            request_timeout: Duration::from_millis(within(
                env,
                "REQUEST_TIMEOUT_MS",
                retrieve_request_timeout(function_timeout(env, DEFAULT_RETRIEVE_FUNCTION_TIMEOUT)?).as_millis() as u64,
                100,
                900_000,
            )?),
        })
    }
}

/// Where ingest's snapshot comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceConfig {
    /// A generated JSON document (time, run id, function version).
    Generated,
    /// An HTTP(S) resource fetched with a timeout and a size cap.
    Url {
        url: Url,
        timeout: Duration,
        max_bytes: u64,
        /// Hosts of other origins a redirect may lead to
        /// (`SOURCE_REDIRECT_HOSTS`, comma-separated; see
        /// [`crate::ingest::redirect`]).
        redirect_hosts: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestConfig {
    pub location: Location,
    pub event_bus: Option<String>,
    pub source: SourceConfig,
    /// `AWS_LAMBDA_FUNCTION_VERSION`, recorded in generated snapshots.
    pub function_version: String,
    /// `ENCRYPTION_FORMAT`: the S3EC message format written (both are read).
    pub format: Format,
}

/// Room for a binary snapshot to come back base64-encoded under 6 MB.
pub const DEFAULT_SOURCE_MAX_BYTES: u64 = 4 * 1024 * 1024;

impl IngestConfig {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let source = match optional(env, "SOURCE_URL") {
            None => SourceConfig::Generated,
            Some(raw) => {
                let url: Url = raw.parse().map_err(|e: InvalidUrl| ConfigError {
                    variable: "SOURCE_URL",
                    problem: e.to_string(),
                })?;
                SourceConfig::Url {
                    url,
                    timeout: Duration::from_millis(positive(env, "SOURCE_TIMEOUT_MS", 10_000)?),
                    max_bytes: positive(env, "SOURCE_MAX_BYTES", DEFAULT_SOURCE_MAX_BYTES)?,
                    redirect_hosts: optional(env, "SOURCE_REDIRECT_HOSTS")
                        .map(|list| {
                            list.split(',')
                                .map(str::trim)
                                .filter(|h| !h.is_empty())
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            }
        };
        Ok(IngestConfig {
            location: Location::from_env(env)?,
            event_bus: optional(env, "EVENT_BUS_NAME"),
            source,
            function_version: optional(env, "AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_else(|| "$LATEST".into()),
            format: parsed(env, "ENCRYPTION_FORMAT", Format::V3)?,
        })
    }
}

/// Every variable ingest reads (with `SOURCE_URL` set), for the docs
/// table and the Terraform wiring check. A test records what `from_env`
/// actually asks for and compares.
pub const INGEST_VARIABLES: &[&str] = &[
    "BUCKET_NAME",
    "OBJECT_PREFIX",
    "STORE_ID",
    "ENCRYPTION_FORMAT",
    "EVENT_BUS_NAME",
    "SOURCE_URL",
    "SOURCE_TIMEOUT_MS",
    "SOURCE_MAX_BYTES",
    "SOURCE_REDIRECT_HOSTS",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "KMS_KEY_ID",
    "S3_SSE_KMS_KEY_ID",
    "S3_FORCE_PATH_STYLE",
    "FUNCTION_TIMEOUT_SECONDS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

/// Every variable retrieve reads.
pub const RETRIEVE_VARIABLES: &[&str] = &[
    "BUCKET_NAME",
    "OBJECT_PREFIX",
    "STORE_ID",
    "LOOKUP_STRATEGY",
    "MAX_STALENESS_MS",
    "POINTER_AUDIT_SECONDS",
    "COMMITMENT_POLICY",
    "CORS_ALLOWED_ORIGINS",
    "CACHE_CONTROL",
    "RESPONSE_MODE",
    "RESPONSE_MAX_BYTES",
    "DATA_KEY_CACHE_MAX_ENTRIES",
    "DATA_KEY_CACHE_TTL_SECONDS",
    "HEALTH_CACHE_SECONDS",
    "REQUEST_TIMEOUT_MS",
    "KMS_KEY_ID",
    "S3_SSE_KMS_KEY_ID",
    "S3_FORCE_PATH_STYLE",
    "FUNCTION_TIMEOUT_SECONDS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

/// Variables a deployment does not set: Lambda provides some, some exist for
/// S3-compatible stores, not AWS, and the call budget's overrides default
/// from `FUNCTION_TIMEOUT_SECONDS`, which it does set.
pub const NOT_SET_BY_DEPLOYMENT: &[&str] = &[
    "AWS_LAMBDA_FUNCTION_VERSION",
    "S3_FORCE_PATH_STYLE",
    "REQUEST_TIMEOUT_MS",
    "AWS_CONNECT_TIMEOUT_MS",
    "AWS_ATTEMPT_TIMEOUT_MS",
    "AWS_OPERATION_TIMEOUT_MS",
    "AWS_MAX_ATTEMPTS",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn defaults_apply_when_only_the_bucket_is_set() {
        let config = RetrieveConfig::from_env(&env(&[("BUCKET_NAME", "b")])).unwrap();
        assert_eq!(config.location, Location::new("b", "snapshots/"));
        assert_eq!(
            config.location.store_id, "b",
            "the store identity defaults to the bucket"
        );
        assert_eq!(config.strategy, LookupStrategy::Pointer);
        assert_eq!(config.max_staleness, Duration::ZERO);
        assert_eq!(config.response_max_bytes, 6_000_000);
        assert_eq!(config.cache_control, "no-cache");

        let ingest = IngestConfig::from_env(&env(&[("BUCKET_NAME", "b")])).unwrap();
        assert_eq!(ingest.source, SourceConfig::Generated);
        assert_eq!(ingest.event_bus, None);
        assert_eq!(ingest.format, Format::V3, "V3 is written by default");

        let replica = RetrieveConfig::from_env(&env(&[("BUCKET_NAME", "b-replica"), ("STORE_ID", "b")])).unwrap();
        assert_eq!(replica.location.store_id, "b");
        let v2 = IngestConfig::from_env(&env(&[("BUCKET_NAME", "b"), ("ENCRYPTION_FORMAT", "v2")])).unwrap();
        assert_eq!(v2.format, Format::V2);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "BUCKET_NAME"),
            (
                &[("BUCKET_NAME", "b"), ("LOOKUP_STRATEGY", "newest")],
                "LOOKUP_STRATEGY",
            ),
            (&[("BUCKET_NAME", "b"), ("OBJECT_PREFIX", "snapshots")], "OBJECT_PREFIX"),
            (
                &[("BUCKET_NAME", "b"), ("RESPONSE_MAX_BYTES", "0")],
                "RESPONSE_MAX_BYTES",
            ),
            (
                &[("BUCKET_NAME", "b"), ("DATA_KEY_CACHE_TTL_SECONDS", "five")],
                "DATA_KEY_CACHE_TTL_SECONDS",
            ),
            (
                &[("BUCKET_NAME", "b"), ("REQUEST_TIMEOUT_MS", "1")],
                "REQUEST_TIMEOUT_MS",
            ),
            (
                &[("BUCKET_NAME", "b"), ("DATA_KEY_CACHE_MAX_ENTRIES", "10000000")],
                "DATA_KEY_CACHE_MAX_ENTRIES",
            ),
            (
                &[("BUCKET_NAME", "b"), ("CACHE_CONTROL", "no-cache\r\nx: y")],
                "CACHE_CONTROL",
            ),
            (&[("BUCKET_NAME", "b"), ("STORE_ID", "caf\u{e9}")], "STORE_ID"),
            (&[("BUCKET_NAME", "b"), ("STORE_ID", &"s".repeat(256))], "STORE_ID"),
            (
                &[("BUCKET_NAME", "b"), ("POINTER_AUDIT_SECONDS", "7200")],
                "POINTER_AUDIT_SECONDS",
            ),
            (
                &[("BUCKET_NAME", "b"), ("COMMITMENT_POLICY", "ANY")],
                "COMMITMENT_POLICY",
            ),
            (
                &[("BUCKET_NAME", "b"), ("CORS_ALLOWED_ORIGINS", "https://a.example/path")],
                "CORS_ALLOWED_ORIGINS",
            ),
        ];
        for (pairs, variable) in cases {
            let err = RetrieveConfig::from_env(&env(pairs)).unwrap_err();
            assert_eq!(err.variable, *variable, "{err}");
        }
        let err = IngestConfig::from_env(&env(&[("BUCKET_NAME", "b"), ("SOURCE_URL", "ftp://x/y")])).unwrap_err();
        assert_eq!(err.variable, "SOURCE_URL");
        let err = IngestConfig::from_env(&env(&[("BUCKET_NAME", "b"), ("ENCRYPTION_FORMAT", "v4")])).unwrap_err();
        assert_eq!(err.variable, "ENCRYPTION_FORMAT");
        let retrieve = CallBudget::for_retrieve(Duration::from_secs(9));
        let err = AwsSettings::from_env(&env(&[]), retrieve).unwrap_err();
        assert_eq!(err.to_string(), "invalid configuration: KMS_KEY_ID must be set");
        let err = AwsSettings::from_env(
            &env(&[("KMS_KEY_ID", "k"), ("AWS_ATTEMPT_TIMEOUT_MS", "60000")]),
            retrieve,
        )
        .unwrap_err();
        assert_eq!(err.variable, "AWS_ATTEMPT_TIMEOUT_MS", "{err}");
        let err = AwsSettings::from_env(&env(&[("KMS_KEY_ID", "k"), ("AWS_MAX_ATTEMPTS", "0")]), retrieve).unwrap_err();
        assert_eq!(err.variable, "AWS_MAX_ATTEMPTS");
    }

    #[test]
    fn the_declared_variable_lists_are_exactly_what_each_function_reads() {
        use std::cell::RefCell;
        let read = RefCell::new(Vec::<String>::new());
        let recording = |name: &str| {
            read.borrow_mut().push(name.to_owned());
            match name {
                "BUCKET_NAME" | "KMS_KEY_ID" => Some("x".to_owned()),
                "SOURCE_URL" => Some("https://example.com/".to_owned()),
                _ => None,
            }
        };
        IngestConfig::from_env(&recording).unwrap();
        function_timeout(&recording, DEFAULT_INGEST_FUNCTION_TIMEOUT).unwrap();
        AwsSettings::from_env(&recording, CallBudget::for_ingest(DEFAULT_INGEST_FUNCTION_TIMEOUT)).unwrap();
        let mut ingest: Vec<String> = read.take();
        ingest.sort();
        ingest.dedup();
        let mut declared: Vec<&str> = INGEST_VARIABLES.to_vec();
        declared.sort();
        assert_eq!(ingest, declared);

        RetrieveConfig::from_env(&recording).unwrap();
        AwsSettings::from_env(&recording, CallBudget::for_retrieve(Duration::from_secs(9))).unwrap();
        let mut retrieve: Vec<String> = read.take();
        retrieve.sort();
        retrieve.dedup();
        let mut declared: Vec<&str> = RETRIEVE_VARIABLES.to_vec();
        declared.sort();
        assert_eq!(retrieve, declared);
    }

    #[test]
    fn every_wait_is_bounded_by_the_function_timeout() {
        // retrieve: deployed with 10 s, answers within 9 s; three calls in
        // sequence, each with its retries, fit inside that.
        let config = RetrieveConfig::from_env(&env(&[("BUCKET_NAME", "b")])).unwrap();
        assert_eq!(config.request_timeout, Duration::from_secs(9));
        let calls = CallBudget::for_retrieve(config.request_timeout);
        assert!(calls.operation * 3 <= config.request_timeout);
        assert!(calls.attempt * calls.max_attempts <= calls.operation);
        let longer = RetrieveConfig::from_env(&env(&[("BUCKET_NAME", "b"), ("FUNCTION_TIMEOUT_SECONDS", "300")]));
        assert_eq!(
            longer.unwrap().request_timeout,
            Duration::from_secs(28),
            "API Gateway's 29 s"
        );

        // ingest: six calls in sequence fit in the function's timeout.
        let calls = CallBudget::for_ingest(DEFAULT_INGEST_FUNCTION_TIMEOUT);
        assert!(calls.operation * 6 <= DEFAULT_INGEST_FUNCTION_TIMEOUT);
        assert!(calls.attempt * calls.max_attempts <= calls.operation);
        assert!(calls.connect <= calls.attempt);
    }

    #[test]
    fn a_source_url_brings_its_limits() {
        let config = IngestConfig::from_env(&env(&[
            ("BUCKET_NAME", "b"),
            ("SOURCE_URL", "https://example.com/feed.json"),
            ("SOURCE_MAX_BYTES", "1024"),
            ("SOURCE_REDIRECT_HOSTS", "cdn.example.net, mirror.example.org,"),
        ]))
        .unwrap();
        match config.source {
            SourceConfig::Url {
                url,
                timeout,
                max_bytes,
                redirect_hosts,
            } => {
                assert_eq!(url.to_string(), "https://example.com/feed.json");
                assert_eq!(timeout, Duration::from_secs(10));
                assert_eq!(max_bytes, 1024);
                assert_eq!(redirect_hosts, ["cdn.example.net", "mirror.example.org"]);
            }
            other => panic!("expected a URL source, got {other:?}"),
        }
    }
}
