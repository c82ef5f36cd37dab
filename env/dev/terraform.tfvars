environment           = "dev"
region                = "eu-west-1"
force_destroy         = true
log_retention_in_days = 14
waf_enabled           = false
alarm_emails          = []
# Snapshots over 6 MB through a streaming function URL (IAM-signed).
stream_url_enabled = true
