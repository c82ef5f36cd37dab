output "state_bucket" {
  description = "Bucket for every environment's state: terraform init -backend-config=\"bucket=<this>\" ..."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "Key encrypting the state bucket."
  value       = aws_kms_key.state.arn
}

output "region" {
  description = "Region of the state bucket (the backend's region)."
  value       = var.region
}

output "api_gateway_cloudwatch_role_name" {
  description = "The account-wide role env/bootstrap-region sets in other regions."
  value       = one(aws_iam_role.api_gateway_cloudwatch[*].name)
}

output "deployer_policy_arns" {
  description = "The deployer policy, in two (IAM caps a managed policy's size; docs/deployer.md): attach both to the roles that apply the environments."
  value       = sort([for policy in aws_iam_policy.deployer : policy.arn])
}
