# Least privilege per function: dataset-level BigQuery roles (local.dataset_access),
# bucket-level object roles (local.bucket_access), publisher on its own topics (pubsub.tf),
# Firestore only for the functions that keep state, secrets only for the scrapers.
# BigQuery jobs (queries, loads) need bigquery.jobUser on the project: there is no
# narrower scope for running a job.

resource "google_project_iam_member" "function_job_user" {
  for_each = local.functions

  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.function[each.key].member
}

# The collector sidecar writes the function's spans to Cloud Trace as the function's account.
resource "google_project_iam_member" "function_trace_agent" {
  for_each = var.traces ? local.functions : {}

  project = var.project
  role    = "roles/cloudtrace.agent"
  member  = google_service_account.function[each.key].member
}

resource "google_bigquery_dataset_iam_member" "function_writes" {
  for_each = {
    for pair in flatten([
      for fn, a in local.dataset_access : [for d in a.write : { fn = fn, dataset = d }]
    ]) : "${pair.fn}/${pair.dataset}" => pair
  }

  dataset_id = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.function[each.value.fn].member
}

resource "google_bigquery_dataset_iam_member" "function_reads" {
  for_each = {
    for pair in flatten([
      for fn, a in local.dataset_access : [for d in a.read : { fn = fn, dataset = d }]
    ]) : "${pair.fn}/${pair.dataset}" => pair
  }

  dataset_id = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.function[each.value.fn].member
}

resource "google_storage_bucket_iam_member" "function_objects" {
  for_each = {
    for pair in flatten([
      for fn, buckets in local.bucket_access : [for b, role in buckets : { fn = fn, bucket = b, role = role }]
    ]) : "${pair.fn}/${pair.bucket}" => pair
  }

  bucket = local.buckets[each.value.bucket]
  role   = each.value.role
  member = google_service_account.function[each.value.fn].member

  depends_on = [
    google_storage_bucket.raw,
    google_storage_bucket.api,
    google_storage_bucket.models,
  ]
}

# Firestore IAM has no per-collection scope; collections carry the environment prefix.
resource "google_project_iam_member" "function_firestore" {
  for_each = toset(local.firestore_users)

  project = var.project
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.value].member
}
