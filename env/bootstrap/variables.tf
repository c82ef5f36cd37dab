variable "region" {
  description = "Region of the state bucket (use the environments' region)."
  type        = string
}

variable "manage_api_gateway_account" {
  description = "Set the account-wide role API Gateway uses to write CloudWatch logs (needed once per account and region for stage logging)."
  type        = bool
  default     = true
}
