output "retrieve_url" {
  description = "Full invoke URL of GET /retrieve_most_recent_object."
  value       = module.service.retrieve_url
}

output "health_url" {
  description = "Full URL of GET /health (no API key): 200 while the newest snapshot can be served, 503 otherwise."
  value       = module.service.health_url
}

output "api_key_id" {
  description = "Id of the API key; its value: aws apigateway get-api-key --api-key <id> --include-value --query value --output text"
  value       = module.service.api_key_id
}

output "bucket_name" {
  description = "The snapshot bucket."
  value       = module.service.bucket_name
}

output "kms_key_arn" {
  description = "The key that wraps data keys and encrypts the bucket, logs and alarms."
  value       = module.service.kms_key_arn
}

output "ingest_function_name" {
  description = "Name of the ingest function."
  value       = module.service.ingest_function_name
}

output "retrieve_function_name" {
  description = "Name of the retrieve function."
  value       = module.service.retrieve_function_name
}

output "event_bus_name" {
  description = "Bus carrying ObjectIngested; send \"Ingest Requested\" here for a snapshot now."
  value       = module.service.event_bus_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.service.alarm_topic_arn
}

output "stream_url" {
  description = "With stream_url_enabled: the function URL that streams the newest snapshot (IAM-signed requests, service \"lambda\"); null otherwise."
  value       = module.service.stream_url
}

output "stream_invoke_policy_json" {
  description = "With stream_url_enabled: an IAM policy granting what a caller needs to call stream_url; null otherwise."
  value       = module.service.stream_invoke_policy_json
}

output "rest_invoke_policy_json" {
  description = "With rest_api_authorization = AWS_IAM: the IAM policy a caller needs to call retrieve_url."
  value       = module.service.rest_invoke_policy_json
}

output "http_invoke_policy_json" {
  description = "With api_type = http and IAM authorization: an IAM policy granting what a caller needs to call retrieve_url; null otherwise."
  value       = module.service.http_invoke_policy_json
}

output "ingest_timeout_seconds" {
  description = "How long an ingest invocation may run (scripts/retire.sh waits this long for in-flight ones)."
  value       = module.service.ingest_timeout_seconds
}
