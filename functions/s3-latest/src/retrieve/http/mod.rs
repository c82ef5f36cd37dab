//! The HTTP contract of `GET /retrieve_most_recent_object`: routing, methods
//! and the error mapping here; conditional requests and the body (raw or the
//! JSON view) in their own files. One answer, buffered or streamed.

mod conditional;
mod view;

use http::header;
use http::{Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use self::view::{Reply, View, content_type_header, json_view_size, render};
use super::health::HEALTH_ROUTE;
use super::streamed::StreamedBody;
use super::{RetrieveError, Retriever};
use crate::envelope::EnvelopeError;
use crate::keyring::{KeyError, KeyProvider};
use crate::store::StoreError;

pub const ROUTE: &str = "/retrieve_most_recent_object";
/// The JSON view as a route of its own, so a client generated from the
/// contract gets a typed operation for it (`?format=json` stays).
pub const JSON_VIEW_ROUTE: &str = "/retrieve_most_recent_object/json";
const ALLOWED: &str = "GET, HEAD";

/// `path` without its leading stage segment, if it has one.
fn without_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    match stage {
        Some(stage) => path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(stage))
            .filter(|p| p.starts_with('/'))
            .unwrap_or(path),
        None => path,
    }
}

/// Whether `path` is the snapshot route or its JSON view, with or without
/// a leading stage segment.
pub fn route_matches(path: &str, stage: Option<&str>) -> bool {
    matches!(without_stage(path, stage), ROUTE | JSON_VIEW_ROUTE)
}

fn stage_and_request_id(request: &Request) -> (Option<String>, String) {
    let lambda_id = || {
        request
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default()
    };
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => {
            (ctx.stage.clone(), ctx.request_id.clone().unwrap_or_else(lambda_id))
        }
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            (ctx.stage.clone(), ctx.request_id.clone().unwrap_or_else(lambda_id))
        }
        _ => (None, lambda_id()),
    }
}

/// An error as the API reports it; the message is fixed text, never an
/// internal error's rendering.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<&RetrieveError> for ApiError {
    fn from(err: &RetrieveError) -> Self {
        use StatusCode as S;
        match err {
            RetrieveError::Store(StoreError::Unavailable { .. }) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "StorageUnavailable",
                "the object store is unavailable; retry later",
            ),
            RetrieveError::Store(StoreError::NotFound) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "ObjectChanged",
                "the newest object changed while it was being read; retry",
            ),
            RetrieveError::TooLarge { size, limit } => too_large(*size, *limit),
            RetrieveError::UnauthenticObjects => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "UnauthenticObjects",
                "more objects that fail authentication sort before the newest snapshot than one request reads; retry",
            ),
            RetrieveError::Store(StoreError::TooLarge { limit }) => ApiError::new(
                S::BAD_GATEWAY,
                "ResponseTooLarge",
                format!("the newest object is larger than the limit of {limit} bytes: use the streaming URL"),
            ),
            RetrieveError::Store(_) => {
                ApiError::new(S::BAD_GATEWAY, "StorageError", "the object store refused the request")
            }
            RetrieveError::Key(KeyError::Unavailable { .. }) => ApiError::new(
                S::SERVICE_UNAVAILABLE,
                "KeyServiceUnavailable",
                "the key service is unavailable; retry later",
            ),
            RetrieveError::Key(KeyError::InvalidCiphertext)
            | RetrieveError::Envelope(EnvelopeError::Authentication) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object failed authentication",
            ),
            RetrieveError::Key(_) => ApiError::new(
                S::BAD_GATEWAY,
                "KeyServiceError",
                "the key service refused to decrypt the newest object",
            ),
            RetrieveError::Envelope(EnvelopeError::NotEncrypted) => ApiError::new(
                S::BAD_GATEWAY,
                "NotEncrypted",
                "the newest object has no client-side encryption metadata",
            ),
            RetrieveError::Envelope(EnvelopeError::ContextMismatch) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object's encryption context does not match its location",
            ),
            RetrieveError::Envelope(EnvelopeError::ContentTypeMismatch) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object's Content-Type is not the one its encryption binds",
            ),
            RetrieveError::Envelope(EnvelopeError::CommitmentRequired) => ApiError::new(
                S::BAD_GATEWAY,
                "UnsupportedEncryption",
                "the newest object has no key commitment (V2), which this deployment does not accept",
            ),
            RetrieveError::Envelope(EnvelopeError::CommitmentMismatch) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object's key commitment does not match its data key",
            ),
            RetrieveError::Envelope(EnvelopeError::MixedFormats { .. }) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object's encryption metadata mixes format versions",
            ),
            RetrieveError::Envelope(EnvelopeError::UnsupportedFormat { .. }) => ApiError::new(
                S::BAD_GATEWAY,
                "UnsupportedEncryption",
                "the newest object is encrypted in a format, suite or key wrapping this service does not read",
            ),
            RetrieveError::Envelope(_) => ApiError::new(
                S::BAD_GATEWAY,
                "IntegrityError",
                "the newest object's encryption metadata is invalid",
            ),
        }
    }
}

impl<K: KeyProvider> Retriever<K> {
    /// Answers one API Gateway request in one buffered payload
    /// (`RESPONSE_MODE=buffered`). Never fails: every error becomes a status
    /// and a JSON body, and the details go to the log only.
    pub async fn handle(&self, request: Request) -> Response<Body> {
        self.reply(request).await.map(Reply::into_buffered)
    }

    /// Answers one request as a stream (`RESPONSE_MODE=stream`): the same
    /// statuses, headers and bodies. The snapshot has been decrypted and
    /// authenticated whole before the response exists, so a stream never
    /// carries unauthenticated plaintext, and a tampered object is a 502, not
    /// a 200 cut short.
    pub async fn handle_streaming(&self, request: Request) -> Response<StreamedBody> {
        self.reply(request).await.map(Reply::into_streamed)
    }

    #[tracing::instrument(skip_all, fields(method = %request.method(), request_id))]
    async fn reply(&self, request: Request) -> Response<Reply> {
        let (stage, request_id) = stage_and_request_id(&request);
        tracing::Span::current().record("request_id", request_id.as_str());
        if let Some(preflight) = self.cors.preflight(request.method(), request.headers()) {
            return preflight.map(Reply::Body);
        }
        let mut response = self.reply_to(&request, stage.as_deref(), &request_id).await;
        self.cors.decorate(request.headers(), response.headers_mut());
        defend(response.headers_mut());
        response
    }

    async fn reply_to(&self, request: &Request, stage: Option<&str>, request_id: &str) -> Response<Reply> {
        // Whatever the SDK's own bounds, the request as a whole has one: an
        // answer the client can act on (503 + Retry-After) beats a hang that
        // API Gateway cuts at 29 s with its own 504.
        let bounded = tokio::time::timeout(self.config().request_timeout, self.respond(request, stage));
        let response = match bounded.await {
            Ok(Ok(response)) => return response,
            Ok(Err(err)) => error_response(err, request_id),
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.config().request_timeout.as_millis() as u64,
                    "request timed out"
                );
                error_response(
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "RequestTimeout",
                        "the request did not complete in time; retry later",
                    ),
                    request_id,
                )
            }
        };
        response.map(Reply::Body)
    }

    async fn respond(&self, request: &Request, stage: Option<&str>) -> Result<Response<Reply>, ApiError> {
        if without_stage(request.uri().path(), stage) == HEALTH_ROUTE {
            return Ok(self.health_response(request.method()).await?.map(Reply::Body));
        }
        if !route_matches(request.uri().path(), stage) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("no such resource; try GET {ROUTE}"),
            ));
        }
        let method = request.method();
        check_method(method)?;
        let json_route = without_stage(request.uri().path(), stage) == JSON_VIEW_ROUTE;
        let view = match request.query_string_parameters_ref().and_then(|q| q.first("format")) {
            _ if json_route => View::Json,
            None | Some("raw") => View::Raw,
            Some("json") => View::Json,
            Some(_) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "UnsupportedFormat",
                    "format must be `json` or `raw`",
                ));
            }
        };

        // Boxed: the lookup's state machine is deep, and nesting it unboxed in
        // the runtime's futures overflows rustc's layout depth.
        let newest = Box::pin(self.newest_snapshot()).await;
        let Some(snapshot) = newest.map_err(|e| log_and_map(&e))? else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "NoObjects",
                "the bucket holds no snapshot yet",
            ));
        };
        // Judged only now: a 304 vouches for the client's copy, so it is
        // given only for an object this instance has just proven (read and
        // authenticated, or held and proven within the data-key TTL).
        if let Some(not_modified) = self.conditional(request.headers(), &snapshot) {
            return Ok(not_modified.map(Reply::Body));
        }
        let limit = self.config.response_max_bytes;
        if view == View::Json {
            // Worked out before the document is rendered (3 to 4 times the
            // snapshot in memory): a body that cannot go out is never built.
            let size = json_view_size(&snapshot);
            if size > limit {
                return Err(too_large(size, limit));
            }
        }
        let (body, content_type) = render(&view, &snapshot);
        let size = body.payload_size(self.config.response_mode);
        if size > limit {
            return Err(too_large(size, limit));
        }
        let mut response = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type_header(&content_type))
            .header(header::CONTENT_LENGTH, body.len());
        for (name, value) in self.validators(&snapshot.key, &snapshot.etag, snapshot.last_modified) {
            response = response.header(name, value);
        }
        let body = if method == Method::HEAD {
            Reply::Body(Body::Empty)
        } else {
            body
        };
        Ok(response.body(body).expect("static headers are valid"))
    }

    /// `{"status":"ok"}` (200) or `{"status":"unavailable"}` (503), and
    /// nothing else: the reason goes to the log only.
    async fn health_response(&self, method: &Method) -> Result<Response<Body>, ApiError> {
        check_method(method)?;
        let healthy = self.healthy().await;
        let (status, body) = if healthy {
            (StatusCode::OK, r#"{"status":"ok"}"#)
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"unavailable"}"#)
        };
        let mut response = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::CACHE_CONTROL, "no-store");
        if !healthy {
            let retry = self.health.max_age().as_secs().max(1);
            response = response.header(header::RETRY_AFTER, retry);
        }
        let body = if method == Method::HEAD {
            Body::Empty
        } else {
            Body::Text(body.into())
        };
        Ok(response.body(body).expect("static headers are valid"))
    }
}

/// On every answer, whatever its status: no browser sniffs a type, and
/// nothing served renders as a page of the API's origin. A snapshot is
/// anyone's bytes (a hostile `SOURCE_URL` chooses `text/html` or
/// `image/svg+xml`), and `nosniff` alone stops sniffing, not a declared
/// type: `sandbox` gives a rendered document a unique opaque origin, with no
/// script, and `default-src 'none'` lets it load nothing.
fn defend(headers: &mut http::HeaderMap) {
    headers.insert("x-content-type-options", http::HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        http::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
}

/// What [`defend`] sends as `Content-Security-Policy`.
pub const CONTENT_SECURITY_POLICY: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// Both routes answer GET and HEAD only.
fn check_method(method: &Method) -> Result<(), ApiError> {
    if method == Method::GET || method == Method::HEAD {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{method} is not allowed; use {ALLOWED}"),
        ))
    }
}

/// A response this route will not send. Not 413, which is about request
/// content (RFC 9110 §15.5.14): 502, as Lambda and API Gateway answer a
/// response over their limits, with a code of its own and the way out.
fn too_large(size: u64, limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "ResponseTooLarge",
        format!(
            "the newest object needs {size} bytes in the response; the limit is {limit} bytes: use the streaming URL"
        ),
    )
}

fn log_and_map(err: &RetrieveError) -> ApiError {
    let api = ApiError::from(err);
    tracing::error!(error = %err, status = api.status.as_u16(), code = api.code, "retrieve failed");
    api
}

fn error_response(err: ApiError, request_id: &str) -> Response<Body> {
    let body = json!({"error": {"code": err.code, "message": err.message, "request_id": request_id}}).to_string();
    let mut response = Response::builder()
        .status(err.status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::CONTENT_LENGTH, body.len());
    if err.status == StatusCode::METHOD_NOT_ALLOWED {
        response = response.header(header::ALLOW, ALLOWED);
    }
    if err.status == StatusCode::SERVICE_UNAVAILABLE {
        response = response.header(header::RETRY_AFTER, "1");
    }
    response.body(Body::Text(body)).expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_matches_with_or_without_its_stage() {
        assert!(route_matches("/retrieve_most_recent_object", None));
        assert!(route_matches("/dev/retrieve_most_recent_object", Some("dev")));
        assert!(route_matches("/retrieve_most_recent_object", Some("dev")));
        assert!(route_matches("/dev/retrieve_most_recent_object/json", Some("dev")));
        assert!(!route_matches("/dev/retrieve_most_recent_object/raw", Some("dev")));
        assert!(!route_matches("/dev/retrieve_most_recent_object", None));
        assert!(!route_matches("/retrieve_most_recent_object/", Some("dev")));
        assert!(!route_matches("/devretrieve_most_recent_object", Some("dev")));
        assert!(!route_matches("/other", Some("dev")));
    }
}
