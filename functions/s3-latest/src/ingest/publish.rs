//! Announcing a new object: a narrow trait with EventBridge for AWS and a
//! log line for local mode. No bus configured is `None`: an `Option` of a
//! publisher is one, which announces nothing.

use std::future::Future;

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde::Serialize;

use crate::aws_error;

/// The event source and detail-type of every announcement.
pub const EVENT_SOURCE: &str = "s3-latest";
pub const OBJECT_INGESTED: &str = "ObjectIngested";

/// The `detail` of an `ObjectIngested` event.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ObjectIngested {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub content_type: String,
    pub time: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("event bus unavailable ({code})")]
    Unavailable { code: String },
    #[error("event bus refused the event ({code})")]
    Refused { code: String },
}

pub trait EventPublisher: Send + Sync + 'static {
    /// Publishes the event; `Ok(false)` when this publisher has nowhere to send it.
    fn publish(&self, event: &ObjectIngested) -> impl Future<Output = Result<bool, PublishError>> + Send;

    /// Whether events go anywhere: if not, there is nothing to announce once.
    fn announces(&self) -> bool {
        true
    }
}

pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        EventBridgePublisher {
            client,
            bus: bus.into(),
        }
    }
}

impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, event: &ObjectIngested) -> Result<bool, PublishError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(EVENT_SOURCE)
            .detail_type(OBJECT_INGESTED)
            .detail(serde_json::to_string(event).expect("plain struct serialises"))
            .build();
        let out = self.client.put_events().entries(entry).send().await.map_err(|e| {
            aws_error::into_error(
                &e,
                |code| PublishError::Unavailable { code },
                |code| PublishError::Refused { code },
            )
        })?;
        // PutEvents succeeds as a call even when entries fail; check each one.
        if out.failed_entry_count() > 0 {
            let code = out
                .entries()
                .iter()
                .find_map(|e| e.error_code())
                .unwrap_or("FailedEntry")
                .to_owned();
            return Err(PublishError::Refused { code });
        }
        Ok(true)
    }
}

/// Local mode: the announcement is a log line.
pub struct LogPublisher;

impl EventPublisher for LogPublisher {
    async fn publish(&self, event: &ObjectIngested) -> Result<bool, PublishError> {
        tracing::info!(key = %event.key, size = event.size, content_type = %event.content_type, "{OBJECT_INGESTED}");
        Ok(true)
    }
}

/// A publisher, or none: without one nothing is published, and the
/// invocation's summary says so.
impl<P: EventPublisher> EventPublisher for Option<P> {
    async fn publish(&self, event: &ObjectIngested) -> Result<bool, PublishError> {
        match self {
            Some(publisher) => publisher.publish(event).await,
            None => Ok(false),
        }
    }

    fn announces(&self) -> bool {
        self.as_ref().is_some_and(EventPublisher::announces)
    }
}
