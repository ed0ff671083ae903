# The clock. Cloud Scheduler cannot put today's ET date in a static body, so every job
# starts the `clock` workflow (workflows/clock.yaml) with the job's name; the workflow
# computes the dates and POSTs the workflow function's /tick (OIDC) or publishes the
# scheduler's message, exactly as the local day runner does. Times are America/New_York
# (DOMAIN.md, functions/scrapers/workflow.toml).

locals {
  clock_jobs = {
    # Scraper workflow: every 2 h covers the morning reference window, the ~2-hourly odds
    # snapshots before the first tip and the post-game box scores after midnight.
    workflow_tick = { schedule = "5 */2 * * *", description = "Scraper workflow tick (POST /tick for today, and yesterday until noon ET)." }
    # Yesterday's games are final and their box scores loaded by mid-morning.
    grading = { schedule = "30 10 * * *", description = "Grade yesterday's predictions (nba-grading-trigger)." }
    # Refreshes today's published status even when no batch crossed the publishing gate.
    export = { schedule = "45 6-23 * * *", description = "Export today's published documents and status (nba-phase6-export-trigger, reason scheduled)." }
    # Transition timeouts (the wait for lines) fire only on an evaluation.
    transitions_tick = { schedule = "*/30 10-23 * * *", description = "Re-evaluate today's phase transitions (TransitionTick)." }
    # Stalled prediction batches are consolidated as partial after their stall timeout.
    stall_tick = { schedule = "*/15 * * * *", description = "Re-evaluate stalled prediction batches (StallTick)." }
  }

  # Topics the clock publishes on.
  clock_topics = [
    "nba-grading-trigger",
    "nba-phase6-export-trigger",
    "nba-phase3-analytics-complete",
    "nba-prediction-ready",
  ]
}

# The clock workflow's identity: invokes the workflow function, publishes the clock topics.
resource "google_service_account" "clock" {
  account_id   = "${local.env}-nba-clock"
  display_name = "nba-props ${local.env}: clock workflow"
}

resource "google_pubsub_topic_iam_member" "clock_publisher" {
  for_each = toset(local.clock_topics)

  topic  = google_pubsub_topic.topic[each.value].id
  role   = "roles/pubsub.publisher"
  member = google_service_account.clock.member
}

# Cloud Scheduler's identity: may only start workflow executions.
resource "google_service_account" "scheduler" {
  account_id   = "${local.env}-nba-scheduler"
  display_name = "nba-props ${local.env}: Cloud Scheduler"
}

resource "google_project_iam_member" "scheduler_invokes_workflows" {
  project = var.project
  role    = "roles/workflows.invoker"
  member  = google_service_account.scheduler.member
}

resource "google_workflows_workflow" "clock" {
  name            = "${local.env}-nba-clock"
  region          = var.region
  description     = "The platform's clock: workflow ticks, grading, exports, transition and stall ticks."
  service_account = google_service_account.clock.id
  call_log_level  = "LOG_ERRORS_ONLY"
  source_contents = file("${path.module}/workflows/clock.yaml")

  user_env_vars = {
    NBA_ENV          = local.env
    NBA_WORKFLOW_URL = google_cloud_run_v2_service.function["workflow"].uri
  }


  depends_on = [google_project_service.enabled]
}

resource "google_cloud_scheduler_job" "clock" {
  for_each = local.clock_jobs

  name        = "${local.env}-nba-${replace(each.key, "_", "-")}"
  region      = var.region
  description = each.value.description
  schedule    = each.value.schedule
  time_zone   = "America/New_York"

  # Only the start of the execution is retried here; the execution's own failures are
  # alerted on (monitoring.tf).
  attempt_deadline = "60s"
  retry_config {
    retry_count          = 3
    min_backoff_duration = "10s"
    max_backoff_duration = "120s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://workflowexecutions.googleapis.com/v1/${google_workflows_workflow.clock.id}/executions"
    headers = {
      "Content-Type" = "application/json"
    }
    body = base64encode(jsonencode({
      argument     = jsonencode({ job = each.key })
      callLogLevel = "LOG_ERRORS_ONLY"
    }))

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_project_service.enabled]
}
