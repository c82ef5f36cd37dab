# Active-standby across two regions. The primary is the whole service under
# a multi-region key; S3 replicates its snapshots to the standby, which runs
# retrieve and its API only (no ingest), under the key's replica. Both read
# with the same store identity (the primary bucket's name), so a replicated
# object decrypts in the standby and nowhere else. Route 53 health checks
# watch both regions' /health; with a domain, failover records send clients
# to the standby while the primary fails its check.

data "aws_caller_identity" "current" {}

locals {
  name = "s3-latest-${var.environment}"
  # Every snapshot lands within a schedule period; a replica within RTC's
  # 15 minutes more. Five minutes of slack on each for the alarm's period.
  primary_max_age_minutes = var.schedule_period_minutes + 5
  standby_max_age_minutes = var.schedule_period_minutes + 15 + 5

  # One authorization for both regions (docs/authorization.md).
  jwt = {
    issuer        = var.jwt_issuer
    audiences     = var.jwt_audiences
    jwks          = var.jwt_jwks
    cache_seconds = var.jwt_cache_seconds
  }
}

module "primary" {
  source = "../../modules/service"

  name                          = "${local.name}-primary"
  stage_name                    = var.environment
  kms_multi_region              = true
  kms_deletion_window_in_days   = var.kms_deletion_window_in_days
  kms_replication               = { role_arn = module.replication.role_arn, actions = ["kms:Decrypt"] }
  schedule_period_minutes       = var.schedule_period_minutes
  source_url                    = var.source_url
  encryption_format             = var.encryption_format
  newest_object_max_age_minutes = local.primary_max_age_minutes

  architecture          = var.architecture
  ingest_zip_path       = var.ingest_zip_path
  retrieve_zip_path     = var.retrieve_zip_path
  object_prefix         = var.object_prefix
  force_destroy         = var.force_destroy
  log_retention_in_days = var.log_retention_in_days
  waf_enabled           = var.waf_enabled
  throttle_rate_limit   = var.throttle_rate_limit
  throttle_burst_limit  = var.throttle_burst_limit
  alarm_emails          = var.alarm_emails

  # Bearer tokens from the operator's issuer, verified in each region with
  # the same public keys: a client failed over keeps the token it holds
  # (SigV4 would not survive the move: a signature names its region).
  rest_api_authorization = "JWT"
  rest_api_jwt           = local.jwt
  authorizer_zip_path    = var.authorizer_zip_path

  key_administrators       = var.key_administrators
  snapshot_writers         = var.snapshot_writers
  retiring                 = var.retiring
  ingest_paused            = var.ingest_paused
  role_path                = var.role_path
  permissions_boundary_arn = var.permissions_boundary_arn
}

module "standby" {
  source    = "../../modules/service"
  providers = { aws = aws.standby }

  name                          = "${local.name}-standby"
  stage_name                    = var.environment
  store_id                      = module.primary.store_id # the primary bucket's name
  ingest_enabled                = false
  encryption_format             = var.encryption_format # what it reads: the primary's objects
  kms_primary_key               = { arn = module.primary.kms_key_arn }
  kms_deletion_window_in_days   = var.kms_deletion_window_in_days
  kms_replication               = { role_arn = module.replication.role_arn, actions = ["kms:Encrypt", "kms:GenerateDataKey"] }
  schedule_period_minutes       = var.schedule_period_minutes
  newest_object_max_age_minutes = local.standby_max_age_minutes
  # Replication copies the snapshot prefix, not the pointer beside it (whose
  # object may land after it): the standby lists.
  lookup_strategy        = "index"
  rest_api_authorization = "JWT"
  rest_api_jwt           = local.jwt
  authorizer_zip_path    = var.authorizer_zip_path

  architecture          = var.architecture
  ingest_zip_path       = var.ingest_zip_path
  retrieve_zip_path     = var.retrieve_zip_path
  object_prefix         = var.object_prefix
  force_destroy         = var.force_destroy
  log_retention_in_days = var.log_retention_in_days
  waf_enabled           = var.waf_enabled
  throttle_rate_limit   = var.throttle_rate_limit
  throttle_burst_limit  = var.throttle_burst_limit
  alarm_emails          = var.alarm_emails

  key_administrators       = var.key_administrators
  snapshot_writers         = var.snapshot_writers
  retiring                 = var.retiring
  role_path                = var.role_path
  permissions_boundary_arn = var.permissions_boundary_arn
}

module "replication" {
  source = "../../modules/replication"

  name                      = local.name
  account_id                = data.aws_caller_identity.current.account_id
  object_prefix             = var.object_prefix
  source_region             = var.region
  source_bucket_name        = module.primary.bucket_name
  source_bucket_arn         = module.primary.bucket_arn
  source_kms_key_arn        = module.primary.kms_key_arn
  destination_region        = var.standby_region
  destination_bucket_arn    = module.standby.bucket_arn
  destination_kms_key_arn   = module.standby.kms_key_arn
  latency_threshold_minutes = var.replication_latency_threshold_minutes
  alarm_actions             = [module.primary.alarm_topic_arn]
  # Named after the primary, whose key lets CloudWatch publish to its
  # encrypted topic only for alarms named after it.
  alarm_name_prefix        = "${local.name}-primary"
  role_path                = var.role_path
  permissions_boundary_arn = var.permissions_boundary_arn
}

module "primary_failover" {
  source = "../../modules/failover"

  name                           = "${local.name}-primary"
  region                         = var.region
  rest_api_id                    = module.primary.rest_api_id
  stage_name                     = module.primary.stage_name
  failover_role                  = "PRIMARY"
  health_check_interval_seconds  = var.health_check_interval_seconds
  health_check_failure_threshold = var.health_check_failure_threshold
  domain_name                    = var.domain_name
  hosted_zone_id                 = var.hosted_zone_id
  validation_record_fqdns        = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

# One validation record for both regions' certificates (ACM's record for a
# name is the same in every region of an account), owned here, so removing
# either region's failover module leaves the other's renewal intact.
resource "aws_route53_record" "certificate_validation" {
  for_each = module.primary_failover.validation_records
  zone_id  = var.hosted_zone_id
  name     = each.value.name
  type     = each.value.type
  records  = [each.value.record]
  ttl      = 300
}

moved {
  from = module.primary_failover.aws_route53_record.validation
  to   = aws_route53_record.certificate_validation
}

# The standby's copy of the same record was the primary's record too:
# forgotten, never deleted.
removed {
  from = module.standby_failover.aws_route53_record.validation
  lifecycle {
    destroy = false
  }
}

module "standby_failover" {
  source    = "../../modules/failover"
  providers = { aws = aws.standby }

  name                           = "${local.name}-standby"
  region                         = var.standby_region
  rest_api_id                    = module.standby.rest_api_id
  stage_name                     = module.standby.stage_name
  failover_role                  = "SECONDARY"
  health_check_interval_seconds  = var.health_check_interval_seconds
  health_check_failure_threshold = var.health_check_failure_threshold
  domain_name                    = var.domain_name
  hosted_zone_id                 = var.hosted_zone_id
  validation_record_fqdns        = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

# The standby region's API Gateway logging role is env/bootstrap-region's
# (scripts/deploy.sh bootstrap-region <standby_region>), never this
# environment's: with provider 6.x, destroying it here would reset the
# region's setting for every other API there. State that still holds it
# forgets it, leaving the setting as it is.
removed {
  from = aws_api_gateway_account.standby
  lifecycle {
    destroy = false
  }
}
