variable "name" {
  description = "Deployment name (e.g. s3-latest-dev); roles are <name>-ingest and <name>-retrieve."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the snapshot bucket."
  type        = string
}

variable "object_prefix" {
  description = "Prefix the snapshots live under (OBJECT_PREFIX); object permissions stop at it."
  type        = string

  validation {
    condition     = var.object_prefix == "" || endswith(var.object_prefix, "/")
    error_message = "object_prefix must be empty or end with '/'."
  }
}

variable "kms_key_arn" {
  description = "ARN of the key that wraps data keys."
  type        = string
}

variable "trigger_key_arn" {
  description = "ARN of the HMAC key ingest tags its triggers with; null where ingest does not run."
  type        = string
  default     = null
}

variable "ingest_enabled" {
  description = "Whether ingest runs in this region (false in a standby, which receives snapshots by replication): no ingest role otherwise."
  type        = bool
  default     = true
}

variable "event_bus_arn" {
  description = "ARN of the bus ingest publishes ObjectIngested to (null without ingest)."
  type        = string
  default     = null
}

variable "ingest_dead_letter_queue_arn" {
  description = "ARN of the queue receiving ingest's failed asynchronous invocations (null without ingest)."
  type        = string
  default     = null
}

variable "ingest_function_name" {
  description = "Name of the ingest function (its log group is /aws/lambda/<name>)."
  type        = string
}

variable "retrieve_function_name" {
  description = "Name of the retrieve function (its log group is /aws/lambda/<name>)."
  type        = string
}

variable "retrieve_stream_function_name" {
  description = "Name of the streaming retrieve function, which runs with retrieve's role (null: none)."
  type        = string
  default     = null
}

variable "authorizer_function_name" {
  description = "Name of the token authorizer function, with rest_api_authorization = \"JWT\" (null: none)."
  type        = string
  default     = null
}

variable "role_path" {
  description = "Path of the functions' roles (accounts whose SCPs or boundaries key on a path)."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.role_path))
    error_message = "role_path begins and ends with '/'."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary policy ARN for the functions' roles (null: none)."
  type        = string
  default     = null
}
