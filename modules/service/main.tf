# The whole service in one region: storage and its key, the two functions
# with their roles, the schedule and bus that drive ingest, the API in front
# of retrieve, and the alarms that watch all of it. env/dev and env/prod are
# one of these; env/prod-dr is two, the standby without ingest.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# API Gateway logs with a role set per account and region; the bootstrap
# (modules/api_gateway_logging) marks each region it set up. Looked up by
# path, which answers an empty list rather than an error, so that a plan in
# a region never bootstrapped stops with a message that says what to do,
# instead of failing halfway through apply.
data "aws_ssm_parameters_by_path" "bootstrap" {
  path = dirname(var.api_gateway_logging_parameter)
}

locals {
  name   = var.name
  region = data.aws_region.current.name
  bucket = "${local.name}-${data.aws_caller_identity.current.account_id}-${local.region}"
  # The encryption context's store identity: the bucket, unless replicas share one.
  store_id = coalesce(var.store_id, local.bucket)

  # Function names are fixed up front so roles and the key policy can name
  # them before the functions exist.
  ingest_function_name   = "${local.name}-ingest"
  retrieve_function_name = "${local.name}-retrieve"
  # Only with stream_url_enabled.
  retrieve_stream_function_name = "${local.name}-retrieve-stream"
  # Only with rest_api_authorization = "JWT".
  authorizer_enabled       = var.api_type == "rest" && var.rest_api_authorization == "JWT"
  authorizer_function_name = "${local.name}-authorizer"

  # The largest snapshot ingest takes: what the streaming function URL can
  # serve when it is on (else the 200 MB path could never be used), 4 MiB
  # otherwise. ingest holds the body and its ciphertext at once.
  source_max_bytes   = var.stream_url_enabled ? var.stream_max_bytes : 4194304
  ingest_memory_size = max(128, ceil(local.source_max_bytes * 2.25 / 1048576) + 64)

  # Seconds. retrieve stays well under API Gateway's 29 s integration timeout.
  ingest_timeout   = 60
  retrieve_timeout = 10

  # retrieve as API Gateway invokes it (buffered, 6 MB), and with
  # stream_url_enabled a second function for the streaming function URL.
  # Lambda streams the first 6 MB at full speed and the rest at 2 MB/s, so
  # the stream function's timeout allows for that plus 20 s to fetch and
  # decrypt; its memory holds the snapshot once (decrypted in place) plus
  # the runtime and the SDK.
  retrieve_modes = merge(
    {
      buffered = {
        function_name = local.retrieve_function_name
        description   = "GET /retrieve_most_recent_object: the newest snapshot in ${local.bucket}"
        memory_size   = 128
        timeout       = local.retrieve_timeout
        max_bytes     = 6000000
      }
    },
    var.stream_url_enabled ? {
      stream = {
        function_name = local.retrieve_stream_function_name
        description   = "The newest snapshot in ${local.bucket}, streamed through a function URL"
        memory_size   = max(128, ceil(var.stream_max_bytes * 1.25 / 1048576) + 64)
        timeout       = min(900, ceil(max(0, var.stream_max_bytes - 6000000) / 2000000) + 20)
        max_bytes     = var.stream_max_bytes
      }
    } : {},
  )
}

# Every log group the key encrypts, by exact name.
locals {
  log_group_names = concat(
    [for mode in values(local.retrieve_modes) : "/aws/lambda/${mode.function_name}"],
    var.ingest_enabled ? ["/aws/lambda/${local.ingest_function_name}"] : [],
    local.authorizer_enabled ? ["/aws/lambda/${local.authorizer_function_name}"] : [],
    var.api_type == "rest" ? module.api_gateway[0].log_group_names : module.http_api[0].log_group_names,
  )
}

module "kms" {
  source                  = "../kms"
  name                    = local.name
  prevent_destroy         = !var.force_destroy
  key_administrators      = var.key_administrators
  log_group_names         = local.log_group_names
  bucket_name             = local.bucket
  store_id                = local.store_id
  ingest_enabled          = var.ingest_enabled
  ingest_role_arn         = module.iam.ingest_role_arn
  retrieve_role_arn       = module.iam.retrieve_role_arn
  snapshot_writers        = var.snapshot_writers
  deletion_window_in_days = var.kms_deletion_window_in_days
  multi_region            = var.kms_multi_region
  primary_key             = var.kms_primary_key
  replication             = var.kms_replication
}

module "s3" {
  source            = "../s3"
  bucket_name       = local.bucket
  kms_key_arn       = module.kms.key_arn
  object_prefix     = var.object_prefix
  prevent_destroy   = !var.force_destroy
  force_destroy     = var.force_destroy
  access_log_bucket = var.access_log_bucket
  ingest_role_arn   = module.iam.ingest_role_arn
  snapshot_writers  = var.snapshot_writers
  retiring          = var.retiring
}

module "iam" {
  source                        = "../iam"
  name                          = local.name
  bucket_arn                    = "arn:${data.aws_partition.current.partition}:s3:::${local.bucket}"
  object_prefix                 = var.object_prefix
  kms_key_arn                   = module.kms.key_arn
  trigger_key_arn               = module.kms.trigger_key_arn
  ingest_enabled                = var.ingest_enabled
  event_bus_arn                 = one(module.eventbridge[*].event_bus_arn)
  ingest_dead_letter_queue_arn  = one(module.eventbridge[*].dead_letter_queue_arn)
  ingest_function_name          = local.ingest_function_name
  retrieve_function_name        = local.retrieve_function_name
  retrieve_stream_function_name = var.stream_url_enabled ? local.retrieve_stream_function_name : null
  authorizer_function_name      = local.authorizer_enabled ? local.authorizer_function_name : null
  role_path                     = var.role_path
  permissions_boundary_arn      = var.permissions_boundary_arn
}

# Only where snapshots are made: a standby region receives them by replication.
module "ingest" {
  source                         = "../lambda"
  count                          = var.ingest_enabled ? 1 : 0
  function_name                  = local.ingest_function_name
  description                    = "Takes a snapshot, encrypts it and writes it to ${local.bucket}"
  role_arn                       = module.iam.ingest_role_arn
  zip_path                       = var.ingest_zip_path
  architecture                   = var.architecture
  memory_size                    = local.ingest_memory_size
  timeout                        = local.ingest_timeout
  reserved_concurrent_executions = var.ingest_reserved_concurrency
  paused                         = var.ingest_paused || var.retiring
  kms_key_arn                    = module.kms.key_arn
  log_retention_in_days          = var.log_retention_in_days
  dead_letter_queue_enabled      = true
  dead_letter_queue_arn          = module.eventbridge[0].dead_letter_queue_arn
  environment = {
    BUCKET_NAME       = module.s3.bucket_name
    OBJECT_PREFIX     = var.object_prefix
    STORE_ID          = local.store_id
    ENCRYPTION_FORMAT = var.encryption_format
    KMS_KEY_ID        = module.kms.key_arn
    TRIGGER_KEY_ID    = module.kms.trigger_key_arn
    S3_SSE_KMS_KEY_ID = module.kms.key_arn
    EVENT_BUS_NAME    = module.eventbridge[0].event_bus_name
    SOURCE_URL        = var.source_url
    SOURCE_TIMEOUT_MS = "10000"
    SOURCE_MAX_BYTES  = tostring(local.source_max_bytes)
    # Other origins a source redirect may lead to (never internal addresses).
    SOURCE_REDIRECT_HOSTS = join(",", var.source_redirect_hosts)
    # Every AWS call's timeouts and retries are derived from this, so the
    # invocation fails on its own terms before Lambda's timeout.
    FUNCTION_TIMEOUT_SECONDS = tostring(local.ingest_timeout)
  }
}

module "retrieve" {
  source                         = "../lambda"
  for_each                       = local.retrieve_modes
  function_name                  = each.value.function_name
  description                    = each.value.description
  role_arn                       = module.iam.retrieve_role_arn
  zip_path                       = var.retrieve_zip_path
  architecture                   = var.architecture
  memory_size                    = each.value.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = var.retrieve_reserved_concurrency
  kms_key_arn                    = module.kms.key_arn
  log_retention_in_days          = var.log_retention_in_days
  environment = {
    BUCKET_NAME           = module.s3.bucket_name
    OBJECT_PREFIX         = var.object_prefix
    STORE_ID              = local.store_id
    KMS_KEY_ID            = module.kms.key_arn
    S3_SSE_KMS_KEY_ID     = module.kms.key_arn
    LOOKUP_STRATEGY       = var.lookup_strategy
    MAX_STALENESS_MS      = tostring(var.max_staleness_ms)
    POINTER_AUDIT_SECONDS = tostring(var.pointer_audit_seconds)
    CORS_ALLOWED_ORIGINS  = join(",", var.cors_allowed_origins)
    # V3 only (the official client's default), unless ingest writes V2.
    COMMITMENT_POLICY          = var.encryption_format == "v2" ? "REQUIRE_ENCRYPT_ALLOW_DECRYPT" : "REQUIRE_ENCRYPT_REQUIRE_DECRYPT"
    CACHE_CONTROL              = "no-cache"
    RESPONSE_MODE              = each.key
    RESPONSE_MAX_BYTES         = tostring(each.value.max_bytes)
    DATA_KEY_CACHE_MAX_ENTRIES = "64"
    DATA_KEY_CACHE_TTL_SECONDS = "300"
    HEALTH_CACHE_SECONDS       = "5"
    # The request's bound (1 s less) and every AWS call's are derived from it.
    FUNCTION_TIMEOUT_SECONDS = tostring(each.value.timeout)
  }
}

# Verifies the REST API's bearer tokens (rest_api_authorization = "JWT"):
# the issuer's public keys travel with the function, so each region checks
# tokens on its own. 128 MB: one signature check per uncached token.
module "authorizer" {
  source                = "../lambda"
  count                 = local.authorizer_enabled ? 1 : 0
  function_name         = local.authorizer_function_name
  description           = "Verifies bearer tokens from ${var.rest_api_jwt.issuer} for ${local.name}'s REST API"
  role_arn              = module.iam.authorizer_role_arn
  zip_path              = var.authorizer_zip_path
  architecture          = var.architecture
  memory_size           = 128
  timeout               = 3
  kms_key_arn           = module.kms.key_arn
  log_retention_in_days = var.log_retention_in_days
  environment = {
    JWT_ISSUER    = var.rest_api_jwt.issuer
    JWT_AUDIENCES = join(",", var.rest_api_jwt.audiences)
    JWT_JWKS      = var.rest_api_jwt.jwks
  }
}

# Deployments made before the streaming function keep their retrieve.
moved {
  from = module.retrieve
  to   = module.retrieve["buffered"]
}

# Streams (InvokeWithResponseStream) up to 200 MB; only requests signed by a
# principal whose policy allows it (output stream_invoke_policy_json).
resource "aws_lambda_function_url" "stream" {
  count              = var.stream_url_enabled ? 1 : 0
  function_name      = module.retrieve["stream"].function_name
  authorization_type = "AWS_IAM"
  invoke_mode        = "RESPONSE_STREAM"
}

# What a caller in this account needs to call the function URL: since
# October 2025 Lambda checks both actions for a new function URL.
data "aws_iam_policy_document" "stream_invoke" {
  count = var.stream_url_enabled ? 1 : 0
  statement {
    sid       = "InvokeTheStreamingFunctionUrl"
    actions   = ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]
    resources = [module.retrieve["stream"].function_arn]
  }
}

module "eventbridge" {
  source                   = "../eventbridge"
  count                    = var.ingest_enabled ? 1 : 0
  name                     = local.name
  ingest_function_name     = module.ingest[0].function_name
  ingest_function_arn      = module.ingest[0].function_arn
  schedule_expression      = "rate(${var.schedule_period_minutes} ${var.schedule_period_minutes == 1 ? "minute" : "minutes"})"
  enabled                  = !(var.ingest_paused || var.retiring)
  kms_key_arn              = module.kms.key_arn
  role_path                = var.role_path
  permissions_boundary_arn = var.permissions_boundary_arn
}

module "waf" {
  source = "../waf"
  count  = var.waf_enabled ? 1 : 0
  name   = local.name
}

module "api_gateway" {
  source               = "../api_gateway"
  count                = var.api_type == "rest" ? 1 : 0
  name                 = local.name
  stage_name           = var.stage_name
  lambda_function_name = module.retrieve["buffered"].function_name
  lambda_invoke_arn    = module.retrieve["buffered"].invoke_arn
  endpoint_type        = var.endpoint_type
  vpc_endpoint_ids     = var.vpc_endpoint_ids
  iam_authorization    = var.rest_api_authorization == "AWS_IAM"
  cors_enabled         = length(var.cors_allowed_origins) > 0
  api_key_required     = var.rest_api_authorization == "API_KEY"
  api_key_value        = var.api_key_value
  token_authorizer = local.authorizer_enabled ? {
    function_name = module.authorizer[0].function_name
    invoke_arn    = module.authorizer[0].invoke_arn
    cache_seconds = var.rest_api_jwt.cache_seconds
  } : null
  throttle_rate_limit  = var.throttle_rate_limit
  throttle_burst_limit = var.throttle_burst_limit
  quota_per_day        = var.quota_per_day
  waf_enabled          = var.waf_enabled
  waf_acl_arn          = var.waf_enabled ? module.waf[0].web_acl_arn : null
  # Known at plan time (a data source), so an unprepared region stops the plan.
  account_logging_role_ready = contains(data.aws_ssm_parameters_by_path.bootstrap.names, var.api_gateway_logging_parameter)
  kms_key_arn                = module.kms.key_arn
  log_retention_in_days      = var.log_retention_in_days
}

module "http_api" {
  source                = "../http_api"
  count                 = var.api_type == "http" ? 1 : 0
  name                  = local.name
  stage_name            = var.stage_name
  lambda_function_name  = module.retrieve["buffered"].function_name
  lambda_invoke_arn     = module.retrieve["buffered"].invoke_arn
  authorization_type    = var.http_api_authorization
  jwt_issuer            = var.http_api_jwt_issuer
  jwt_audience          = var.http_api_jwt_audience
  cors_allowed_origins  = var.cors_allowed_origins
  throttle_rate_limit   = var.throttle_rate_limit
  throttle_burst_limit  = var.throttle_burst_limit
  kms_key_arn           = module.kms.key_arn
  log_retention_in_days = var.log_retention_in_days
}

# What a caller needs to call an IAM-authorized HTTP API's snapshot route.
data "aws_iam_policy_document" "http_invoke" {
  count = var.api_type == "http" && var.http_api_authorization == "AWS_IAM" ? 1 : 0
  statement {
    sid     = "InvokeTheSnapshotRoute"
    actions = ["execute-api:Invoke"]
    resources = [
      for pair in setproduct(["GET", "HEAD"], ["retrieve_most_recent_object", "retrieve_most_recent_object/json"]) :
      "arn:${data.aws_partition.current.partition}:execute-api:${local.region}:${data.aws_caller_identity.current.account_id}:${module.http_api[0].api_id}/${module.http_api[0].stage_name}/${pair[0]}/${pair[1]}"
    ]
  }
}

# What a caller needs to call an IAM-authorized REST API's snapshot route.
data "aws_iam_policy_document" "rest_invoke" {
  count = var.api_type == "rest" && var.rest_api_authorization == "AWS_IAM" ? 1 : 0
  statement {
    sid       = "InvokeTheSnapshotRoute"
    actions   = ["execute-api:Invoke"]
    resources = module.api_gateway[0].snapshot_route_arns
  }
}

# Deployments made before the API became a choice keep their REST API.
moved {
  from = module.api_gateway
  to   = module.api_gateway[0]
}

# Whichever API fronts retrieve.
locals {
  api = var.api_type == "rest" ? {
    id         = module.api_gateway[0].rest_api_id
    stage_name = module.api_gateway[0].stage_name
    invoke_url = module.api_gateway[0].invoke_url
    health_url = module.api_gateway[0].health_url
    } : {
    id         = module.http_api[0].api_id
    stage_name = module.http_api[0].stage_name
    invoke_url = module.http_api[0].invoke_url
    health_url = module.http_api[0].health_url
  }
}

module "monitoring" {
  source                        = "../monitoring"
  name                          = local.name
  region                        = local.region
  ingest_enabled                = var.ingest_enabled
  ingest_function_name          = one(module.ingest[*].function_name)
  retrieve_function_name        = module.retrieve["buffered"].function_name
  retrieve_stream_function_name = var.stream_url_enabled ? module.retrieve["stream"].function_name : null
  api_type                      = var.api_type
  api_name                      = local.name
  api_id                        = local.api.id
  api_stage                     = local.api.stage_name
  dead_letter_queue_name        = one(module.eventbridge[*].dead_letter_queue_name)
  schedule_period_minutes       = var.schedule_period_minutes
  alarm_emails                  = var.alarm_emails
  kms_key_arn                   = module.kms.key_arn
  bucket_name                   = module.s3.bucket_name
  newest_object_max_age_minutes = var.newest_object_max_age_minutes
}
