output "web_acl_arn" {
  description = "ARN of the web ACL, for the api_gateway module's waf_acl_arn."
  value       = aws_wafv2_web_acl.this.arn
}
