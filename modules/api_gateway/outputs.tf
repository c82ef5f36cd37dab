output "rest_api_id" {
  description = "Id of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "invoke_url" {
  description = "Full URL of GET /retrieve_most_recent_object."
  value       = "${aws_api_gateway_stage.this.invoke_url}${aws_api_gateway_resource.this.path}"
}

output "health_url" {
  description = "Full URL of GET /health, the public health check for Route 53."
  value       = "${aws_api_gateway_stage.this.invoke_url}${aws_api_gateway_resource.health.path}"
}

output "snapshot_route_arns" {
  description = "execute-api ARNs of GET and HEAD /retrieve_most_recent_object and its /json view on this stage, for an invoke policy."
  value = [
    for pair in setproduct(["GET", "HEAD"], [aws_api_gateway_resource.this.path, aws_api_gateway_resource.json_view.path]) :
    "${aws_api_gateway_stage.this.execution_arn}/${pair[0]}${pair[1]}"
  ]
}

output "api_key_id" {
  description = "Id of the API key (read its value with `aws apigateway get-api-key --include-value`), or null."
  value       = try(aws_api_gateway_api_key.this[0].id, null)
}

output "api_key_value" {
  description = "Value of the API key, for the post-deploy check."
  value       = try(aws_api_gateway_api_key.this[0].value, null)
  sensitive   = true
}

output "log_group_names" {
  description = "The stage's access and execution log groups, by name (known before the groups exist, for the key policy)."
  value       = [local.access_log_group_name, local.execution_log_group_name]
}
