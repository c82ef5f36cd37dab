# Local state on purpose: this configuration creates the bucket every other
# environment keeps its state in.
terraform {
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
