environment           = "dev"
region                = "eu-west-1"
force_destroy         = true
log_retention_in_days = 14
waf_enabled           = false
alarm_emails          = []
# Snapshots over 6 MB through a streaming function URL (IAM-signed).
stream_url_enabled = true
# A browser app on this origin may call the API (CORS); off when empty.
cors_allowed_origins = ["https://app.example.com"]
# Required: the IAM roles that administer the KMS key(s), one list for
# everyone who applies (CI, a break-glass role); a plan by anyone not on it
# stops before anything changes (docs/operations.md, "Key administrators").
# key_administrators = ["arn:aws:iam::111122223333:role/s3-latest-ci", "arn:aws:iam::111122223333:role/s3-latest-break-glass"]
