terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50"
    }
  }

  # State lives in a GCS bucket created once by hand (it cannot manage itself):
  #   gcloud storage buckets create gs://$PROJECT-tfstate --location=$REGION --uniform-bucket-level-access
  # `make deploy` passes `-backend-config=bucket=... -backend-config=prefix=$ENV`.
  backend "gcs" {}
}

provider "google" {
  project = var.project
  region  = var.region

  default_labels = local.labels
}

data "google_project" "this" {
  project_id = var.project
}
