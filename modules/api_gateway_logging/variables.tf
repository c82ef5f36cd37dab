variable "cloudwatch_role_arn" {
  description = "The account-wide role API Gateway assumes to write CloudWatch logs (env/bootstrap's)."
  type        = string
}

variable "parameter_name" {
  description = "SSM parameter that marks the region as set up; modules/service reads it at plan time."
  type        = string
  default     = "/s3-latest/api-gateway/cloudwatch-role-arn"
}
