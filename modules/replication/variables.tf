variable "name" {
  description = "Deployment name; the role is <name>-replication and the alarms <name>-replication-*."
  type        = string
}

variable "account_id" {
  description = "The account S3 replicates for (the role's trust is limited to it)."
  type        = string
}

variable "object_prefix" {
  description = "The snapshot prefix: only keys under it replicate."
  type        = string
}

variable "source_region" {
  description = "Region of the primary bucket."
  type        = string
}

variable "source_bucket_name" {
  description = "The primary snapshot bucket (versioned)."
  type        = string
}

variable "source_bucket_arn" {
  description = "ARN of the primary snapshot bucket."
  type        = string
}

variable "source_kms_key_arn" {
  description = "The primary multi-region key: S3 decrypts source objects with it for replication."
  type        = string
}

variable "destination_region" {
  description = "Region of the standby bucket."
  type        = string
}

variable "destination_bucket_arn" {
  description = "ARN of the standby snapshot bucket (versioned)."
  type        = string
}

variable "destination_kms_key_arn" {
  description = "The standby's replica key: replicas are stored under it."
  type        = string
}

variable "latency_threshold_minutes" {
  description = "Alarm when replication takes longer than this (Replication Time Control's own threshold is 15 minutes)."
  type        = number
  default     = 15
}

variable "alarm_actions" {
  description = "Where the replication alarms notify (the primary's alarm topic)."
  type        = list(string)
  default     = []
}

variable "alarm_name_prefix" {
  description = "Prefix of the alarms' names (null: name). The topic in alarm_actions is encrypted, and its key lets CloudWatch use it only for alarms named after its own deployment: pass that deployment's name."
  type        = string
  default     = null
}

variable "role_path" {
  description = "Path of the replication role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for the replication role (null: none)."
  type        = string
  default     = null
}
