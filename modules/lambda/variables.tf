variable "function_name" {
  description = "Name of the function; its log group is /aws/lambda/<function_name>."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "Lambda function names are 1-64 letters, digits, '_' and '-'."
  }
}

variable "description" {
  description = "What the function does."
  type        = string
  default     = ""
}

variable "role_arn" {
  description = "Execution role (from the iam module)."
  type        = string
}

variable "zip_path" {
  description = "Path of the bootstrap.zip built by `cargo lambda build --release --output-format zip`; a rebuilt zip redeploys."
  type        = string

  validation {
    condition     = endswith(var.zip_path, ".zip")
    error_message = "zip_path must point at a .zip file."
  }
}

variable "architecture" {
  description = "Instruction set the zip was built for: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "Lambda memory is 128 to 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds. Behind API Gateway keep it under the 29 s integration timeout."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "Lambda timeouts are 1 to 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function; null reserves none. Reserving needs an account quota above 100 + the sum of reservations, which new accounts often lack."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 1, false)
    error_message = "Reserve at least 1 (0 would disable the function), or null for none."
  }
}

variable "paused" {
  description = "No invocation runs (reserved concurrency 0): a retiring environment's ingest (scripts/retire.sh)."
  type        = bool
  default     = false
}

variable "environment" {
  description = "Environment variables: the configuration the function reads (see docs/configuration.md)."
  type        = map(string)
}

variable "kms_key_arn" {
  description = "Key encrypting the environment variables and the log group."
  type        = string
}

variable "log_retention_in_days" {
  description = "Days the function's logs are kept."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "CloudWatch Logs accepts only its listed retention periods (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "log_level" {
  description = "Application log level (AWS_LAMBDA_LOG_LEVEL): TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "dead_letter_queue_enabled" {
  description = "Send asynchronous invocations that fail after retries to dead_letter_queue_arn. A plan-time switch: the queue's ARN is unknown until it exists."
  type        = bool
  default     = false
}

variable "dead_letter_queue_arn" {
  description = "SQS queue for failed asynchronous invocations (used when dead_letter_queue_enabled)."
  type        = string
  default     = null
}

variable "async_retry_attempts" {
  description = "Retries of a failed asynchronous invocation."
  type        = number
  default     = 2

  validation {
    condition     = var.async_retry_attempts >= 0 && var.async_retry_attempts <= 2
    error_message = "Lambda retries an asynchronous invocation 0 to 2 times."
  }
}

variable "async_max_event_age_seconds" {
  description = "Oldest asynchronous event Lambda still delivers."
  type        = number
  default     = 3600

  validation {
    condition     = var.async_max_event_age_seconds >= 60 && var.async_max_event_age_seconds <= 21600
    error_message = "Lambda accepts an event age of 60 to 21600 seconds."
  }
}

variable "code_signing_config_arn" {
  description = "Optional AWS Signer code-signing configuration."
  type        = string
  default     = null
}
