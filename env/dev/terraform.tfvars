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
