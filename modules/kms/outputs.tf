output "key_arn" {
  description = "ARN of the key."
  value       = local.key.arn
}

output "key_id" {
  description = "Id of the key."
  value       = local.key.key_id
}

output "alias_name" {
  description = "Alias of the key (alias/<name>)."
  value       = aws_kms_alias.this.name
}
