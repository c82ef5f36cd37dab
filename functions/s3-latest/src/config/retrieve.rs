//! retrieve's configuration.

use std::time::Duration;

use super::{
    ConfigError, DEFAULT_RETRIEVE_FUNCTION_TIMEOUT, Env, Location, bounded, function_timeout, optional, parsed,
    positive, printable_ascii, retrieve_request_timeout, within,
};
use crate::store::LookupStrategy;

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

/// The longest a revoked key or grant may keep working on a warm instance:
/// an hour, the bound the docs promise for revocation.
pub const MAX_DATA_KEY_CACHE_TTL_SECONDS: u64 = 3600;

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
        let pointer_audit = Duration::from_secs(bounded(
            env,
            "POINTER_AUDIT_SECONDS",
            DEFAULT_POINTER_AUDIT_SECONDS,
            MAX_POINTER_AUDIT_SECONDS,
        )?);
        Ok(RetrieveConfig {
            location: Location::from_env(env)?,
            strategy: parsed(env, "LOOKUP_STRATEGY", LookupStrategy::Pointer)?,
            pointer_audit,
            // At most the audit period: beyond it, answers from memory would
            // outlast the audit's bound on serving what skipped the pointer.
            max_staleness: Duration::from_millis(within(
                env,
                "MAX_STALENESS_MS",
                0,
                0,
                pointer_audit.as_millis() as u64,
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
                max_age: Duration::from_secs(bounded(
                    env,
                    "DATA_KEY_CACHE_TTL_SECONDS",
                    300,
                    MAX_DATA_KEY_CACHE_TTL_SECONDS,
                )?),
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
