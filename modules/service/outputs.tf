output "retrieve_url" {
  description = "Full invoke URL of GET /retrieve_most_recent_object."
  value       = local.api.invoke_url
}

output "health_url" {
  description = "Full URL of GET /health (no API key): 200 while the newest snapshot can be served, 503 otherwise."
  value       = local.api.health_url
}

output "api_key_id" {
  description = "Id of the API key; its value: aws apigateway get-api-key --api-key <id> --include-value --query value --output text"
  value       = one(module.api_gateway[*].api_key_id)
}

output "bucket_name" {
  description = "The snapshot bucket."
  value       = module.s3.bucket_name
}

output "kms_key_arn" {
  description = "The key that wraps data keys and encrypts the bucket, logs and alarms."
  value       = module.kms.key_arn
}

output "ingest_function_name" {
  description = "Name of the ingest function (null without ingest)."
  value       = one(module.ingest[*].function_name)
}

output "retrieve_function_name" {
  description = "Name of the retrieve function."
  value       = module.retrieve["buffered"].function_name
}

output "event_bus_name" {
  description = "Bus carrying ObjectIngested; send \"Ingest Requested\" here for a snapshot now."
  value       = one(module.eventbridge[*].event_bus_name)
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify."
  value       = module.monitoring.alarm_topic_arn
}

output "bucket_arn" {
  description = "ARN of the snapshot bucket."
  value       = module.s3.bucket_arn
}

output "store_id" {
  description = "The store identity in every object's encryption context (STORE_ID)."
  value       = local.store_id
}

output "rest_api_id" {
  description = "Id of the REST API (null with api_type = http)."
  value       = one(module.api_gateway[*].rest_api_id)
}

output "api_id" {
  description = "Id of the API in front of retrieve, REST or HTTP."
  value       = local.api.id
}

output "stage_name" {
  description = "The API stage."
  value       = local.api.stage_name
}

output "api_key_value" {
  description = "Value of the API key, for the post-deploy check."
  value       = one(module.api_gateway[*].api_key_value)
  sensitive   = true
}

output "stream_url" {
  description = "With stream_url_enabled: the function URL that streams the newest snapshot (IAM-signed requests, service \"lambda\"); null otherwise."
  value       = one(aws_lambda_function_url.stream[*].function_url)
}

output "stream_function_name" {
  description = "With stream_url_enabled: the retrieve function behind stream_url; null otherwise."
  value       = var.stream_url_enabled ? module.retrieve["stream"].function_name : null
}

output "stream_invoke_policy_json" {
  description = "With stream_url_enabled: an IAM policy granting what a caller needs to call stream_url; null otherwise."
  value       = one(data.aws_iam_policy_document.stream_invoke[*].json)
}

output "rest_invoke_policy_json" {
  description = "With api_type = rest and AWS_IAM authorization: an IAM policy granting what a caller needs to call retrieve_url; null otherwise."
  value       = one(data.aws_iam_policy_document.rest_invoke[*].json)
}

output "http_invoke_policy_json" {
  description = "With api_type = http and IAM authorization: an IAM policy granting what a caller needs to call retrieve_url; null otherwise."
  value       = one(data.aws_iam_policy_document.http_invoke[*].json)
}

output "ingest_timeout_seconds" {
  description = "How long an ingest invocation may run: what scripts/retire.sh waits for in-flight ones after stopping new ones."
  value       = local.ingest_timeout
}
