//! What may invoke ingest, and what it said.
//!
//! * An EventBridge rule on a schedule: `source` `aws.events`,
//!   `detail-type` `Scheduled Event`.
//! * EventBridge Scheduler, whose target input is this template (the
//!   Terraform module sets it):
//!   `{"schedule_arn":"<aws.scheduler.schedule-arn>","scheduled_time":"<aws.scheduler.scheduled-time>",`
//!   `"execution_id":"<aws.scheduler.execution-id>","attempt_number":"<aws.scheduler.attempt-number>"}`
//! * A manual EventBridge event with `detail-type` [`MANUAL_DETAIL_TYPE`],
//!   e.g. `aws events put-events` onto a bus whose rule targets ingest.
//!
//! Anything else is refused, so a misrouted event never writes a snapshot.

use serde::Deserialize;

/// The `detail-type` of a manual ingest request.
pub const MANUAL_DETAIL_TYPE: &str = "Ingest Requested";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// An EventBridge rule's schedule fired.
    Schedule {
        event_id: String,
        rule: Option<String>,
        time: String,
    },
    /// EventBridge Scheduler invoked us with the documented input template.
    Scheduler {
        schedule_arn: String,
        scheduled_time: String,
        execution_id: String,
    },
    /// Somebody asked for a snapshot now.
    Manual { event_id: String, source: String },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TriggerError {
    #[error("event is not a JSON object")]
    NotAnObject,
    #[error("unsupported event: {0}")]
    Unsupported(String),
    #[error("malformed {kind} event: {reason}")]
    Malformed { kind: &'static str, reason: String },
}

#[derive(Deserialize)]
struct EventBridgeEnvelope {
    id: String,
    source: String,
    #[serde(rename = "detail-type")]
    detail_type: String,
    time: String,
    #[serde(default)]
    resources: Vec<String>,
}

#[derive(Deserialize)]
struct SchedulerInput {
    schedule_arn: String,
    scheduled_time: String,
    execution_id: String,
}

pub fn parse(event: &serde_json::Value) -> Result<Trigger, TriggerError> {
    let object = event.as_object().ok_or(TriggerError::NotAnObject)?;
    if object.contains_key("detail-type") {
        let envelope: EventBridgeEnvelope =
            serde_json::from_value(event.clone()).map_err(|e| TriggerError::Malformed {
                kind: "EventBridge",
                reason: e.to_string(),
            })?;
        return match (envelope.source.as_str(), envelope.detail_type.as_str()) {
            ("aws.events", "Scheduled Event") => Ok(Trigger::Schedule {
                event_id: envelope.id,
                rule: envelope.resources.into_iter().next(),
                time: envelope.time,
            }),
            (source, MANUAL_DETAIL_TYPE) if !source.starts_with("aws.") => Ok(Trigger::Manual {
                event_id: envelope.id,
                source: envelope.source,
            }),
            (source, detail_type) => Err(TriggerError::Unsupported(format!(
                "detail-type `{detail_type}` from `{source}`; expected `Scheduled Event` from `aws.events` or `{MANUAL_DETAIL_TYPE}`"
            ))),
        };
    }
    if object.contains_key("schedule_arn") {
        let input: SchedulerInput = serde_json::from_value(event.clone()).map_err(|e| TriggerError::Malformed {
            kind: "EventBridge Scheduler",
            reason: e.to_string(),
        })?;
        if !input.schedule_arn.starts_with("arn:") {
            return Err(TriggerError::Malformed {
                kind: "EventBridge Scheduler",
                reason: "schedule_arn is not an ARN (is the input template's placeholder substituted?)".into(),
            });
        }
        return Ok(Trigger::Scheduler {
            schedule_arn: input.schedule_arn,
            scheduled_time: input.scheduled_time,
            execution_id: input.execution_id,
        });
    }
    Err(TriggerError::Unsupported(
        "neither an EventBridge event (no `detail-type`) nor an EventBridge Scheduler input (no `schedule_arn`)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture(name: &str) -> serde_json::Value {
        let text = match name {
            "scheduled" => include_str!("../../tests/data/eventbridge_scheduled_event.json"),
            "scheduler" => include_str!("../../tests/data/scheduler_input.json"),
            "manual" => include_str!("../../tests/data/manual_ingest_event.json"),
            "s3" => include_str!("../../tests/data/eventbridge_s3_object_created.json"),
            _ => unreachable!(),
        };
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_real_scheduled_event_is_a_schedule_trigger() {
        assert_eq!(
            parse(&fixture("scheduled")).unwrap(),
            Trigger::Schedule {
                event_id: "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa".into(),
                rule: Some("arn:aws:events:us-east-1:123456789012:rule/s3-latest-dev-ingest".into()),
                time: "2026-11-21T22:00:00Z".into(),
            }
        );
    }

    #[test]
    fn scheduler_and_manual_payloads_are_accepted() {
        assert!(
            matches!(parse(&fixture("scheduler")).unwrap(), Trigger::Scheduler { execution_id, .. } if execution_id == "d32c5kddcf5bb8c3")
        );
        assert!(
            matches!(parse(&fixture("manual")).unwrap(), Trigger::Manual { source, .. } if source == "s3-latest.operator")
        );
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        assert!(matches!(parse(&fixture("s3")), Err(TriggerError::Unsupported(m)) if m.contains("Object Created")));
        assert_eq!(parse(&json!([1, 2])), Err(TriggerError::NotAnObject));
        assert!(matches!(
            parse(&json!({"hello": "world"})),
            Err(TriggerError::Unsupported(_))
        ));
        assert!(matches!(
            parse(&json!({"detail-type": "Scheduled Event"})),
            Err(TriggerError::Malformed { .. })
        ));
        // A forged "manual" event claiming to come from AWS is not manual.
        let mut forged = fixture("manual");
        forged["source"] = json!("aws.events");
        assert!(matches!(parse(&forged), Err(TriggerError::Unsupported(_))));
        let unsubstituted =
            json!({"schedule_arn": "<aws.scheduler.schedule-arn>", "scheduled_time": "x", "execution_id": "y"});
        assert!(matches!(parse(&unsubstituted), Err(TriggerError::Malformed { .. })));
    }
}
