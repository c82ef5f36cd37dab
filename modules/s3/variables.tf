variable "bucket_name" {
  description = "Globally unique name of the snapshot bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "Bucket names are 3-63 characters of lowercase letters, digits, '.' and '-'."
  }
}

variable "kms_key_arn" {
  description = "KMS key for default encryption; uploads naming any other key are denied."
  type        = string

  validation {
    condition     = startswith(var.kms_key_arn, "arn:")
    error_message = "kms_key_arn must be a key ARN (the bucket policy compares ARNs)."
  }
}

variable "object_prefix" {
  description = "Prefix the snapshots live under (OBJECT_PREFIX)."
  type        = string
  default     = "snapshots/"
}

variable "force_destroy" {
  description = "Let terraform destroy delete a non-empty bucket. true in dev, false in prod."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent versions (only ever made by manual overwrites or deletes) expire."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "transition_to_infrequent_access_days" {
  description = "Move snapshots to STANDARD_IA after this many days (null: never). Transitions never delete."
  type        = number
  default     = null

  validation {
    condition     = var.transition_to_infrequent_access_days == null || try(var.transition_to_infrequent_access_days >= 30, false)
    error_message = "S3 requires at least 30 days before a transition to STANDARD_IA."
  }
}

variable "access_log_bucket" {
  description = "Bucket receiving server access logs (null: no access logging)."
  type        = string
  default     = null
}

variable "prevent_destroy" {
  description = "Refuse any plan that destroys the bucket (kept data: prod). force_destroy applies only without it."
  type        = bool
  default     = true
}

variable "ingest_role_arn" {
  description = "Role of the ingest function: with snapshot_writers, the only principal S3 lets write under the prefix, and the only one that may write the pointer and receipts. null where ingest does not run (a standby, written by replication alone)."
  type        = string
  default     = null
}

variable "snapshot_writers" {
  description = "Further principal ARNs (IAM roles or users; wildcards allowed, as ArnLike matches them) that may write snapshots under the prefix: a restore role, a writer using the official S3 Encryption Client. Never the pointer or receipts."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.snapshot_writers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", arn))])
    error_message = "snapshot_writers takes IAM role or user ARNs (arn:aws:iam::<account>:role/<name>): S3 compares them with aws:PrincipalArn, which for an assumed role is the role's ARN."
  }
}

variable "retiring" {
  description = "The environment is being retired (scripts/retire.sh): the bucket policy denies every object write, ingest's included."
  type        = bool
  default     = false
}
