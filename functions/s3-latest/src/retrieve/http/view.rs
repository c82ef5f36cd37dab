//! What a `200` carries: the snapshot's own bytes or the JSON view, sized
//! before they are built, and shaped for a buffered or a streamed response.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::HeaderValue;
use lambda_http::Body;
use serde_json::json;

use crate::config::ResponseMode;
use crate::retrieve::{ServedSnapshot, StreamedBody};

/// What a client asked for: the snapshot as it is, or `?format=json`.
#[derive(PartialEq, Eq)]
pub(super) enum View {
    Raw,
    Json,
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
pub(super) enum Reply {
    /// Errors, 304s, health and the JSON view.
    Body(Body),
    /// A snapshot's own bytes, shared with the cache until a buffered
    /// response copies them; `text` when they may go as a UTF-8 string.
    Snapshot { bytes: Bytes, text: bool },
}

impl Reply {
    /// The body's length in bytes.
    pub(super) fn len(&self) -> usize {
        match self {
            Reply::Body(Body::Text(text)) => text.len(),
            Reply::Body(Body::Binary(bytes)) => bytes.len(),
            Reply::Body(_) => 0,
            Reply::Snapshot { bytes, .. } => bytes.len(),
        }
    }

    /// Bytes the body occupies in the Lambda response payload: a buffered
    /// payload carries binary bodies base64-encoded, a stream as they are.
    pub(super) fn payload_size(&self, mode: ResponseMode) -> u64 {
        let binary = matches!(self, Reply::Body(Body::Binary(_)) | Reply::Snapshot { text: false, .. });
        let len = self.len() as u64;
        match mode {
            ResponseMode::Buffered if binary => len.div_ceil(3) * 4,
            _ => len,
        }
    }

    /// One buffered body (the snapshot's bytes copied out of the cache).
    pub(super) fn into_buffered(self) -> Body {
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
    pub(super) fn into_streamed(self) -> StreamedBody {
        match self {
            Reply::Body(body) => StreamedBody::from(body),
            Reply::Snapshot { bytes, .. } => StreamedBody::new(bytes),
        }
    }
}

/// The response body and its content type for a view of a snapshot.
pub(super) fn render(view: &View, snapshot: &ServedSnapshot) -> (Reply, String) {
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
pub(super) fn json_view_size(snapshot: &ServedSnapshot) -> u64 {
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

fn json_view(snapshot: &ServedSnapshot, encoding: &str, body: &str) -> String {
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
pub(super) fn content_type_header(content_type: &str) -> HeaderValue {
    HeaderValue::from_str(content_type)
        .ok()
        .filter(|v| v.to_str().is_ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

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
            let snapshot = ServedSnapshot {
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
