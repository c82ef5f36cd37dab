variable "region" {
  description = "A region other than env/bootstrap's where an environment runs (prod-dr's standby, say)."
  type        = string
}

variable "cloudwatch_role_name" {
  description = "The account-wide role env/bootstrap made for API Gateway's logs."
  type        = string
  default     = "s3-latest-api-gateway-cloudwatch"
}
