environment           = "prod-dr"
region                = "eu-west-1"
standby_region        = "eu-central-1"
force_destroy         = false
log_retention_in_days = 365
waf_enabled           = true
throttle_rate_limit   = 200
throttle_burst_limit  = 400
alarm_emails          = ["oncall@example.com"]
# Failover on a domain of yours (both or neither):
# domain_name    = "snapshots.example.com"
# hosted_zone_id = "Z0123456789ABCDEFGHIJ"
# Required: the IAM roles that administer the KMS key(s), one list for
# everyone who applies (CI, a break-glass role); a plan by anyone not on it
# stops before anything changes (docs/operations.md, "Key administrators").
# key_administrators = ["arn:aws:iam::111122223333:role/s3-latest-ci", "arn:aws:iam::111122223333:role/s3-latest-break-glass"]
# Required: who may call. Bearer tokens from your OpenID Connect issuer
# (Cognito, Okta, Entra ID, ...), checked in both regions against its public
# keys (docs/authorization.md):
# jwt_issuer    = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE"
# jwt_audiences = ["s3-latest-readers"]
# jwt_jwks      = <<-EOT
#   {"keys": [...]}
# EOT
# or export TF_VAR_jwt_jwks="$(curl -s <the issuer's jwks_uri>)"
