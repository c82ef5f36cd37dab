variable "name" {
  description = "Name of this region's deployment (s3-latest-<environment>[-<role>]): every resource is named from it, and the bucket is <name>-<account>-<region>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,33}$", var.name))
    error_message = "name is 3-34 lowercase letters, digits and '-', starting with a letter (the bucket name adds the account and region)."
  }
}

variable "stage_name" {
  description = "The API stage (the environment's name)."
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

variable "authorizer_zip_path" {
  description = "The token authorizer's bootstrap.zip (rest_api_authorization = \"JWT\" only); the default is where `cargo lambda build --release --output-format zip` writes it."
  type        = string
  default     = "../../target/lambda/authorizer/bootstrap.zip"
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

variable "source_redirect_hosts" {
  description = "Hosts of other origins a SOURCE_URL redirect may lead to (SOURCE_REDIRECT_HOSTS); redirects within the source's origin are always followed, and none to an internal address ever is."
  type        = list(string)
  default     = []
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

variable "pointer_audit_seconds" {
  description = "The longest a warm retrieve trusts its last listing while the pointer is unchanged (POINTER_AUDIT_SECONDS): the bound on serving a snapshot written without moving the pointer, or a deletion. One LIST per warm instance per period."
  type        = number
  default     = 60

  validation {
    condition     = var.pointer_audit_seconds >= 1 && var.pointer_audit_seconds <= 3600 && floor(var.pointer_audit_seconds) == var.pointer_audit_seconds
    error_message = "pointer_audit_seconds must be a whole number of seconds from 1 to 3600."
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

  # The function refuses to start otherwise: answers from memory would
  # outlast the audit's bound.
  validation {
    condition     = var.max_staleness_ms <= var.pointer_audit_seconds * 1000
    error_message = "max_staleness_ms must be at most pointer_audit_seconds * 1000."
  }
}

variable "force_destroy" {
  description = "true: the data is disposable, and terraform destroy empties and deletes the bucket and schedules the key's deletion (dev). false: the data is kept, and any plan that would destroy the bucket or its key is refused before anything changes (prod)."
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
  description = "The API in front of retrieve: rest (API Gateway REST: API key and usage plan, WAF, private endpoints; $3.50 per million) or http (HTTP API with IAM or JWT authorization; $1.00 per million). See docs/deploy.md."
  type        = string
  default     = "rest"

  validation {
    condition     = contains(["rest", "http"], var.api_type)
    error_message = "api_type must be rest or http."
  }

  validation {
    condition     = var.api_type == "rest" || (!var.waf_enabled && var.endpoint_type == "REGIONAL")
    error_message = "An HTTP API takes no WAF web ACL and has no private endpoint: use api_type = \"rest\" with waf_enabled or endpoint_type = \"PRIVATE\"."
  }
}

variable "rest_api_authorization" {
  description = "With api_type = rest: API_KEY (x-api-key with a usage plan and its quota), AWS_IAM (SigV4-signed callers allowed execute-api:Invoke, rest_invoke_policy_json) or JWT (a bearer token from rest_api_jwt's issuer, verified by a Lambda authorizer with the issuer's public keys; works the same in every region). An API key identifies a client, it does not authorize one: prod uses AWS_IAM, prod-dr JWT. See docs/authorization.md."
  type        = string
  default     = "API_KEY"

  validation {
    condition     = contains(["API_KEY", "AWS_IAM", "JWT"], var.rest_api_authorization)
    error_message = "rest_api_authorization is API_KEY, AWS_IAM or JWT."
  }
}

variable "rest_api_jwt" {
  description = "With rest_api_authorization = \"JWT\": the tokens' issuer (the iss claim), the accepted audiences (aud), the issuer's public keys as a JWK Set (JSON, what its jwks_uri serves; public keys only), and how long API Gateway keeps one token's verdict (seconds, 0 to 3600)."
  type = object({
    issuer        = string
    audiences     = list(string)
    jwks          = string
    cache_seconds = optional(number, 300)
  })
  default = null

  validation {
    condition     = (var.rest_api_jwt != null) == (var.api_type == "rest" && var.rest_api_authorization == "JWT")
    error_message = "rest_api_jwt is set exactly when api_type = \"rest\" and rest_api_authorization = \"JWT\"."
  }

  validation {
    condition = var.rest_api_jwt == null || try(
      length(var.rest_api_jwt.audiences) > 0 && length(jsondecode(var.rest_api_jwt.jwks).keys) > 0,
      false,
    )
    error_message = "rest_api_jwt needs at least one audience, and jwks must be a JWK Set ({\"keys\": [...]}) with at least one key."
  }

  validation {
    condition     = var.rest_api_jwt == null || try(alltrue([for k in jsondecode(var.rest_api_jwt.jwks).keys : !contains(keys(k), "d") && !contains(keys(k), "k")]), false)
    error_message = "rest_api_jwt.jwks holds a private or secret key (a \"d\" or \"k\" member): give the issuer's public keys only, as its jwks_uri serves them."
  }
}

variable "http_api_authorization" {
  description = "With api_type = http: AWS_IAM (SigV4-signed callers allowed execute-api:Invoke) or JWT (http_api_jwt_issuer, http_api_jwt_audience)."
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
  description = "Also serve snapshots over API Gateway's 6 MB through a Lambda function URL that streams (RESPONSE_STREAM, IAM-signed requests only), from a second retrieve function in RESPONSE_MODE=stream. See docs/large-snapshots.md."
  type        = bool
  default     = false
}

variable "stream_max_bytes" {
  description = "With stream_url_enabled: the largest snapshot the function URL serves (RESPONSE_MAX_BYTES); its function's memory and timeout are sized from it."
  type        = number
  default     = 200000000

  validation {
    condition     = var.stream_max_bytes >= 1 && var.stream_max_bytes <= 200000000 && floor(var.stream_max_bytes) == var.stream_max_bytes
    error_message = "stream_max_bytes must be a whole number of bytes, at most 200000000 (Lambda's streamed response limit)."
  }
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
  description = "Requests per day allowed to the API key, with api_type = rest and API_KEY authorization only (null: 100000). A quota applies to an API key's usage plan: without a key it would limit nothing."
  type        = number
  default     = null

  validation {
    condition     = var.quota_per_day == null || (var.api_type == "rest" && var.rest_api_authorization == "API_KEY")
    error_message = "quota_per_day limits an API key's usage plan, and this deployment has no API key (it needs api_type = \"rest\" and rest_api_authorization = \"API_KEY\"): remove quota_per_day, and cap requests with throttle_rate_limit and throttle_burst_limit."
  }
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

variable "ingest_enabled" {
  description = "Run ingest (its function, schedule, bus, dead-letter queue, role and alarms) here. false in a standby region, which receives snapshots by replication."
  type        = bool
  default     = true
}

variable "kms_multi_region" {
  description = "Make the key multi-region, so a standby region can hold its replica."
  type        = bool
  default     = false
}

variable "kms_primary_key" {
  description = "The primary multi-region key in another region, as { arn = ... }: this region then uses a replica of it (same key material, its own policy)."
  type = object({
    arn = string
  })
  default = null
}

variable "kms_replication" {
  description = "The S3 replication role and the actions it may take with this region's key, through S3 and for this bucket only (see modules/kms)."
  type = object({
    role_arn = string
    actions  = list(string)
  })
  default = null
}

variable "newest_object_max_age_minutes" {
  description = "Alarm when the newest snapshot retrieve's health checks see is older than this (null: no alarm; the metric needs something calling /health, such as Route 53)."
  type        = number
  default     = null
}

variable "key_administrators" {
  description = "IAM role or user ARNs that administer the KMS keys: a stable list, such as a CI role and a break-glass role, that includes whoever applies (a plan by anyone else stops). None of them may decrypt."
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

variable "api_key_value" {
  description = "The REST API's key value (null: API Gateway generates one). env/prod-dr gives the standby the primary's, so a failover keeps every client's key working."
  type        = string
  default     = null
  sensitive   = true
}

variable "api_gateway_logging_parameter" {
  description = "The SSM parameter the bootstrap leaves in each region it set API Gateway's logging role in (modules/api_gateway_logging); a REST API plan stops without it."
  type        = string
  default     = "/s3-latest/api-gateway/cloudwatch-role-arn"
}

variable "cors_allowed_origins" {
  description = "Origins browsers may call the API from (CORS_ALLOWED_ORIGINS), e.g. [\"https://app.example.com\"]; empty turns CORS off."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : o == "*" || can(regex("^https?://[^/]+$", o))])
    error_message = "cors_allowed_origins holds origins such as https://app.example.com, or \"*\"."
  }
}

variable "retiring" {
  description = "Set by scripts/retire.sh only: ingest's schedule and event rule are disabled, its concurrency is 0, and the bucket policy denies every object write, so the bucket can be emptied and deleted while every protection stays on."
  type        = bool
  default     = false
}

variable "ingest_paused" {
  description = "No snapshot is taken: ingest's schedule and event rule are disabled and its concurrency is 0. retrieve keeps serving the newest snapshot there is. false resumes."
  type        = bool
  default     = false
}
