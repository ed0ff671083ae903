# One Cloud Run service per registered function. Each binary serves the function named by
# FUNCTION_TARGET on PORT (shared/runtime); the scrapers binary serves `scrapers` and
# `workflow`, the predictions binary the coordinator, workers and consolidator, the
# publishing binary the exporter and the API.

locals {
  scrapers_url = "https://${local.env}-nba-scrapers-${data.google_project.this.number}.${var.region}.run.app"

  # The collector sidecar's pipeline: OTLP/HTTP in (loopback only), Cloud Trace out; the
  # health check answers the sidecar's startup probe.
  otel_collector_config = yamlencode({
    receivers  = { otlp = { protocols = { http = { endpoint = "localhost:4318" } } } }
    processors = { batch = { timeout = "2s" } }
    exporters  = { googlecloud = { project = var.project } }
    extensions = { health_check = { endpoint = "0.0.0.0:13133" } }
    service = {
      extensions = ["health_check"]
      pipelines  = { traces = { receivers = ["otlp"], processors = ["batch"], exporters = ["googlecloud"] } }
    }
  })
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

      # Spans go to the collector beside it (below), which exports them to Cloud Trace.
      dynamic "env" {
        for_each = var.traces ? { NBA_TRACES = "otlp", OTEL_EXPORTER_OTLP_ENDPOINT = "http://localhost:4318" } : {}
        content {
          name  = env.key
          value = env.value
        }
      }

      ports {
        container_port = 8080
      }

      # The API keys are not mounted: the scrapers read them through the Secret Manager API
      # (nba_cloud::gcp::SecretManagerSource, cached 5 min), so a rotated key is picked up
      # without a new revision.

      startup_probe {
        tcp_socket {
          port = 8080
        }
        period_seconds    = 1
        failure_threshold = 10
      }

      depends_on = var.traces ? ["otel-collector"] : []
    }

    # OpenTelemetry Collector sidecar (Google-built): receives OTLP/HTTP on localhost:4318
    # from the function and exports to Cloud Trace with the service account's identity.
    dynamic "containers" {
      for_each = var.traces ? [1] : []
      content {
        name  = "otel-collector"
        image = var.otel_collector_image
        args  = ["--config=env:OTEL_COLLECTOR_CONFIG"]

        env {
          name  = "OTEL_COLLECTOR_CONFIG"
          value = local.otel_collector_config
        }

        resources {
          limits = {
            cpu    = "0.5"
            memory = "256Mi"
          }
          cpu_idle = true
        }

        startup_probe {
          http_get {
            path = "/"
            port = 13133
          }
          period_seconds    = 1
          failure_threshold = 30
        }
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
