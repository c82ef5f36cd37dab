//! The body of a streamed response: bytes already in memory, handed out in
//! slices of the one buffer, so streaming a snapshot copies nothing.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Largest frame handed to the runtime (or, locally, to hyper) at a time.
const FRAME_BYTES: usize = 1 << 20;

/// A response body that streams `Bytes` it already holds.
#[derive(Debug, Default)]
pub struct StreamedBody {
    remaining: Bytes,
}

impl StreamedBody {
    pub fn new(bytes: Bytes) -> Self {
        StreamedBody { remaining: bytes }
    }
}

impl From<lambda_http::Body> for StreamedBody {
    fn from(body: lambda_http::Body) -> Self {
        StreamedBody::new(match body {
            lambda_http::Body::Text(text) => Bytes::from(text),
            lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
            _ => Bytes::new(),
        })
    }
}

impl Body for StreamedBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining.is_empty() {
            return Poll::Ready(None);
        }
        let take = self.remaining.len().min(FRAME_BYTES);
        Poll::Ready(Some(Ok(Frame::data(self.remaining.split_to(take)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn frames_are_slices_of_the_one_buffer_in_order() {
        let bytes = Bytes::from((0..(FRAME_BYTES * 2 + 3)).map(|i| i as u8).collect::<Vec<u8>>());
        let mut body = StreamedBody::new(bytes.clone());
        assert_eq!(body.size_hint().exact(), Some(bytes.len() as u64));
        let mut frames = vec![];
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(
            frames.iter().map(Bytes::len).collect::<Vec<_>>(),
            [FRAME_BYTES, FRAME_BYTES, 3]
        );
        // Slices of the original allocation, not copies.
        assert_eq!(frames[0].as_ptr(), bytes.as_ptr());
        assert_eq!(frames.concat(), bytes);
        assert!(body.is_end_stream());
    }
}
