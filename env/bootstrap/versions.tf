# State: scripts/deploy.sh bootstrap applies the first time with local state
# (the bucket does not exist yet), then migrates it into the bucket it made
# and writes env/backend.hcl, which every later init reads, the bootstrap's
# own included. Commit env/backend.hcl: it names the bucket, its region and
# key, nothing secret, and lets a second operator or CI reach the state.
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }

  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = "s3-latest"
      environment = "bootstrap"
    }
  }
}
