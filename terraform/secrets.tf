# API keys of the upstreams (functions/scrapers/src/http/secrets.rs). Terraform creates the
# secrets, never their values: add a version by hand, e.g.
#   printf %s "$KEY" | gcloud secrets versions add dev-nba-secret-odds-api-key --data-file=-
# The scrapers read the latest version through the Secret Manager API when they need a key
# (cached 5 min, so a rotation needs no redeploy); a key without a version is absent, and
# the scrapers that need it fail alone (MissingSecret).

resource "google_secret_manager_secret" "api_key" {
  for_each = local.secrets

  secret_id = each.value

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_iam_member" "scrapers_read_api_keys" {
  for_each = local.secrets

  secret_id = google_secret_manager_secret.api_key[each.key].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function["scrapers"].member
}
