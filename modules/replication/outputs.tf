output "role_arn" {
  description = "ARN of the replication role (named in both keys' policies)."
  value       = aws_iam_role.this.arn
}

output "rule_id" {
  description = "Id of the replication rule (a dimension of its CloudWatch metrics)."
  value       = local.rule_id
}
