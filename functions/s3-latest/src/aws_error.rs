//! Classifying AWS SDK failures by their typed shape, never by message text.

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

/// Whether a failed call is worth retrying later (the service or the path to
/// it is unhealthy) or was refused for a reason a retry will not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Could not connect, timed out, throttled or a 5xx: maps to HTTP 503.
    Unavailable,
    /// The service answered and said no (access denied, no such bucket): HTTP 502.
    Refused,
}

pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Failure::Unavailable,
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let throttled = matches!(
                service.err().code(),
                Some("ThrottlingException" | "SlowDown" | "RequestLimitExceeded" | "TooManyRequestsException")
            );
            if status >= 500 || status == 429 || throttled {
                Failure::Unavailable
            } else {
                Failure::Refused
            }
        }
        _ => Failure::Refused,
    }
}

/// The one adapter from an SDK failure to a domain error: `unavailable` or
/// `refused` (as [`classify`] decides) applied to the error's [`code`].
pub fn into_error<E: ProvideErrorMetadata, T>(
    err: &SdkError<E, HttpResponse>,
    unavailable: impl FnOnce(String) -> T,
    refused: impl FnOnce(String) -> T,
) -> T {
    match classify(err) {
        Failure::Unavailable => unavailable(code(err)),
        Failure::Refused => refused(code(err)),
    }
}

/// The HTTP status of a service error, if the service answered.
pub fn http_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    match err {
        SdkError::ServiceError(service) => Some(service.raw().status().as_u16()),
        _ => None,
    }
}

/// The service's error code (for logs and error types), or the SDK failure kind.
pub fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> String {
    match err {
        SdkError::ServiceError(service) => service.err().code().unwrap_or("Unknown").to_owned(),
        SdkError::DispatchFailure(_) => "DispatchFailure".to_owned(),
        SdkError::TimeoutError(_) => "Timeout".to_owned(),
        SdkError::ResponseError(_) => "ResponseError".to_owned(),
        _ => "ConstructionFailure".to_owned(),
    }
}
