# The state store: prediction batches, consolidation and raw-batch locks, processed-object
# claims, transition tracking. Documents that expire carry a timestamp field `expires_at`
# (StateDoc::expires_at in shared/cloud/src/ports/state.rs); the TTL policy on every
# collection lets Firestore delete them (within about a day of expiry: the code treats an
# expired document as absent before that, as the embedded store does).

resource "google_firestore_database" "main" {
  count = var.create_firestore_database ? 1 : 0

  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "PESSIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.deletion_protection ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.enabled]
}

resource "google_firestore_field" "ttl" {
  for_each = toset([for id in local.collection_ids : "${local.env}_${id}"])

  database   = "(default)"
  collection = each.value
  field      = "expires_at"

  # The TTL field is never queried: no single-field index.
  index_config {}

  ttl_config {}

  depends_on = [google_firestore_database.main]
}
