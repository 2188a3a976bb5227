provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["111122223333"]
}

# disaster-recovery copies, deliberately in another region
provider "aws" {
  alias               = "dr"
  region              = "us-east-1"
  allowed_account_ids = ["111122223333"]
}
