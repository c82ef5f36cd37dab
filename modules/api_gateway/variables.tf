variable "name" {
  description = "Name of the REST API (e.g. s3-latest-dev)."
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
  description = "How long API Gateway waits for the function (at most 29000); keep the function's timeout below it."
  type        = number
  default     = 29000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 29000
    error_message = "REST API integration timeouts are 50 to 29000 ms."
  }
}

variable "endpoint_type" {
  description = "REGIONAL, or PRIVATE (reachable only through vpc_endpoint_ids)."
  type        = string
  default     = "REGIONAL"

  validation {
    condition     = contains(["REGIONAL", "PRIVATE"], var.endpoint_type)
    error_message = "endpoint_type must be REGIONAL or PRIVATE."
  }
}

variable "vpc_endpoint_ids" {
  description = "execute-api VPC endpoints allowed to call a PRIVATE API (at least one with PRIVATE)."
  type        = list(string)
  default     = []

  # A PRIVATE API with no endpoint would deploy and be unreachable.
  validation {
    condition     = var.endpoint_type != "PRIVATE" || length(var.vpc_endpoint_ids) > 0
    error_message = "A PRIVATE API needs at least one execute-api VPC endpoint id in vpc_endpoint_ids."
  }
}

variable "cors_enabled" {
  description = "Add OPTIONS to the snapshot route, without key or signature, for browsers' CORS preflights (retrieve answers them for CORS_ALLOWED_ORIGINS)."
  type        = bool
  default     = false
}

variable "iam_authorization" {
  description = "Authorize the snapshot route with IAM (SigV4-signed callers allowed execute-api:Invoke); /health stays open for Route 53."
  type        = bool
  default     = false
}

variable "token_authorizer" {
  description = "A Lambda TOKEN authorizer for the snapshot route: the function's name and invoke ARN, and how long API Gateway keeps its answer for one token (null: none)."
  type = object({
    function_name = string
    invoke_arn    = string
    cache_seconds = number
  })
  default = null

  validation {
    condition     = var.token_authorizer == null || try(var.token_authorizer.cache_seconds >= 0 && var.token_authorizer.cache_seconds <= 3600, false)
    error_message = "token_authorizer.cache_seconds is from 0 to 3600 (API Gateway's range)."
  }
}

variable "api_key_required" {
  description = "Require an API key (x-api-key) and attach a usage plan."
  type        = bool
  default     = true
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second, per stage and per API key."
  type        = number
  default     = 50
}

variable "throttle_burst_limit" {
  description = "Burst of requests allowed above the rate."
  type        = number
  default     = 100
}

variable "quota_per_day" {
  description = "Requests per day allowed to the API key (null: the default)."
  type        = number
  default     = 100000
  nullable    = false
}

variable "waf_enabled" {
  description = "Associate waf_acl_arn with the stage. A plan-time switch: the ACL's ARN is unknown until it exists."
  type        = bool
  default     = false
}

variable "account_logging_role_ready" {
  description = "Whether the account's API Gateway CloudWatch role is set in this region (modules/api_gateway_logging's marker); stage logging cannot be enabled without it, so the plan stops early when false."
  type        = bool
  default     = true
}

variable "waf_acl_arn" {
  description = "WAFv2 web ACL to associate with the stage (null: none)."
  type        = string
  default     = null
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

variable "api_key_value" {
  description = "The API key's value (null: API Gateway generates one). Two regions behind one failover name share one value."
  type        = string
  default     = null
  sensitive   = true
}
