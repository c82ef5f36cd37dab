//! Conditional requests (RFC 9110 §13): the validators every snapshot
//! response carries, and the 304, judged against the snapshot this instance
//! holds proven (never from the listing alone: a 304 vouches for bytes).

use chrono::{DateTime, Utc};
use http::StatusCode;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use lambda_http::{Body, Response};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::keyring::KeyProvider;
use crate::retrieve::{Retriever, ServedSnapshot};

/// Names the S3 key of the object a response describes.
const OBJECT_KEY_HEADER: HeaderName = HeaderName::from_static("x-object-key");

/// What `X-Object-Key` escapes beyond non-ASCII: controls, space and `%`
/// itself, so the header is printable ASCII and decodes back to the key.
const KEY_HEADER_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

impl<K: KeyProvider> Retriever<K> {
    /// A 304 when the client's copy is `snapshot`, which this instance has
    /// proven. Repeated `If-None-Match` lines are one list (RFC 9110 §5.3).
    pub(super) fn conditional(&self, headers: &HeaderMap, snapshot: &ServedSnapshot) -> Option<Response<Body>> {
        let etag = &snapshot.etag;
        let mut tags = headers.get_all(header::IF_NONE_MATCH).iter().peekable();
        let not_modified = if tags.peek().is_some() {
            tags.filter_map(|v| v.to_str().ok()).any(|tags| none_match(tags, etag))
        } else {
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|since| not_modified_since(since, snapshot.last_modified))
        };
        not_modified.then(|| {
            let mut response = Response::builder().status(StatusCode::NOT_MODIFIED);
            for (name, value) in self.validators(&snapshot.key, etag, snapshot.last_modified) {
                response = response.header(name, value);
            }
            response.body(Body::Empty).expect("static headers are valid")
        })
    }

    pub(super) fn validators(
        &self,
        key: &str,
        etag: &str,
        last_modified: DateTime<Utc>,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let value = |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
        vec![
            (header::ETAG, value(etag)),
            (header::LAST_MODIFIED, value(&http_date(last_modified))),
            (header::CACHE_CONTROL, value(&self.config.cache_control)),
            (OBJECT_KEY_HEADER, key_header(key)),
        ]
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

fn key_header(key: &str) -> HeaderValue {
    // Keys of any naming can hold spaces or non-ASCII; percent-encode those so
    // the header is plain ASCII (HeaderValue alone would pass raw UTF-8 bytes).
    let encoded = utf8_percent_encode(key, KEY_HEADER_ESCAPES).to_string();
    HeaderValue::from_str(&encoded).expect("percent-encoded ASCII is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

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
    fn odd_keys_are_percent_encoded_in_the_header() {
        assert_eq!(key_header("snapshots/a b\u{e9}"), "snapshots/a%20b%C3%A9");
        assert_eq!(key_header("snapshots/plain"), "snapshots/plain");
    }
}
