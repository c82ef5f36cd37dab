//! CORS for browser callers: off unless `CORS_ALLOWED_ORIGINS` names origins.
//!
//! A request whose `Origin` is allowed gets `Access-Control-Allow-Origin`
//! with that origin (and `Vary: Origin`, so caches keep one copy per origin)
//! on every answer, errors included, so a page can read the error code. A
//! preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed
//! origin is answered `204` here; from any other origin, or with CORS off,
//! `OPTIONS` is a method like any other (`405`).

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use lambda_http::{Body, Response};

/// What a browser may send and read.
const ALLOW_METHODS: &str = "GET, HEAD";
const ALLOW_HEADERS: &str = "authorization, if-modified-since, if-none-match, x-amz-content-sha256, x-amz-date, x-amz-security-token, x-api-key";
const EXPOSE_HEADERS: &str = "etag, last-modified, x-object-key, content-length";
/// Seconds a browser may keep a preflight's answer.
const MAX_AGE: &str = "600";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    /// Exact origins (`https://app.example.com`), or `*` for any.
    origins: Vec<String>,
}

impl Cors {
    pub fn new(origins: Vec<String>) -> Self {
        Cors { origins }
    }

    pub fn is_enabled(&self) -> bool {
        !self.origins.is_empty()
    }

    /// The `Access-Control-Allow-Origin` value for this request, if any.
    fn allowed(&self, headers: &HeaderMap) -> Option<HeaderValue> {
        let origin = headers.get(header::ORIGIN)?;
        if self.origins.iter().any(|o| o == "*") {
            return Some(HeaderValue::from_static("*"));
        }
        let text = origin.to_str().ok()?;
        self.origins.iter().any(|o| o == text).then(|| origin.clone())
    }

    /// The answer to a preflight from an allowed origin.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
        if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
            return None;
        }
        let origin = self.allowed(headers)?;
        Some(
            Response::builder()
                .status(StatusCode::NO_CONTENT)
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .header(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
                .header(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
                .header(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE)
                .header(header::VARY, "Origin")
                .body(Body::Empty)
                .expect("static headers are valid"),
        )
    }

    /// Adds the CORS headers an answer to an allowed origin carries.
    pub fn decorate(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if let Some(origin) = self.allowed(request) {
            response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
            response.append(header::VARY, HeaderValue::from_static("Origin"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn only_allowed_origins_get_cors_headers_and_a_preflight() {
        let cors = Cors::new(vec!["https://app.example.com".into()]);
        let preflight = headers(&[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "GET"),
        ]);
        let answer = cors.preflight(&Method::OPTIONS, &preflight).expect("a preflight");
        assert_eq!(answer.status(), 204);
        assert_eq!(
            answer.headers()["access-control-allow-origin"],
            "https://app.example.com"
        );
        assert!(
            answer.headers()["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("x-api-key")
        );

        let stranger = headers(&[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "GET"),
        ]);
        assert!(cors.preflight(&Method::OPTIONS, &stranger).is_none());
        assert!(
            Cors::default().preflight(&Method::OPTIONS, &preflight).is_none(),
            "off by default"
        );

        let mut out = HeaderMap::new();
        cors.decorate(&headers(&[("origin", "https://app.example.com")]), &mut out);
        assert_eq!(out["access-control-allow-origin"], "https://app.example.com");
        assert_eq!(out["vary"], "Origin");
        let mut none = HeaderMap::new();
        cors.decorate(&headers(&[("origin", "https://evil.example")]), &mut none);
        assert!(none.is_empty());
    }
}
