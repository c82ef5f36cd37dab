# One region's side of DNS failover: a Route 53 health check on this
# region's own API endpoint (GET /<stage>/health, no API key), and, when a
# domain is given, the regional custom domain with its ACM certificate and
# this region's PRIMARY or SECONDARY failover record.

locals {
  with_domain = var.domain_name != null
  # The region's own endpoint, not the custom domain: the check must say
  # whether this region serves, whichever record DNS answers with.
  endpoint_host = "${var.rest_api_id}.execute-api.${var.region}.amazonaws.com"
}

resource "aws_route53_health_check" "this" {
  fqdn              = local.endpoint_host
  port              = 443
  type              = "HTTPS"
  resource_path     = "/${var.stage_name}/health"
  request_interval  = var.health_check_interval_seconds
  failure_threshold = var.health_check_failure_threshold
  measure_latency   = true
  enable_sni        = true

  tags = {
    Name = "${var.name}-health"
  }
}

resource "aws_acm_certificate" "this" {
  count             = local.with_domain ? 1 : 0
  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Both regions' certificates for one name are validated by one DNS record,
# which the caller creates once from validation_records (env/prod-dr does),
# so that removing either region never deletes what the other's renewal needs.
resource "aws_acm_certificate_validation" "this" {
  count                   = local.with_domain ? 1 : 0
  certificate_arn         = aws_acm_certificate.this[0].arn
  validation_record_fqdns = var.validation_record_fqdns
}

resource "aws_api_gateway_domain_name" "this" {
  count                    = local.with_domain ? 1 : 0
  domain_name              = var.domain_name
  regional_certificate_arn = aws_acm_certificate_validation.this[0].certificate_arn
  security_policy          = "TLS_1_2"

  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_base_path_mapping" "this" {
  count       = local.with_domain ? 1 : 0
  api_id      = var.rest_api_id
  stage_name  = var.stage_name
  domain_name = aws_api_gateway_domain_name.this[0].domain_name
}

resource "aws_route53_record" "failover" {
  count           = local.with_domain ? 1 : 0
  zone_id         = var.hosted_zone_id
  name            = var.domain_name
  type            = "A"
  set_identifier  = "${var.name}-${lower(var.failover_role)}"
  health_check_id = aws_route53_health_check.this.id

  failover_routing_policy {
    type = var.failover_role
  }

  alias {
    name                   = aws_api_gateway_domain_name.this[0].regional_domain_name
    zone_id                = aws_api_gateway_domain_name.this[0].regional_zone_id
    evaluate_target_health = false
  }
}
