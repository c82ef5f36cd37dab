# State in the bootstrap bucket, one key per region:
# s3-latest/bootstrap-region/<region>.tfstate (scripts/deploy.sh bootstrap-region REGION).
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
      environment = "bootstrap-region"
    }
  }
}
