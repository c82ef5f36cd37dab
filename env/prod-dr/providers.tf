provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      project     = "s3-latest"
      environment = var.environment
      role        = "primary"
    })
  }
}

provider "aws" {
  alias  = "standby"
  region = var.standby_region

  default_tags {
    tags = merge(var.tags, {
      project     = "s3-latest"
      environment = var.environment
      role        = "standby"
    })
  }
}
