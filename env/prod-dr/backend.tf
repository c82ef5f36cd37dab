# Partial configuration: the state bucket comes from env/bootstrap, e.g.
#   terraform init -backend-config="bucket=<state_bucket>" -backend-config="key=s3-latest/prod-dr.tfstate" -backend-config="region=<region>"
# Locking uses S3's own conditional writes (use_lockfile); no DynamoDB table.
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
