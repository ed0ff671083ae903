# Datasets (Dataset::ALL, environment-prefixed) and one table per generated schema file.
# The files under schemas/ are generated from the schema registry (`make schemas`) and
# carry each table's partitioning, clustering and partition-filter requirement, so the
# tables follow the code with no second list to keep in step.

locals {
  schema_files = fileset("${path.module}/schemas", "*/*.json")
  tables = {
    for f in local.schema_files :
    trimsuffix(f, ".json") => jsondecode(file("${path.module}/schemas/${f}"))
  }

  dataset_descriptions = {
    nba_raw           = "Raw upstream data, validated and loaded by the raw processors (phase 2)."
    nba_analytics     = "Game summaries and upcoming-game context (phase 3)."
    nba_precompute    = "Rolling caches, zone analysis and composite factors (phase 4)."
    nba_predictions   = "Feature store, predictions, coverage, grading and system performance (phases 4-5, grading)."
    nba_reference     = "Players registry, aliases and unresolved names."
    nba_orchestration = "Execution log, workflow and transition decisions, quarantined inputs."
  }

  # Views: SQL under views/<dataset>/<view>.sql, with ${nba_*} replaced by this
  # environment's dataset names.
  view_files = fileset("${path.module}/views", "*/*.sql")
  views = {
    for f in local.view_files : trimsuffix(f, ".sql") => {
      dataset = dirname(f)
      view    = trimsuffix(basename(f), ".sql")
      query   = templatefile("${path.module}/views/${f}", local.datasets)
    }
  }
}

resource "google_bigquery_dataset" "dataset" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption: public sports data and derived predictions; no compliance need for a customer-managed key.
  for_each = local.datasets

  dataset_id                 = each.value
  location                   = var.bigquery_location
  description                = local.dataset_descriptions[each.key]
  delete_contents_on_destroy = false

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table" "table" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption, as for the datasets (CKV_GCP_81).
  for_each = local.tables

  dataset_id          = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  table_id            = each.value.table
  description         = each.value.description
  clustering          = length(each.value.clustering) > 0 ? each.value.clustering : null
  deletion_protection = var.deletion_protection

  # Empty descriptions are left out: BigQuery does not store them (no perpetual diff).
  schema = jsonencode([for c in each.value.schema : { for k, v in c : k => v if v != "" }])

  require_partition_filter = each.value.time_partitioning_field == null ? null : each.value.require_partition_filter

  dynamic "time_partitioning" {
    for_each = each.value.time_partitioning_field == null ? [] : [each.value.time_partitioning_field]
    content {
      type  = "DAY"
      field = time_partitioning.value
    }
  }
}

resource "google_bigquery_table" "view" {
  #checkov:skip=CKV_GCP_80:A view stores no data; its tables use Google-managed encryption (CKV_GCP_81).
  for_each = local.views

  dataset_id          = google_bigquery_dataset.dataset[each.value.dataset].dataset_id
  table_id            = each.value.view
  deletion_protection = var.deletion_protection

  view {
    query          = each.value.query
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.table]
}
