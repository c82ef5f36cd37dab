environment           = "prod"
region                = "eu-west-1"
force_destroy         = false
log_retention_in_days = 365
waf_enabled           = true
# Callers sign requests (SigV4) with a role allowed rest_invoke_policy_json;
# an API key identifies a client, it does not authorize one.
rest_api_authorization = "AWS_IAM"
# Reserved concurrency guarantees retrieve capacity and caps cost, but needs an
# account concurrency quota above 100 + the reservation (ask AWS to raise it):
# retrieve_reserved_concurrency = 50
throttle_rate_limit  = 200
throttle_burst_limit = 400
quota_per_day        = 1000000
alarm_emails         = ["oncall@example.com"]
# access_log_bucket           = "<an existing access-log bucket>"
# Snapshots over 6 MB through a streaming function URL (IAM-signed):
# stream_url_enabled = true
