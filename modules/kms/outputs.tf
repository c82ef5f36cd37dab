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

output "trigger_key_arn" {
  description = "ARN of the HMAC key ingest tags its triggers with (TRIGGER_KEY_ID); null where ingest does not run."
  value       = one(aws_kms_key.trigger_tags[*].arn)
}
