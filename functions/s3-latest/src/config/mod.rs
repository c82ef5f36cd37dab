//! Typed configuration, read once from environment variables at start-up.
//! Every problem is one [`ConfigError`] naming the variable.
//!
//! * here: the readers, and the [`Location`] both functions work in;
//! * [`aws`]: the AWS clients' settings and every call's time budget;
//! * [`retrieve`], [`ingest`] and [`authorizer`]: one configuration per function.

mod authorizer;
mod aws;
mod ingest;
mod retrieve;

pub use self::authorizer::authorizer_config;
pub use self::aws::{
    AwsSettings, CallBudget, DEFAULT_INGEST_FUNCTION_TIMEOUT, DEFAULT_RETRIEVE_FUNCTION_TIMEOUT, function_timeout,
    retrieve_request_timeout, trigger_key_id,
};
pub use self::ingest::{DEFAULT_SOURCE_MAX_BYTES, IngestConfig, SourceConfig};
pub use self::retrieve::{
    CacheLimits, CommitmentPolicy, DEFAULT_HEALTH_CACHE_SECONDS, DEFAULT_POINTER_AUDIT_SECONDS,
    DEFAULT_RESPONSE_MAX_BYTES, DEFAULT_STREAMED_RESPONSE_MAX_BYTES, MAX_POINTER_AUDIT_SECONDS, ResponseMode,
    RetrieveConfig,
};

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

pub(super) fn optional(env: &dyn Env, variable: &'static str) -> Option<String> {
    env.var(variable).filter(|v| !v.trim().is_empty())
}

pub(super) fn required(env: &dyn Env, variable: &'static str) -> Result<String, ConfigError> {
    optional(env, variable).ok_or(ConfigError {
        variable,
        problem: "must be set".into(),
    })
}

pub(super) fn parsed<T: std::str::FromStr>(env: &dyn Env, variable: &'static str, default: T) -> Result<T, ConfigError>
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
pub(super) fn bounded(env: &dyn Env, variable: &'static str, default: u64, max: u64) -> Result<u64, ConfigError> {
    within(env, variable, default, 1, max)
}

/// A whole number in `min..=max`.
pub(super) fn within(
    env: &dyn Env,
    variable: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let value = parsed(env, variable, default)?;
    if !(min..=max).contains(&value) {
        return Err(ConfigError {
            variable,
            problem: format!("must be from {min} to {max}, found {value}"),
        });
    }
    Ok(value)
}

/// The longest `STORE_ID`: S3 bucket names stop at 63; room for other names.
pub const MAX_STORE_ID_LEN: usize = 255;

/// Non-empty printable ASCII of at most `max` bytes: what S3 metadata and
/// HTTP header values take as they are.
pub(crate) fn is_printable_ascii(value: &str, max: usize) -> bool {
    !value.is_empty() && value.len() <= max && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// Refuses a value that is empty, longer than `max`, or not printable ASCII.
pub(super) fn printable_ascii(variable: &'static str, value: &str, max: usize) -> Result<(), ConfigError> {
    if !is_printable_ascii(value, max) {
        return Err(ConfigError {
            variable,
            problem: format!("must be 1 to {max} printable ASCII characters"),
        });
    }
    Ok(())
}

pub(super) fn positive(env: &dyn Env, variable: &'static str, default: u64) -> Result<u64, ConfigError> {
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
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::envelope::Format;
    use crate::store::LookupStrategy;
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
                &[("BUCKET_NAME", "b"), ("DATA_KEY_CACHE_TTL_SECONDS", "3601")],
                "DATA_KEY_CACHE_TTL_SECONDS",
            ),
            (
                &[("BUCKET_NAME", "b"), ("MAX_STALENESS_MS", "60001")],
                "MAX_STALENESS_MS",
            ),
            (
                &[
                    ("BUCKET_NAME", "b"),
                    ("POINTER_AUDIT_SECONDS", "5"),
                    ("MAX_STALENESS_MS", "5001"),
                ],
                "MAX_STALENESS_MS",
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
            ("SOURCE_REDIRECT_HOSTS", "cdn.example.net, mirror.example.org:8443,"),
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
                assert_eq!(redirect_hosts, ["cdn.example.net", "mirror.example.org:8443"]);
            }
            other => panic!("expected a URL source, got {other:?}"),
        }
        let err = IngestConfig::from_env(&env(&[
            ("BUCKET_NAME", "b"),
            ("SOURCE_URL", "https://example.com/feed.json"),
            ("SOURCE_REDIRECT_HOSTS", "cdn.example.net:https"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: SOURCE_REDIRECT_HOSTS `cdn.example.net:https` is not a host or host:port"
        );
    }
}
