# One region, the whole service: modules/service. env/prod is this same
# directory (its .tf files are symlinks here) with its own terraform.tfvars.

module "service" {
  source                        = "../../modules/service"
  name                          = "s3-latest-${var.environment}"
  stage_name                    = var.environment
  architecture                  = var.architecture
  ingest_zip_path               = var.ingest_zip_path
  retrieve_zip_path             = var.retrieve_zip_path
  schedule_period_minutes       = var.schedule_period_minutes
  object_prefix                 = var.object_prefix
  source_url                    = var.source_url
  lookup_strategy               = var.lookup_strategy
  max_staleness_ms              = var.max_staleness_ms
  force_destroy                 = var.force_destroy
  log_retention_in_days         = var.log_retention_in_days
  kms_deletion_window_in_days   = var.kms_deletion_window_in_days
  access_log_bucket             = var.access_log_bucket
  api_type                      = var.api_type
  rest_api_authorization        = var.rest_api_authorization
  cors_allowed_origins          = var.cors_allowed_origins
  http_api_authorization        = var.http_api_authorization
  http_api_jwt_issuer           = var.http_api_jwt_issuer
  http_api_jwt_audience         = var.http_api_jwt_audience
  stream_url_enabled            = var.stream_url_enabled
  stream_max_bytes              = var.stream_max_bytes
  waf_enabled                   = var.waf_enabled
  endpoint_type                 = var.endpoint_type
  vpc_endpoint_ids              = var.vpc_endpoint_ids
  throttle_rate_limit           = var.throttle_rate_limit
  throttle_burst_limit          = var.throttle_burst_limit
  quota_per_day                 = var.quota_per_day
  retrieve_reserved_concurrency = var.retrieve_reserved_concurrency
  ingest_reserved_concurrency   = var.ingest_reserved_concurrency
  store_id                      = var.store_id
  encryption_format             = var.encryption_format
  alarm_emails                  = var.alarm_emails
  key_administrators            = var.key_administrators
  snapshot_writers              = var.snapshot_writers
  retiring                      = var.retiring
  ingest_paused                 = var.ingest_paused
  role_path                     = var.role_path
  permissions_boundary_arn      = var.permissions_boundary_arn
}

# Addresses from before the service module existed, so a deployment made then
# plans as no change instead of a replacement.
moved {
  from = module.kms
  to   = module.service.module.kms
}

moved {
  from = module.s3
  to   = module.service.module.s3
}

moved {
  from = module.iam
  to   = module.service.module.iam
}

moved {
  from = module.retrieve
  to   = module.service.module.retrieve
}

moved {
  from = module.waf
  to   = module.service.module.waf
}

moved {
  from = module.api_gateway
  to   = module.service.module.api_gateway
}

moved {
  from = module.monitoring
  to   = module.service.module.monitoring
}

moved {
  from = module.ingest
  to   = module.service.module.ingest[0]
}

moved {
  from = module.eventbridge
  to   = module.service.module.eventbridge[0]
}
