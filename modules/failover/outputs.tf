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

output "validation_records" {
  description = "With domain_name: the DNS records that validate this region's certificate, by domain name (the same records for every region); {} otherwise."
  value = local.with_domain ? {
    for option in aws_acm_certificate.this[0].domain_validation_options : option.domain_name => {
      name   = option.resource_record_name
      type   = option.resource_record_type
      record = option.resource_record_value
    }
  } : {}
}
