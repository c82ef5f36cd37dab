output "event_bus_name" {
  description = "Name of the bus ObjectIngested is published on (EVENT_BUS_NAME)."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the bus."
  value       = aws_cloudwatch_event_bus.this.arn
}

output "dead_letter_queue_arn" {
  description = "ARN of the ingest dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "dead_letter_queue_name" {
  description = "Name of the ingest dead-letter queue."
  value       = aws_sqs_queue.dead_letter.name
}

output "schedule_name" {
  description = "Name of the ingest schedule."
  value       = aws_scheduler_schedule.ingest.name
}
