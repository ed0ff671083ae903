# API keys of the upstreams (functions/scrapers/src/http/secrets.rs). Terraform creates the
# secrets, never their values: add a version by hand, e.g.
#   printf %s "$KEY" | gcloud secrets versions add dev-nba-secret-odds-api-key --data-file=-
# then list the key in var.mounted_api_keys: Cloud Run mounts the latest version into the
# scrapers' environment variable of the same name (NBA_SECRET_ODDS_API_KEY…). Cloud Run
# refuses a revision whose secret has no version, hence the list.

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
