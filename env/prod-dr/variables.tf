variable "environment" {
  description = "Environment name: the regions' deployments are s3-latest-<environment>-primary and -standby."
  type        = string
  default     = "prod-dr"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment is 2-16 lowercase letters, digits and '-', starting with a letter."
  }
}

variable "region" {
  description = "The primary region: ingest runs here, and the state bucket (env/bootstrap) is here."
  type        = string
}

variable "standby_region" {
  description = "The standby region: a replica of every snapshot, retrieve and its API."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the function zips: x86_64 or arm64."
  type        = string
  default     = "x86_64"
}

variable "ingest_zip_path" {
  description = "ingest's bootstrap.zip."
  type        = string
  default     = "../../target/lambda/ingest/bootstrap.zip"
}

variable "retrieve_zip_path" {
  description = "retrieve's bootstrap.zip (deployed in both regions)."
  type        = string
  default     = "../../target/lambda/retrieve/bootstrap.zip"
}

variable "schedule_period_minutes" {
  description = "Minutes between scheduled snapshots in the primary."
  type        = number
  default     = 5
}

variable "object_prefix" {
  description = "Key prefix of the snapshots; only it replicates."
  type        = string
  default     = "snapshots/"
}

variable "source_url" {
  description = "http(s) URL ingest snapshots (SOURCE_URL); empty generates a JSON document."
  type        = string
  default     = ""
}

variable "encryption_format" {
  description = "S3 Encryption Client format ingest writes: v3 or v2."
  type        = string
  default     = "v3"
}

variable "force_destroy" {
  description = "Let terraform destroy empty and delete both snapshot buckets."
  type        = bool
}

variable "log_retention_in_days" {
  description = "Days the function and API logs are kept, in both regions."
  type        = number
}

variable "kms_deletion_window_in_days" {
  description = "Days between scheduling the keys' deletion and their destruction."
  type        = number
  default     = 30
}

variable "waf_enabled" {
  description = "A WAF web ACL in front of both regions' APIs."
  type        = bool
  default     = false
}

variable "throttle_rate_limit" {
  description = "API requests per second, steady state, per region."
  type        = number
  default     = 50
}

variable "throttle_burst_limit" {
  description = "API request burst, per region."
  type        = number
  default     = 100
}

variable "alarm_emails" {
  description = "Addresses that receive both regions' alarm notifications."
  type        = list(string)
  default     = []
}

variable "replication_latency_threshold_minutes" {
  description = "Alarm when a snapshot takes longer than this to reach the standby."
  type        = number
  default     = 15
}

variable "health_check_interval_seconds" {
  description = "Route 53 health check interval: 30 or 10 seconds."
  type        = number
  default     = 30
}

variable "health_check_failure_threshold" {
  description = "Consecutive failed checks before Route 53 fails a region over."
  type        = number
  default     = 3
}

variable "domain_name" {
  description = "The API's custom domain (e.g. snapshots.example.com), answered by whichever region is healthy. null: no domain; both regions' URLs are printed."
  type        = string
  default     = null
}

variable "hosted_zone_id" {
  description = "The Route 53 public hosted zone holding domain_name."
  type        = string
  default     = null

  validation {
    condition     = (var.hosted_zone_id == null) == (var.domain_name == null)
    error_message = "Give domain_name and hosted_zone_id together, or neither."
  }
}

variable "tags" {
  description = "Tags on every resource (the provider's default_tags), besides project and environment: for accounts whose SCPs or cost reports require some."
  type        = map(string)
  default     = {}
}

variable "jwt_issuer" {
  description = "The issuer of the bearer tokens both regions accept: exactly its tokens' iss claim (an https URL for an OpenID Connect provider)."
  type        = string
}

variable "jwt_audiences" {
  description = "The aud values (client or API identifiers) a token must carry one of."
  type        = list(string)
}

variable "jwt_jwks" {
  description = "The issuer's public signing keys as a JWK Set, JSON, as its jwks_uri serves it (public keys only). Re-apply when the issuer publishes a new key, before it signs with it (docs/authorization.md)."
  type        = string
}

variable "jwt_cache_seconds" {
  description = "How long API Gateway keeps the authorizer's verdict on one token (0 to 3600): a token is honoured up to this long after it expires."
  type        = number
  default     = 300
}

variable "authorizer_zip_path" {
  description = "The token authorizer's bootstrap.zip (deployed in both regions)."
  type        = string
  default     = "../../target/lambda/authorizer/bootstrap.zip"
}

variable "key_administrators" {
  description = "IAM role or user ARNs that administer the KMS key(s): a stable list, such as a CI role and a break-glass role, that includes whoever applies (a plan by anyone else stops). None of them may decrypt. Set it in terraform.tfvars or TF_VAR_key_administrators."
  type        = list(string)
}

variable "snapshot_writers" {
  description = "Principal ARNs (IAM roles or users) that may write snapshots under the prefix besides ingest, such as a restore role. The bucket policy denies every other writer, whatever its identity policy grants."
  type        = list(string)
  default     = []
}

variable "role_path" {
  description = "Path of every IAM role this creates."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary for every IAM role this creates (null: none)."
  type        = string
  default     = null
}

variable "retiring" {
  description = "Set by scripts/retire.sh only (TF_VAR_retiring): writers stopped, every object write denied, while the data is deleted."
  type        = bool
  default     = false
}

variable "ingest_paused" {
  description = "No snapshot is taken (schedule and event rule disabled, ingest's concurrency 0); retrieve keeps serving. false resumes (docs/operations.md)."
  type        = bool
  default     = false
}
