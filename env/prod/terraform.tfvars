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
alarm_emails         = ["oncall@example.com"]
# access_log_bucket           = "<an existing access-log bucket>"
# Snapshots over 6 MB through a streaming function URL (IAM-signed):
# stream_url_enabled = true
# Required: the IAM roles that administer the KMS key(s), one list for
# everyone who applies (CI, a break-glass role); a plan by anyone not on it
# stops before anything changes (docs/operations.md, "Key administrators").
# key_administrators = ["arn:aws:iam::111122223333:role/s3-latest-ci", "arn:aws:iam::111122223333:role/s3-latest-break-glass"]
