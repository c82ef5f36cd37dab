//! ingest's configuration.

use std::time::Duration;

use super::{ConfigError, Env, InvalidUrl, Location, Url, optional, parsed, positive};
use crate::envelope::Format;
use crate::ingest::redirect::AllowedHost;

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

/// `SOURCE_REDIRECT_HOSTS`: comma-separated `host` or `host:port` entries,
/// each refused at start-up if malformed (a typo would otherwise allow
/// nothing, silently).
fn redirect_hosts(env: &dyn Env) -> Result<Vec<String>, ConfigError> {
    let Some(list) = optional(env, "SOURCE_REDIRECT_HOSTS") else {
        return Ok(Vec::new());
    };
    let entries: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    match entries.iter().find(|e| AllowedHost::parse(e).is_none()) {
        Some(bad) => Err(ConfigError {
            variable: "SOURCE_REDIRECT_HOSTS",
            problem: format!("`{bad}` is not a host or host:port"),
        }),
        None => Ok(entries),
    }
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
                    redirect_hosts: redirect_hosts(env)?,
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
