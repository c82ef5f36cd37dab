output "api_id" {
  description = "Id of the HTTP API (the ApiId dimension of its metrics)."
  value       = aws_apigatewayv2_api.this.id
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_apigatewayv2_stage.this.name
}

output "invoke_url" {
  description = "Full URL of GET /retrieve_most_recent_object."
  value       = "${aws_apigatewayv2_stage.this.invoke_url}/retrieve_most_recent_object"
}

output "health_url" {
  description = "Full URL of GET /health, the public health check for Route 53."
  value       = "${aws_apigatewayv2_stage.this.invoke_url}/health"
}

output "log_group_names" {
  description = "The stage's access log group, by name (known before it exists, for the key policy)."
  value       = [local.access_log_group_name]
}
