# One Cloud Run service per registered function. Each binary serves the function named by
# FUNCTION_TARGET on PORT (shared/runtime); the scrapers binary serves `scrapers` and
# `workflow`, the predictions binary the coordinator, workers and consolidator, the
# publishing binary the exporter and the API.

locals {
  scrapers_url = "https://${local.env}-nba-scrapers-${data.google_project.this.number}.${var.region}.run.app"
}

resource "google_service_account" "function" {
  for_each = local.functions

  account_id   = "${local.env}-nba-fn-${each.value.sa}"
  display_name = "nba-props ${local.env}: function ${each.key}"
}

resource "google_cloud_run_v2_service" "function" {
  for_each = local.functions

  name                = "${local.env}-nba-${replace(each.key, "_", "-")}"
  location            = var.region
  ingress             = each.value.ingress
  deletion_protection = var.deletion_protection

  template {
    service_account                  = google_service_account.function[each.key].email
    timeout                          = "${each.value.timeout}s"
    max_instance_request_concurrency = each.value.concurrency
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"

    scaling {
      min_instance_count = each.value.min
      max_instance_count = each.value.max
    }

    containers {
      image = "${local.image_repository}/${each.value.binary}:${var.image_tag}"

      resources {
        limits = {
          cpu    = each.value.cpu
          memory = each.value.memory
        }
        # CPU only while a request is in flight (functions do no background work), with
        # a boost while the instance starts.
        cpu_idle          = true
        startup_cpu_boost = true
      }

      env {
        name  = "FUNCTION_TARGET"
        value = each.key
      }
      env {
        name  = "NBA_BACKEND"
        value = "gcp"
      }
      env {
        name  = "NBA_ENV"
        value = local.env
      }
      env {
        name  = "NBA_PROJECT_ID"
        value = var.project
      }
      env {
        name  = "NBA_LOG"
        value = "info"
      }
      env {
        name  = "NBA_TIMEOUT_FUNCTION_SECS"
        value = tostring(each.value.timeout - 30)
      }
      env {
        name  = "NBA_TIMEOUT_ACK_DEADLINE_SECS"
        value = tostring(local.ack_deadline_seconds)
      }

      # The workflow calls the scraper function at `{url}scrape` (the service's
      # deterministic URL: naming the other service's resource would be a cycle).
      dynamic "env" {
        for_each = each.key == "workflow" ? [1] : []
        content {
          name  = "NBA_FUNCTION_URL_SCRAPERS"
          value = "${local.scrapers_url}/"
        }
      }

      # API keys, from Secret Manager, only where they are sent, once they have a value
      # (var.mounted_api_keys); a scraper whose key is absent fails on its own.
      dynamic "env" {
        for_each = each.key == "scrapers" ? { for k, v in local.secrets : k => v if contains(var.mounted_api_keys, k) } : {}
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.api_key[env.key].secret_id
              version = "latest"
            }
          }
        }
      }

      startup_probe {
        tcp_socket {
          port = 8080
        }
        period_seconds    = 1
        failure_threshold = 10
      }
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_secret_manager_secret_iam_member.scrapers_read_api_keys,
  ]
}

# Who may invoke what: Pub/Sub's push identity the pushed services, the workflow the
# scraper function, the clock workflow the workflow function, anyone the published API.
resource "google_cloud_run_v2_service_iam_member" "pubsub_invokes" {
  for_each = toset(concat([for r in local.push_routes : r.function], ["raw_processor"]))

  name     = google_cloud_run_v2_service.function[each.value].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.pubsub_push.member
}

resource "google_cloud_run_v2_service_iam_member" "workflow_invokes_scrapers" {
  name     = google_cloud_run_v2_service.function["scrapers"].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.function["workflow"].member
}

resource "google_cloud_run_v2_service_iam_member" "clock_invokes_workflow" {
  name     = google_cloud_run_v2_service.function["workflow"].name
  location = var.region
  role     = "roles/run.invoker"
  member   = google_service_account.clock.member
}

resource "google_cloud_run_v2_service_iam_member" "public_api" {
  # Public by design: the API serves the published JSON documents (predictions, results)
  # read-only; var.public_api = false keeps it behind IAM.
  count = var.public_api ? 1 : 0

  name     = google_cloud_run_v2_service.function["publishing_api"].name
  location = var.region
  role     = "roles/run.invoker"
  member   = "allUsers"
}
