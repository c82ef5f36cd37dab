//! The HTTP contract of `GET /retrieve_most_recent_object`: routing, methods,
//! conditional requests, the JSON view and error bodies, for a buffered or a
//! streamed response.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use super::health::HEALTH_ROUTE;
use super::streamed::StreamedBody;
use super::{RetrieveError, Retriever, Snapshot, entity_tag, plaintext_size};
use crate::config::ResponseMode;
use crate::envelope::EnvelopeError;
use crate::keyring::{KeyError, KeyProvider};
use crate::store::{ObjectSummary, StoreError};

pub const ROUTE: &str = "/retrieve_most_recent_object";
/// Names the S3 key of the object a response describes.
pub const OBJECT_KEY_HEADER: HeaderName = HeaderName::from_static("x-object-key");
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

/// Whether `path` is the route, with or without a leading stage segment.
pub fn route_matches(path: &str, stage: Option<&str>) -> bool {
    without_stage(path, stage) == ROUTE
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

/// What a client asked for.
#[derive(PartialEq, Eq)]
enum View {
    Raw,
    Json,
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

fn http_date(t: DateTime<Utc>) -> String {
    let seconds = u64::try_from(t.timestamp()).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds))
}

/// `If-None-Match` per RFC 9110: `*` or a list of tags, compared weakly.
fn none_match(header: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    header.trim() == "*" || header.split(',').any(|candidate| opaque(candidate) == opaque(etag))
}

/// `If-Modified-Since`: not modified when the object's second is not after
/// the date. Any of RFC 9110's three HTTP-date forms (IMF-fixdate, RFC 850,
/// asctime); anything else is ignored, as the RFC says.
fn not_modified_since(header: &str, last_modified: DateTime<Utc>) -> bool {
    httpdate::parse_http_date(header.trim())
        .ok()
        .and_then(|since| since.duration_since(std::time::UNIX_EPOCH).ok())
        .is_some_and(|since| last_modified.timestamp() <= since.as_secs() as i64)
}

fn is_text(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || matches!(
            mime.as_str(),
            "application/json" | "application/xml" | "application/javascript" | "application/x-ndjson"
        )
        || [".json", "+json", "+xml", "+yaml"]
            .iter()
            .any(|suffix| mime.ends_with(suffix))
}

/// What a response carries, before it is shaped for its transport.
enum Reply {
    /// Errors, 304s, health and the JSON view.
    Body(Body),
    /// A snapshot's own bytes, shared with the cache until a buffered
    /// response copies them; `text` when they may go as a UTF-8 string.
    Snapshot { bytes: Bytes, text: bool },
}

impl Reply {
    /// The body's length in bytes.
    fn len(&self) -> usize {
        match self {
            Reply::Body(Body::Text(text)) => text.len(),
            Reply::Body(Body::Binary(bytes)) => bytes.len(),
            Reply::Body(_) => 0,
            Reply::Snapshot { bytes, .. } => bytes.len(),
        }
    }

    /// Bytes the body occupies in the Lambda response payload: a buffered
    /// payload carries binary bodies base64-encoded, a stream as they are.
    fn payload_size(&self, mode: ResponseMode) -> u64 {
        let binary = matches!(self, Reply::Body(Body::Binary(_)) | Reply::Snapshot { text: false, .. });
        let len = self.len() as u64;
        match mode {
            ResponseMode::Buffered if binary => len.div_ceil(3) * 4,
            _ => len,
        }
    }

    /// One buffered body (the snapshot's bytes copied out of the cache).
    fn into_buffered(self) -> Body {
        match self {
            Reply::Body(body) => body,
            Reply::Snapshot { bytes, text: true } => match String::from_utf8(bytes.to_vec()) {
                Ok(text) => Body::Text(text),
                Err(not_text) => Body::Binary(not_text.into_bytes()),
            },
            Reply::Snapshot { bytes, text: false } => Body::Binary(bytes.to_vec()),
        }
    }

    /// A streamed body (the snapshot's bytes sliced, not copied).
    fn into_streamed(self) -> StreamedBody {
        match self {
            Reply::Body(body) => StreamedBody::from(body),
            Reply::Snapshot { bytes, .. } => StreamedBody::new(bytes),
        }
    }
}

/// The response body and its content type for a view of a snapshot.
fn render(view: &View, snapshot: &Snapshot) -> (Reply, String) {
    let text = || std::str::from_utf8(&snapshot.body).ok();
    match view {
        View::Raw => (
            Reply::Snapshot {
                bytes: snapshot.body.clone(),
                // A textual type first: a binary snapshot is never scanned.
                text: is_text(&snapshot.content_type) && text().is_some(),
            },
            snapshot.content_type.clone(),
        ),
        View::Json => {
            let document = match text() {
                Some(text) => json_view(snapshot, "utf8", text),
                None => json_view(snapshot, "base64", &BASE64.encode(&snapshot.body)),
            };
            (Reply::Body(Body::Text(document)), "application/json".to_owned())
        }
    }
}

/// The JSON view's length in bytes, without rendering it: the document with
/// an empty body, plus the body as it will be written (base64 is 4·⌈n/3⌉;
/// text is counted in one pass over serde_json's escapes).
fn json_view_size(snapshot: &Snapshot) -> u64 {
    let (encoding, body) = match std::str::from_utf8(&snapshot.body) {
        Ok(text) => ("utf8", escaped_len(text)),
        Err(_) => ("base64", (snapshot.body.len() as u64).div_ceil(3) * 4),
    };
    json_view(snapshot, encoding, "").len() as u64 + body
}

/// How many bytes `text` takes inside a JSON string, as serde_json writes it.
fn escaped_len(text: &str) -> u64 {
    text.bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0x00..=0x1f => 6,
            _ => 1,
        })
        .sum()
}

fn json_view(snapshot: &Snapshot, encoding: &str, body: &str) -> String {
    json!({
        "key": snapshot.key,
        "last_modified": snapshot.last_modified.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "size": snapshot.body.len(),
        "content_type": snapshot.content_type,
        "etag": snapshot.etag,
        "encoding": encoding,
        "body": body,
    })
    .to_string()
}

/// The stored Content-Type as a header. Whoever wrote the object chose it;
/// one that is not a valid header value is served as octet-stream rather
/// than failing the response.
fn content_type_header(content_type: &str) -> HeaderValue {
    HeaderValue::from_str(content_type)
        .ok()
        .filter(|v| v.to_str().is_ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

fn key_header(key: &str) -> HeaderValue {
    // Keys of any naming can hold spaces or non-ASCII; percent-encode those so
    // the header is plain ASCII (HeaderValue alone would pass raw UTF-8 bytes).
    let encoded: String = key
        .bytes()
        .map(|b| {
            if b.is_ascii_graphic() && b != b'%' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&encoded).expect("percent-encoded ASCII is a valid header value")
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
        let view = match request.query_string_parameters_ref().and_then(|q| q.first("format")) {
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

        let newest = self.newest().await.map_err(|e| log_and_map(&e))?;
        let Some(summary) = newest else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "NoObjects",
                "the bucket holds no snapshot yet",
            ));
        };
        // Before any GET or KMS call, and for HEAD and conditional requests
        // too: an object this instance would never serve is not read.
        let limit = self.config.response_max_bytes;
        if plaintext_size(summary.size) > limit {
            return Err(too_large(plaintext_size(summary.size), limit));
        }
        if let Some(not_modified) = self.conditional(request.headers(), &summary) {
            return Ok(not_modified.map(Reply::Body));
        }

        let snapshot = self.load(&summary).await.map_err(|e| log_and_map(&e))?;
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
            .header(header::CONTENT_LENGTH, body.len())
            .header("x-content-type-options", "nosniff");
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

    /// A 304 when the client's copy is current, judged from the listing alone.
    fn conditional(&self, headers: &HeaderMap, summary: &ObjectSummary) -> Option<Response<Body>> {
        let etag = entity_tag(summary);
        let header = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        let not_modified = match header(header::IF_NONE_MATCH) {
            Some(tags) => none_match(tags, &etag),
            None => {
                header(header::IF_MODIFIED_SINCE).is_some_and(|since| not_modified_since(since, summary.last_modified))
            }
        };
        not_modified.then(|| {
            let mut response = Response::builder().status(StatusCode::NOT_MODIFIED);
            for (name, value) in self.validators(&summary.key, &etag, summary.last_modified) {
                response = response.header(name, value);
            }
            response.body(Body::Empty).expect("static headers are valid")
        })
    }

    fn validators(&self, key: &str, etag: &str, last_modified: DateTime<Utc>) -> Vec<(HeaderName, HeaderValue)> {
        let value = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
        vec![
            (header::ETAG, value(etag)),
            (header::LAST_MODIFIED, value(&http_date(last_modified))),
            (header::CACHE_CONTROL, value(&self.config.cache_control)),
            (OBJECT_KEY_HEADER, key_header(key)),
        ]
    }
}

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
    use chrono::TimeZone;

    #[test]
    fn the_route_matches_with_or_without_its_stage() {
        assert!(route_matches("/retrieve_most_recent_object", None));
        assert!(route_matches("/dev/retrieve_most_recent_object", Some("dev")));
        assert!(route_matches("/retrieve_most_recent_object", Some("dev")));
        assert!(!route_matches("/dev/retrieve_most_recent_object", None));
        assert!(!route_matches("/retrieve_most_recent_object/", Some("dev")));
        assert!(!route_matches("/devretrieve_most_recent_object", Some("dev")));
        assert!(!route_matches("/other", Some("dev")));
    }

    #[test]
    fn if_none_match_compares_weakly_across_lists() {
        let etag = "\"abc\"";
        assert!(none_match("\"abc\"", etag));
        assert!(none_match("W/\"abc\"", etag));
        assert!(none_match("\"x\", \"abc\"", etag));
        assert!(none_match("*", etag));
        assert!(!none_match("\"abd\"", etag));
        assert!(!none_match("abc", etag));
    }

    #[test]
    fn if_modified_since_uses_whole_seconds() {
        let t = Utc.with_ymd_and_hms(2026, 11, 21, 22, 34, 0).unwrap() + chrono::Duration::milliseconds(900);
        assert_eq!(http_date(t), "Sat, 21 Nov 2026 22:34:00 GMT");
        assert!(not_modified_since("Sat, 21 Nov 2026 22:34:00 GMT", t));
        assert!(!not_modified_since("Sat, 21 Nov 2026 22:33:59 GMT", t));
        assert!(!not_modified_since("yesterday", t));
        // RFC 9110 §5.6.7: recipients accept all three forms.
        assert!(not_modified_since("Saturday, 21-Nov-26 22:34:00 GMT", t), "RFC 850");
        assert!(not_modified_since("Sat Nov 21 22:34:00 2026", t), "asctime");
        assert!(!not_modified_since("Sat Nov 21 22:33:59 2026", t), "asctime");
    }

    #[test]
    fn binary_bodies_count_as_base64_in_a_buffered_payload_only() {
        let buffered = |reply: Reply| reply.payload_size(ResponseMode::Buffered);
        assert_eq!(buffered(Reply::Body(Body::Binary(vec![0; 3]))), 4);
        assert_eq!(buffered(Reply::Body(Body::Binary(vec![0; 4]))), 8);
        assert_eq!(buffered(Reply::Body(Body::Text("abcd".into()))), 4);
        let snapshot = |text| Reply::Snapshot {
            bytes: Bytes::from_static(b"abcd"),
            text,
        };
        assert_eq!(buffered(snapshot(false)), 8);
        assert_eq!(buffered(snapshot(true)), 4);
        assert_eq!(snapshot(false).payload_size(ResponseMode::Stream), 4);
        assert!(is_text("application/json; charset=utf-8"));
        assert!(is_text("application/vnd.api+json"));
        assert!(!is_text("image/png"));
    }

    #[test]
    fn an_invalid_stored_content_type_is_served_as_octet_stream() {
        assert_eq!(
            content_type_header("text/csv; charset=utf-8"),
            "text/csv; charset=utf-8"
        );
        assert_eq!(
            content_type_header("text/plain\r\nX-Injected: 1"),
            "application/octet-stream"
        );
        assert_eq!(content_type_header("caf\u{e9}"), "application/octet-stream");
    }

    #[test]
    fn odd_keys_are_percent_encoded_in_the_header() {
        assert_eq!(key_header("snapshots/a b\u{e9}"), "snapshots/a%20b%C3%A9");
        assert_eq!(key_header("snapshots/plain"), "snapshots/plain");
    }

    #[test]
    fn the_json_view_size_is_worked_out_exactly_without_rendering() {
        let bodies: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"plain text".to_vec(),
            "quotes \" and \\ slashes, \n\r\t\u{8}\u{c} and \u{1} \u{1f} \u{7f}, caf\u{e9} \u{1f600}"
                .as_bytes()
                .to_vec(),
            vec![0xff, 0x00, 0x80, 0x01],
            (0..=255u8).cycle().take(1000).collect(),
        ];
        for body in bodies {
            let snapshot = Snapshot {
                key: "snapshots/k".into(),
                last_modified: Utc.timestamp_opt(1_764_000_000, 0).unwrap(),
                content_type: "text/plain; charset=\"utf-8\"".into(),
                etag: "\"e\"".into(),
                body: Bytes::from(body.clone()),
            };
            let (rendered, _) = render(&View::Json, &snapshot);
            assert_eq!(json_view_size(&snapshot), rendered.len() as u64, "{body:?}");
        }
    }
}
