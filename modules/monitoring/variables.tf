variable "name" {
  description = "Deployment name (e.g. s3-latest-dev)."
  type        = string
}

variable "region" {
  description = "Region of the dashboard's metrics."
  type        = string
}

variable "ingest_enabled" {
  description = "Whether ingest runs in this region; without it (a standby) there are no ingest, dead-letter or staleness-of-ingest alarms."
  type        = bool
  default     = true
}

variable "ingest_function_name" {
  description = "Name of the ingest function (null without ingest)."
  type        = string
  default     = null
}

variable "retrieve_function_name" {
  description = "Name of the retrieve function."
  type        = string
}

variable "retrieve_stream_function_name" {
  description = "Name of the streaming retrieve function, alarmed like the others (null: none)."
  type        = string
  default     = null
}

variable "api_type" {
  description = "rest (metrics by ApiName) or http (metrics by ApiId)."
  type        = string
  default     = "rest"

  validation {
    condition     = contains(["rest", "http"], var.api_type)
    error_message = "api_type must be rest or http."
  }
}

variable "api_name" {
  description = "Name of the API (the REST API's metric dimension)."
  type        = string
}

variable "api_id" {
  description = "Id of the API (the HTTP API's metric dimension)."
  type        = string
  default     = null
}

variable "api_stage" {
  description = "Stage of the API."
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Name of the ingest dead-letter queue (null without ingest)."
  type        = string
  default     = null
}

variable "schedule_period_minutes" {
  description = "Minutes between scheduled ingests; the staleness alarm fires after two periods without a success."
  type        = number

  validation {
    condition     = var.schedule_period_minutes >= 1 && var.schedule_period_minutes <= 720
    error_message = "schedule_period_minutes must be 1 to 720 (two periods must fit in a day)."
  }
}

variable "retrieve_p99_threshold_ms" {
  description = "p99 duration of retrieve above which the alarm fires."
  type        = number
  default     = 500
}

variable "api_5xx_rate_threshold" {
  description = "Share of 5XX responses (0 to 1) above which the alarm fires."
  type        = number
  default     = 0.01

  validation {
    condition     = var.api_5xx_rate_threshold > 0 && var.api_5xx_rate_threshold < 1
    error_message = "A rate is between 0 and 1."
  }
}

variable "api_4xx_rate_threshold" {
  description = "Share of 4XX responses (0 to 1) above which the alarm fires."
  type        = number
  default     = 0.2

  validation {
    condition     = var.api_4xx_rate_threshold > 0 && var.api_4xx_rate_threshold < 1
    error_message = "A rate is between 0 and 1."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "Key encrypting the alarm topic."
  type        = string
}

variable "bucket_name" {
  description = "The snapshot bucket: the dimension of retrieve's NewestObjectAgeSeconds and PointerRefused metrics."
  type        = string
}

variable "newest_object_max_age_minutes" {
  description = "Alarm when the newest snapshot, as retrieve's health checks report it, is older than this (null: no alarm; it needs Route 53 health checks calling /health)."
  type        = number
  default     = null
}
