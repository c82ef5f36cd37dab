provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = "s3-latest"
      environment = var.environment
    }
  }
}
