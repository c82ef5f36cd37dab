output "ingest_role_arn" {
  description = "ARN of the ingest function's role (null without ingest)."
  value       = one(aws_iam_role.ingest[*].arn)
}

output "retrieve_role_arn" {
  description = "ARN of the retrieve function's role."
  value       = aws_iam_role.retrieve.arn
}

output "authorizer_role_arn" {
  description = "ARN of the token authorizer's role (null without one)."
  value       = one(aws_iam_role.authorizer[*].arn)
}
