# Buckets: raw upstream responses, the published JSON API, model artifacts, backups and a
# scratch bucket. Uniform bucket-level access and public access prevention everywhere:
# the published API is served by the publishing_api service, never from the bucket.

resource "google_storage_bucket" "raw" {
  #checkov:skip=CKV_GCP_62:Access is recorded by Cloud Audit Logs (data access); a second access-log bucket adds cost and nothing a reviewer reads.
  #checkov:skip=CKV_GCP_78:Raw objects are immutable (one object per scrape, named by time); versioning would only keep the copies that quarantine moves delete.
  name                        = local.buckets.raw
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Raw responses are re-read by backfills in the first weeks, rarely after: Nearline at
  # 30 days, deleted at 90 (the tables keep what was loaded).
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket" "api" {
  #checkov:skip=CKV_GCP_62:Access is recorded by Cloud Audit Logs (data access) and the publishing_api request logs.
  name                        = local.buckets.api
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Every export rewrites the documents that changed: keep a week of previous versions to
  # roll back a bad export, no more.
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket" "models" {
  #checkov:skip=CKV_GCP_62:Access is recorded by Cloud Audit Logs (data access).
  name                        = local.buckets.models
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Artifacts are versioned by name (models/{system_id}/{trained_to}.json); object
  # versioning also guards against an overwrite of the same cut-off.
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      num_newer_versions = 3
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket" "backups" {
  #checkov:skip=CKV_GCP_62:Access is recorded by Cloud Audit Logs (data access).
  name                        = local.buckets.backups
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # Table exports and Firestore exports: Nearline after 30 days, Coldline after 90,
  # Archive after 365.
  lifecycle_rule {
    condition {
      age = 30
    }
    action {
      type          = "SetStorageClass"
      storage_class = "NEARLINE"
    }
  }
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }
  lifecycle_rule {
    condition {
      age = 365
    }
    action {
      type          = "SetStorageClass"
      storage_class = "ARCHIVE"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket" "temp" {
  #checkov:skip=CKV_GCP_62:Scratch space whose objects live 7 days; Cloud Audit Logs record access.
  #checkov:skip=CKV_GCP_78:Scratch objects are deleted after 7 days; versions would outlive the data they version.
  name                        = local.buckets.temp
  location                    = upper(var.region)
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  # Load-job staging and ad-hoc exports: deleted after 7 days.
  lifecycle_rule {
    condition {
      age = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

# Every finalized raw object is announced on `{raw bucket}-finalize`, whose push
# subscription feeds the raw processor (see pubsub.tf).
data "google_storage_project_service_account" "gcs" {
  project = var.project
}

resource "google_pubsub_topic_iam_member" "gcs_publishes_finalize" {
  topic  = google_pubsub_topic.raw_finalize.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

resource "google_storage_notification" "raw_finalize" {
  bucket         = google_storage_bucket.raw.name
  topic          = google_pubsub_topic.raw_finalize.id
  payload_format = "JSON_API_V1"
  event_types    = ["OBJECT_FINALIZE"]

  depends_on = [google_pubsub_topic_iam_member.gcs_publishes_finalize]
}
