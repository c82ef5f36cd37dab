variable "name" {
  description = "Deployment name (e.g. s3-latest-dev): the alias is alias/<name>, the bus <name> and the alarms <name>-*."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9/_-]{1,200}$", var.name))
    error_message = "name may hold letters, digits, '/', '_' and '-' only."
  }
}

variable "bucket_name" {
  description = "The snapshot bucket; the functions may use the key only for this bucket's objects."
  type        = string
}

variable "store_id" {
  description = "The snapshot store identity in every object's encryption context (STORE_ID; the bucket name unless replicas share it); the functions may use the key only for this store."
  type        = string
}

variable "ingest_role_arn" {
  description = "Role of the ingest function: may generate data keys. null where ingest does not run (a standby region)."
  type        = string
  default     = null
}

variable "ingest_enabled" {
  description = "Whether ingest runs here: it then gets a tag key (HMAC) of its own. Known at plan time, unlike the role's ARN."
  type        = bool
  default     = true
}

variable "retrieve_role_arn" {
  description = "Role of the retrieve function: may decrypt data keys."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days between scheduling deletion and the key's destruction."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "KMS accepts a deletion window of 7 to 30 days."
  }
}

variable "rotation_period_in_days" {
  description = "Days between automatic rotations of the key material."
  type        = number
  default     = 365

  validation {
    condition     = var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560
    error_message = "KMS accepts a rotation period of 90 to 2560 days."
  }
}

variable "multi_region" {
  description = "Create a multi-region key, so a standby region can hold a replica (ignored with primary_key)."
  type        = bool
  default     = false
}

variable "primary_key" {
  description = "A multi-region key in another region, as { arn = ... } (an object, so that whether it is set is known before the key exists): this module then creates its replica here instead of a new key."
  type = object({
    arn = string
  })
  default = null
}

variable "replication" {
  description = "The S3 replication role and the key actions it needs here, through S3 and for this bucket only: [\"kms:Decrypt\"] in the source region, [\"kms:Encrypt\", \"kms:GenerateDataKey\"] in the destination. null: no replication."
  type = object({
    role_arn = string
    actions  = list(string)
  })
  default = null
}

variable "key_administrators" {
  description = "IAM role or user ARNs that administer the keys (policy, rotation, deletion, replication): a stable list, such as a CI role and a break-glass role, that includes whoever applies. None of them may decrypt."
  type        = list(string)

  validation {
    condition     = length(var.key_administrators) > 0 && alltrue([for arn in var.key_administrators : can(regex("^arn:[^:]+:iam::[0-9]{12}:(role|user)/", arn))])
    error_message = "key_administrators is a non-empty list of IAM role or user ARNs (arn:<partition>:iam::<account>:role/<name>), not assumed-role session ARNs."
  }
}

variable "log_group_names" {
  description = "Every CloudWatch Logs group this key encrypts, by exact name: CloudWatch Logs may use the key for these groups only."
  type        = list(string)
}

variable "prevent_destroy" {
  description = "Refuse any plan that destroys the key (kept data: prod). false only where the data is disposable."
  type        = bool
  default     = true
}

variable "snapshot_writers" {
  description = "Principal ARNs besides ingest that may write snapshots (restores, scripts/restore.sh): S3 may use the key on their behalf for this bucket's server-side encryption, which never yields a snapshot's plaintext."
  type        = list(string)
  default     = []
}
