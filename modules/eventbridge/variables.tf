variable "name" {
  description = "Deployment name (e.g. s3-latest-dev): the bus, schedule, rule and queue are named from it."
  type        = string
}

variable "ingest_function_name" {
  description = "Name of the ingest function."
  type        = string
}

variable "ingest_function_arn" {
  description = "ARN of the ingest function."
  type        = string
}

variable "schedule_expression" {
  description = "How often ingest runs: rate(...) or cron(...)."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate\\(\\d+ (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.schedule_expression))
    error_message = "schedule_expression must be rate(N minutes|hours|days) or cron(...)."
  }
}

variable "enabled" {
  description = "Whether the schedule fires and an \"Ingest Requested\" event takes a snapshot (false while an environment is retired)."
  type        = bool
  default     = true
}

variable "retry_attempts" {
  description = "Retries of an undeliverable schedule or event before it goes to the dead-letter queue."
  type        = number
  default     = 3

  validation {
    condition     = var.retry_attempts >= 0 && var.retry_attempts <= 185
    error_message = "EventBridge accepts 0 to 185 retries."
  }
}

variable "max_event_age_seconds" {
  description = "Oldest run still delivered; older ones go to the dead-letter queue."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_event_age_seconds >= 60 && var.max_event_age_seconds <= 86400
    error_message = "EventBridge accepts an event age of 60 to 86400 seconds."
  }
}

variable "kms_key_arn" {
  description = "Key encrypting events on the bus."
  type        = string
}

variable "role_path" {
  description = "Path of the scheduler's role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the scheduler's role (null: none)."
  type        = string
  default     = null
}
