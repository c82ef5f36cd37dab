output "health_check_id" {
  description = "Id of the Route 53 health check on this region's /health."
  value       = aws_route53_health_check.this.id
}

output "endpoint_health_url" {
  description = "The URL the health check calls."
  value       = "https://${local.endpoint_host}/${var.stage_name}/health"
}

output "domain_url" {
  description = "https://<domain_name>/retrieve_most_recent_object through this region's custom domain, or null."
  value       = local.with_domain ? "https://${var.domain_name}/retrieve_most_recent_object" : null
}
