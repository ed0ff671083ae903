# What is watched, and what pages:
# - failed invocations: the runtime logs "invocation failed" (severity ERROR, label
#   `function`, field `error_class`) for every failed run it writes to the execution log,
#   and "execution log write failed; answering 500" when the row itself cannot be written;
# - dead letters: any message on a dead-letter subscription;
# - the coverage SLO and stale data: scheduled queries that ASSERT on
#   nba_predictions.prediction_coverage and nba_orchestration.function_freshness; a failed
#   assertion fails the transfer run, which logs an error;
# - the clock: a failed workflow execution (a tick the workflow function refused).

locals {
  service_prefix = "${local.env}-nba-"

  checks = {
    coverage_slo = {
      schedule    = var.coverage_check_schedule
      description = "Coverage SLO: today's prediction_coverage row must not be an alert."
      query       = <<-SQL
        ASSERT NOT EXISTS (
          SELECT 1
          FROM `${local.datasets.nba_predictions}.prediction_coverage`
          WHERE game_date = CURRENT_DATE('America/New_York') AND alert
        ) AS 'coverage SLO missed for today: see ${local.datasets.nba_predictions}.prediction_coverage (alert, reason)';
      SQL
    }
    stale_data = {
      schedule    = "every 2 hours"
      description = "Stale data: every daily phase ran well within ${var.stale_after_hours} hours."
      query       = <<-SQL
        ASSERT NOT EXISTS (
          SELECT 1
          FROM UNNEST(['scrapers', 'raw_processor', 'analytics', 'publishing_export']) AS fn
          LEFT JOIN `${local.datasets.nba_orchestration}.function_freshness` AS f
            ON f.function_name = fn
          WHERE f.last_ok_at IS NULL OR f.hours_since_ok > ${var.stale_after_hours}
        ) AS 'stale data: a daily phase has not run well for ${var.stale_after_hours} hours (see ${local.datasets.nba_orchestration}.function_freshness)';
      SQL
    }
  }
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  display_name = "nba-props ${local.env}: ${each.value}"
  type         = "email"
  labels = {
    email_address = each.value
  }
}

# --- failed invocations (the execution log's failures) ---

resource "google_logging_metric" "function_failures" {
  name        = "${local.env}_nba_function_failures"
  description = "Failed function invocations (each is a `failed` row of the execution log), by function and error class."
  filter      = <<-EOT
    resource.type="cloud_run_revision"
    resource.labels.service_name=~"^${local.service_prefix}"
    severity>=ERROR
    jsonPayload.message=("invocation failed" OR "execution log write failed; answering 500" OR "function panicked" OR "panic")
  EOT

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "function"
      value_type  = "STRING"
      description = "Registered function name (FUNCTION_TARGET)."
    }
    labels {
      key         = "error_class"
      value_type  = "STRING"
      description = "transient, internal, timeout… (empty for a panic or a failed log write)."
    }
  }

  label_extractors = {
    function    = "EXTRACT(labels.function)"
    error_class = "EXTRACT(jsonPayload.error_class)"
  }
}

resource "google_monitoring_alert_policy" "function_failures" {
  display_name = "nba-props ${local.env}: function failures"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "failed invocations in 10 minutes"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.function_failures.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.function"]
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A function failed (it answered 5xx: Pub/Sub redelivers, then dead-letters). Look at `${local.datasets.nba_orchestration}.recent_failures` or `nba status` locally; retries that later succeed close the incident."
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
}

# --- dead letters ---

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name = "nba-props ${local.env}: dead-lettered messages"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "messages waiting on a dead-letter subscription"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=monitoring.regex.full_match(\"${local.env}-.*-dlq-sub\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A message failed ${local.max_delivery_attempts} deliveries and was dead-lettered. Pull it from the `-dlq-sub` subscription to see why; after the fix, republish it on its topic."
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
}

# --- the coverage SLO and stale data: scheduled assertions ---

resource "google_service_account" "checks" {
  account_id   = "${local.env}-nba-checks"
  display_name = "nba-props ${local.env}: scheduled data checks"
}

resource "google_project_iam_member" "checks_job_user" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.checks.member
}

resource "google_bigquery_dataset_iam_member" "checks_read" {
  for_each = toset(["nba_predictions", "nba_orchestration"])

  dataset_id = google_bigquery_dataset.dataset[each.value].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.checks.member
}

# The Data Transfer service runs the checks as the checks account.
resource "google_service_account_iam_member" "dts_runs_checks" {
  service_account_id = google_service_account.checks.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com"
}

resource "google_bigquery_data_transfer_config" "check" {
  for_each = local.checks

  display_name         = "${local.env}-nba-check-${replace(each.key, "_", "-")}"
  location             = var.bigquery_location
  data_source_id       = "scheduled_query"
  schedule             = each.value.schedule
  service_account_name = google_service_account.checks.email

  params = {
    query = each.value.query
  }

  depends_on = [
    google_project_service.enabled,
    google_bigquery_table.view,
    google_service_account_iam_member.dts_runs_checks,
    google_bigquery_dataset_iam_member.checks_read,
  ]
}

resource "google_logging_metric" "check_failures" {
  name        = "${local.env}_nba_check_failures"
  description = "Failed scheduled data checks (coverage SLO, stale data), by check."
  filter      = <<-EOT
    resource.type="bigquery_dts_config"
    severity>=ERROR
    resource.labels.config_id=(${join(" OR ", [for c in google_bigquery_data_transfer_config.check : "\"${element(split("/", c.name), 5)}\""])})
  EOT

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
    labels {
      key         = "config_id"
      value_type  = "STRING"
      description = "Transfer config id of the check."
    }
  }

  label_extractors = {
    config_id = "EXTRACT(resource.labels.config_id)"
  }
}

resource "google_monitoring_alert_policy" "check" {
  for_each = local.checks

  display_name = "nba-props ${local.env}: ${replace(each.key, "_", " ")}"
  combiner     = "OR"
  severity     = each.key == "coverage_slo" ? "WARNING" : "ERROR"

  conditions {
    display_name = each.value.description
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.check_failures.name}\" AND resource.type=\"bigquery_dts_config\" AND metric.label.config_id=\"${element(split("/", google_bigquery_data_transfer_config.check[each.key].name), 5)}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "3600s"
        per_series_aligner = "ALIGN_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "${each.value.description} The transfer run's error message says which assertion failed."
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
}

# --- the clock ---

resource "google_monitoring_alert_policy" "clock_failures" {
  display_name = "nba-props ${local.env}: clock executions failed"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "failed clock workflow executions"
    condition_threshold {
      filter          = "metric.type=\"workflows.googleapis.com/finished_execution_count\" AND resource.type=\"workflows.googleapis.com/Workflow\" AND resource.label.workflow_id=\"${google_workflows_workflow.clock.name}\" AND metric.label.status=\"FAILED\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "900s"
        per_series_aligner = "ALIGN_SUM"
      }
      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A scheduled job (workflow tick, grading, export, transition or stall tick) failed: see the `${google_workflows_workflow.clock.name}` workflow's executions."
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
}
