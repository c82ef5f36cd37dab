terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
    # checks.tf's post-apply call of the deployed API.
    http = {
      source  = "hashicorp/http"
      version = "~> 3.4"
    }
  }
}
