# Names, functions and their wiring. Names follow `Names` in shared/core/src/names.rs:
# topics and buckets `{env}-{id}`, datasets and Firestore collections `{env}_{id}`.
# `make terraform-check` verifies these lists against the Rust code.

locals {
  env = var.environment

  labels = {
    app         = "nba-props"
    environment = var.environment
    managed-by  = "terraform"
  }

  # Topic::ALL (canonical ids); each has a dead-letter twin `{id}-dlq`.
  topic_ids = [
    "nba-phase1-scrapers-complete",
    "nba-phase2-raw-complete",
    "nba-phase3-analytics-complete",
    "nba-phase4-trigger",
    "nba-phase4-precompute-complete",
    "nba-phase5-trigger",
    "nba-prediction-request",
    "nba-prediction-ready",
    "nba-phase5-predictions-complete",
    "nba-phase6-export-trigger",
    "nba-grading-trigger",
  ]

  # Bucket ids of the code (Bucket::ALL), plus two that only operations use.
  bucket_ids = {
    raw     = "nba-scraped-data"
    api     = "nba-api"
    models  = "nba-models"
    backups = "nba-backups"
    temp    = "nba-temp"
  }
  buckets = { for k, id in local.bucket_ids : k => "${local.env}-${id}" }

  # Dataset::ALL.
  dataset_ids = [
    "nba_raw",
    "nba_analytics",
    "nba_precompute",
    "nba_predictions",
    "nba_reference",
    "nba_orchestration",
  ]
  datasets = { for id in local.dataset_ids : id => "${local.env}_${id}" }

  # State-store collections (Firestore): the TTL policy covers each. Every one goes
  # through Names::collection, so it carries the environment prefix (`{env}_{id}`) and
  # environments sharing a project's database never see each other's documents.
  collection_ids = [
    "phase_transitions",              # functions/transitions/src/tracking.rs
    "precompute_date_locks",          # functions/precompute/src/function.rs
    "analytics_date_locks",           # functions/analytics/src/function.rs
    "prediction_batches",             # functions/predictions/src/batch.rs
    "prediction_consolidation_locks", # functions/predictions/src/lock.rs
    "raw_batch_locks",                # functions/raw/src/batch.rs
    "raw_processed_objects",          # functions/raw/src/claim.rs
  ]

  # The raw bucket's finalize notifications (cli/src/platform.rs: RAW_FINALIZE_TRIGGER,
  # dead letters on `{raw bucket}-finalize-dlq`).
  raw_finalize_topic     = "${local.buckets.raw}-finalize"
  raw_finalize_dlq_topic = "${local.buckets.raw}-finalize-dlq"

  # One Cloud Run service per registered function (FUNCTION_TARGET), grouped by binary.
  # Sizing: estimates from local measurements (see terraform/README.md "Sizing"): an idle
  # function holds ~47 MB; a whole day through every phase in one process peaked at 285 MiB.
  #   timeout      request timeout in seconds (Cloud Run); the function's own timeout
  #                (NBA_TIMEOUT_FUNCTION_SECS) is 30 s shorter so it logs its own failure.
  #   concurrency  requests per instance.
  #   ingress      INTERNAL_ONLY accepts Pub/Sub push, Workflows and Scheduler of this project.
  functions = {
    scrapers = {
      binary = "nba-scrapers", sa = "scrapers", cpu = "1", memory = "512Mi"
      min    = 0, max = 10, concurrency = 8, timeout = 600
      # Called by the workflow service over its run.app URL (IAM-authenticated, ID token).
      ingress = "INGRESS_TRAFFIC_ALL"
    }
    workflow = {
      binary  = "nba-scrapers", sa = "workflow", cpu = "1", memory = "512Mi"
      min     = 0, max = 1, concurrency = 1, timeout = 1800
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    raw_processor = {
      binary  = "nba-raw", sa = "raw", cpu = "1", memory = "1Gi"
      min     = 0, max = 20, concurrency = 4, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    analytics = {
      binary  = "nba-analytics", sa = "analytics", cpu = "1", memory = "1Gi"
      min     = 0, max = 5, concurrency = 4, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    transitions = {
      binary  = "nba-transitions", sa = "transitions", cpu = "1", memory = "512Mi"
      min     = 0, max = 5, concurrency = 16, timeout = 300
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    precompute = {
      binary  = "nba-precompute", sa = "precompute", cpu = "1", memory = "1Gi"
      min     = 0, max = 3, concurrency = 1, timeout = 900
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    prediction_coordinator = {
      binary  = "nba-predictions", sa = "coordinator", cpu = "1", memory = "512Mi"
      min     = 0, max = 2, concurrency = 1, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    prediction_worker = {
      binary  = "nba-predictions", sa = "worker", cpu = "1", memory = "512Mi"
      min     = 0, max = 20, concurrency = 8, timeout = 300
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    prediction_consolidator = {
      binary  = "nba-predictions", sa = "consolidator", cpu = "1", memory = "512Mi"
      min     = 0, max = 3, concurrency = 4, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    grading = {
      binary  = "nba-grading", sa = "grading", cpu = "1", memory = "512Mi"
      min     = 0, max = 2, concurrency = 1, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    publishing_export = {
      binary  = "nba-publishing", sa = "export", cpu = "1", memory = "1Gi"
      min     = 0, max = 2, concurrency = 1, timeout = 600
      ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY"
    }
    publishing_api = {
      binary  = "nba-publishing", sa = "api", cpu = "1", memory = "512Mi"
      min     = 1, max = 10, concurrency = 80, timeout = 60
      ingress = "INGRESS_TRAFFIC_ALL"
    }
  }

  binaries = toset([for f in local.functions : f.binary])

  # Which topic pushes to which function (cli/src/platform.rs PUSH_ROUTES,
  # nba_predictions::push_routes, nba_publishing::push_routes). Subscriptions are named
  # `{env}-{function}--{topic}` as the local platform names them `{function}--{topic}`.
  push_routes = {
    "analytics--nba-phase2-raw-complete"            = { topic = "nba-phase2-raw-complete", function = "analytics" }
    "transitions--nba-phase3-analytics-complete"    = { topic = "nba-phase3-analytics-complete", function = "transitions" }
    "precompute--nba-phase4-trigger"                = { topic = "nba-phase4-trigger", function = "precompute" }
    "transitions--nba-phase4-precompute-complete"   = { topic = "nba-phase4-precompute-complete", function = "transitions" }
    "grading--nba-grading-trigger"                  = { topic = "nba-grading-trigger", function = "grading" }
    "prediction_coordinator--nba-phase5-trigger"    = { topic = "nba-phase5-trigger", function = "prediction_coordinator" }
    "prediction_worker--nba-prediction-request"     = { topic = "nba-prediction-request", function = "prediction_worker" }
    "prediction_consolidator--nba-prediction-ready" = { topic = "nba-prediction-ready", function = "prediction_consolidator" }
    "publishing_export--nba-phase6-export-trigger"  = { topic = "nba-phase6-export-trigger", function = "publishing_export" }
  }

  # Topics each function publishes on (least privilege: publisher on these topics only).
  publishes = {
    scrapers      = ["nba-phase1-scrapers-complete"]
    workflow      = []
    raw_processor = ["nba-phase2-raw-complete"]
    analytics     = ["nba-phase3-analytics-complete"]
    transitions   = ["nba-phase4-trigger", "nba-phase5-trigger"]
    precompute    = ["nba-phase4-precompute-complete"]
    # The coordinator (an empty batch) and a worker (the last player) may consolidate too.
    prediction_coordinator  = ["nba-prediction-request", "nba-phase5-predictions-complete", "nba-phase6-export-trigger"]
    prediction_worker       = ["nba-prediction-ready", "nba-phase5-predictions-complete", "nba-phase6-export-trigger"]
    prediction_consolidator = ["nba-phase5-predictions-complete", "nba-phase6-export-trigger"]
    grading                 = ["nba-phase6-export-trigger"]
    publishing_export       = []
    publishing_api          = []
  }

  # Warehouse access by dataset: writers get dataEditor, readers dataViewer. Every function
  # writes its execution-log row to nba_orchestration.processor_execution_log.
  dataset_access = {
    scrapers                = { write = ["nba_orchestration"], read = ["nba_raw"] }
    workflow                = { write = ["nba_orchestration"], read = ["nba_raw"] }
    raw_processor           = { write = ["nba_raw", "nba_reference", "nba_orchestration"], read = [] }
    analytics               = { write = ["nba_analytics", "nba_orchestration"], read = ["nba_raw", "nba_reference"] }
    transitions             = { write = ["nba_orchestration"], read = ["nba_raw", "nba_analytics", "nba_precompute", "nba_predictions"] }
    precompute              = { write = ["nba_precompute", "nba_predictions", "nba_orchestration"], read = ["nba_raw", "nba_analytics", "nba_reference"] }
    prediction_coordinator  = { write = ["nba_predictions", "nba_orchestration"], read = ["nba_raw", "nba_analytics", "nba_precompute", "nba_reference"] }
    prediction_worker       = { write = ["nba_predictions", "nba_orchestration"], read = ["nba_raw", "nba_analytics", "nba_precompute"] }
    prediction_consolidator = { write = ["nba_predictions", "nba_orchestration"], read = [] }
    grading                 = { write = ["nba_predictions", "nba_orchestration"], read = ["nba_raw", "nba_analytics"] }
    publishing_export       = { write = ["nba_orchestration"], read = ["nba_raw", "nba_analytics", "nba_predictions", "nba_reference"] }
    publishing_api          = { write = [], read = ["nba_raw", "nba_analytics", "nba_predictions", "nba_reference", "nba_orchestration"] }
  }

  # Object-store access by bucket key (see local.buckets).
  bucket_access = {
    scrapers                = { "raw" = "roles/storage.objectUser" }
    workflow                = { "raw" = "roles/storage.objectViewer" }
    raw_processor           = { "raw" = "roles/storage.objectUser" }
    prediction_coordinator  = { "models" = "roles/storage.objectViewer" }
    prediction_worker       = { "models" = "roles/storage.objectViewer" }
    prediction_consolidator = { "models" = "roles/storage.objectViewer" }
    publishing_export       = { "api" = "roles/storage.objectUser" }
    publishing_api          = { "api" = "roles/storage.objectViewer" }
  }

  # Functions that keep state in Firestore (batches, locks, claims, transition tracking).
  firestore_users = ["raw_processor", "transitions", "prediction_coordinator", "prediction_worker", "prediction_consolidator"]

  # API keys (functions/scrapers/src/http/secrets.rs): the environment variable the scraper
  # reads, and the Secret Manager secret Cloud Run mounts into it. Values are added by hand.
  secrets = {
    NBA_SECRET_ODDS_API_KEY        = "${local.env}-nba-secret-odds-api-key"
    NBA_SECRET_BALLDONTLIE_API_KEY = "${local.env}-nba-secret-balldontlie-api-key"
    NBA_SECRET_BETTINGPROS_API_KEY = "${local.env}-nba-secret-bettingpros-api-key"
  }

  image_repository = "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.images.repository_id}"
}
