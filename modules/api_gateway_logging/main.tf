# API Gateway writes REST API stage logs with one role per account and
# region (its "account" setting). This sets it in the provider's region and
# leaves a marker there that every environment's plan reads: a region never
# bootstrapped stops at plan with a message, not halfway through apply.
#
# Owned by env/bootstrap (its home region) and env/bootstrap-region (every
# other region), never by an environment: with provider 6.x, destroying an
# aws_api_gateway_account resets the region's setting for every API in it.

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = var.cloudwatch_role_arn
}

resource "aws_ssm_parameter" "ready" {
  #checkov:skip=CKV2_AWS_34:The value is a role ARN, not a secret; a String lets every plan read it without kms:Decrypt.
  name        = var.parameter_name
  description = "API Gateway's CloudWatch logging role is set in this region (s3-latest bootstrap)."
  type        = "String"
  value       = aws_api_gateway_account.this.cloudwatch_role_arn
}
