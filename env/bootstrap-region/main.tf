# The per-region half of the bootstrap: API Gateway's logging role set in
# one more region, and the marker environments check at plan time. The role
# itself is account-wide and comes from env/bootstrap.
#
#   scripts/deploy.sh bootstrap-region eu-central-1

data "aws_iam_role" "api_gateway_cloudwatch" {
  name = var.cloudwatch_role_name
}

module "api_gateway_logging" {
  source              = "../../modules/api_gateway_logging"
  cloudwatch_role_arn = data.aws_iam_role.api_gateway_cloudwatch.arn
}
