provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      project     = "s3-latest"
      environment = var.environment
    })
  }
}
