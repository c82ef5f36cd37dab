variable "environment" {
  description = "Environment name; every resource is named s3-latest-<environment>, so environments never collide in one account."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment is 2-16 lowercase letters, digits and '-', starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the function zips: x86_64 (default) or arm64 (build with --arm64)."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "ingest_zip_path" {
  description = "ingest's bootstrap.zip; the default is where `cargo lambda build --release --output-format zip` writes it."
  type        = string
  default     = "../../target/lambda/ingest/bootstrap.zip"
}

variable "retrieve_zip_path" {
  description = "retrieve's bootstrap.zip; the default is where `cargo lambda build --release --output-format zip` writes it."
  type        = string
  default     = "../../target/lambda/retrieve/bootstrap.zip"
}

variable "schedule_period_minutes" {
  description = "Minutes between scheduled snapshots."
  type        = number
  default     = 5

  validation {
    condition     = var.schedule_period_minutes >= 1 && var.schedule_period_minutes <= 720
    error_message = "schedule_period_minutes must be 1 to 720."
  }
}

variable "object_prefix" {
  description = "Key prefix of the snapshots (OBJECT_PREFIX)."
  type        = string
  default     = "snapshots/"

  validation {
    condition     = var.object_prefix == "" || (endswith(var.object_prefix, "/") && !startswith(var.object_prefix, "/"))
    error_message = "object_prefix must be empty or end with '/' (and not start with '/')."
  }
}

variable "source_url" {
  description = "http(s) URL ingest snapshots (SOURCE_URL); empty generates a JSON document."
  type        = string
  default     = ""

  validation {
    condition     = var.source_url == "" || can(regex("^https?://", var.source_url))
    error_message = "source_url must be empty or an http:// or https:// URL."
  }
}

variable "lookup_strategy" {
  description = "How retrieve finds the newest object (LOOKUP_STRATEGY): pointer (falls back to index), index or scan."
  type        = string
  default     = "pointer"

  validation {
    condition     = contains(["pointer", "index", "scan"], var.lookup_strategy)
    error_message = "lookup_strategy must be pointer, index or scan."
  }
}

variable "max_staleness_ms" {
  description = "How long a warm retrieve may answer from memory without asking S3 whether the newest object changed (MAX_STALENESS_MS); 0 asks on every request."
  type        = number
  default     = 0

  validation {
    condition     = var.max_staleness_ms >= 0 && floor(var.max_staleness_ms) == var.max_staleness_ms
    error_message = "max_staleness_ms must be a whole number of milliseconds, 0 or more."
  }
}

variable "force_destroy" {
  description = "true: the data is disposable, and terraform destroy empties the bucket and schedules the key's deletion. false: any plan that would destroy the bucket or its key is refused before anything changes."
  type        = bool
}

variable "log_retention_in_days" {
  description = "Days the function and API logs are kept."
  type        = number
}

variable "kms_deletion_window_in_days" {
  description = "Days between scheduling the key's deletion and its destruction."
  type        = number
  default     = 30
}

variable "access_log_bucket" {
  description = "Bucket for S3 server access logs of the snapshot bucket (null: none)."
  type        = string
  default     = null
}

variable "api_type" {
  description = "The API in front of retrieve: rest (API key, usage plan, WAF, private endpoints) or http (HTTP API, IAM or JWT authorization, 3.5 times cheaper per request)."
  type        = string
  default     = "rest"
}

variable "rest_api_authorization" {
  description = "With api_type = rest: API_KEY or AWS_IAM (prod's choice: an API key identifies, it does not authorize)."
  type        = string
  default     = "API_KEY"
}

variable "http_api_authorization" {
  description = "With api_type = http: AWS_IAM or JWT."
  type        = string
  default     = "AWS_IAM"
}

variable "http_api_jwt_issuer" {
  description = "With api_type = http and JWT authorization: the token issuer's https URL."
  type        = string
  default     = null
}

variable "http_api_jwt_audience" {
  description = "With api_type = http and JWT authorization: accepted audiences (client ids)."
  type        = list(string)
  default     = []
}

variable "stream_url_enabled" {
  description = "Also serve snapshots over 6 MB through a streaming Lambda function URL (IAM-signed), from a second retrieve function."
  type        = bool
  default     = false
}

variable "stream_max_bytes" {
  description = "With stream_url_enabled: the largest snapshot the function URL serves (at most 200000000)."
  type        = number
  default     = 200000000
}

variable "waf_enabled" {
  description = "Put a WAF web ACL (rate limit per IP and AWS managed rules) in front of the API."
  type        = bool
  default     = false
}

variable "endpoint_type" {
  description = "API endpoint type: REGIONAL or PRIVATE."
  type        = string
  default     = "REGIONAL"
}

variable "vpc_endpoint_ids" {
  description = "execute-api VPC endpoints for a PRIVATE API."
  type        = list(string)
  default     = []
}

variable "throttle_rate_limit" {
  description = "API requests per second, steady state."
  type        = number
  default     = 50
}

variable "throttle_burst_limit" {
  description = "API request burst."
  type        = number
  default     = 100
}

variable "quota_per_day" {
  description = "Requests per day allowed to the API key, with an API key only (null: 100000)."
  type        = number
  default     = null
}

variable "retrieve_reserved_concurrency" {
  description = "Concurrency reserved for retrieve (null: none). Reserve to guarantee capacity and cap cost; it needs an account concurrency quota above 100 plus all reservations, which new accounts often lack."
  type        = number
  default     = null
}

variable "ingest_reserved_concurrency" {
  description = "Concurrency reserved for ingest (null: none). Ingest runs once per schedule period, so a reservation only caps a flood of manual requests."
  type        = number
  default     = null
}

variable "store_id" {
  description = "Store identity bound into every object's encryption context (STORE_ID). null: the bucket name. Replicas of one store share it."
  type        = string
  default     = null
}

variable "encryption_format" {
  description = "S3 Encryption Client format ingest writes (ENCRYPTION_FORMAT): v3 (key-committing, the official clients' default) or v2 (for readers that only know V2)."
  type        = string
  default     = "v3"

  validation {
    condition     = contains(["v2", "v3"], var.encryption_format)
    error_message = "encryption_format must be v2 or v3."
  }
}

variable "alarm_emails" {
  description = "Addresses that receive alarm notifications."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags on every resource (the provider's default_tags), besides project and environment: for accounts whose SCPs or cost reports require some."
  type        = map(string)
  default     = {}
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

variable "cors_allowed_origins" {
  description = "Origins browsers may call the API from; empty turns CORS off."
  type        = list(string)
  default     = []
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
