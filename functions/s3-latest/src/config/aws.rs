//! How the AWS clients are set up, and the time budget of every call: each
//! function's waits are fractions of its own timeout, so a stalled call
//! fails the invocation before Lambda (or API Gateway) cuts it.

use std::time::Duration;

use super::{ConfigError, Env, optional, parsed, positive, required};

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

/// `TRIGGER_KEY_ID`: the KMS HMAC key ingest tags its triggers with (see
/// [`crate::keyring::TriggerTags`]). ingest needs it; retrieve never reads it.
pub fn trigger_key_id(env: &dyn Env) -> Result<String, ConfigError> {
    required(env, "TRIGGER_KEY_ID")
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
