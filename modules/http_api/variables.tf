variable "name" {
  description = "Name of the HTTP API (e.g. s3-latest-dev)."
  type        = string
}

variable "stage_name" {
  description = "Stage name, the first segment of the URL path."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.stage_name))
    error_message = "Stage names are letters, digits, '_' and '-'."
  }
}

variable "lambda_function_name" {
  description = "Name of the retrieve function."
  type        = string
}

variable "lambda_invoke_arn" {
  description = "Invoke ARN of the retrieve function."
  type        = string
}

variable "integration_timeout_milliseconds" {
  description = "How long API Gateway waits for the function (at most 30000); keep the function's timeout below it."
  type        = number
  default     = 29000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 30000
    error_message = "HTTP API integration timeouts are 50 to 30000 ms."
  }
}

variable "authorization_type" {
  description = "Who may call the snapshot route: AWS_IAM (SigV4-signed requests from principals allowed execute-api:Invoke) or JWT (tokens from jwt_issuer for jwt_audience). HTTP APIs have no API keys."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "JWT"], var.authorization_type)
    error_message = "authorization_type must be AWS_IAM or JWT."
  }

  validation {
    condition     = var.authorization_type != "JWT" || (var.jwt_issuer != null && length(var.jwt_audience) > 0)
    error_message = "JWT authorization needs jwt_issuer and at least one jwt_audience."
  }
}

variable "jwt_issuer" {
  description = "Issuer URL of the tokens accepted when authorization_type is JWT (e.g. a Cognito user pool's)."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_issuer == null || can(regex("^https://", var.jwt_issuer))
    error_message = "jwt_issuer is an https:// URL."
  }
}

variable "jwt_audience" {
  description = "Audiences (client ids) accepted when authorization_type is JWT."
  type        = list(string)
  default     = []
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second for the stage."
  type        = number
  default     = 50
}

variable "throttle_burst_limit" {
  description = "Burst of requests allowed above the rate."
  type        = number
  default     = 100
}

variable "kms_key_arn" {
  description = "Key encrypting the access log group."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the access logs are kept."
  type        = number
  default     = 14
}

variable "cors_allowed_origins" {
  description = "Origins browsers may call from (empty: no CORS configuration)."
  type        = list(string)
  default     = []
}
