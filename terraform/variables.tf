variable "project" {
  description = "Google Cloud project id to deploy into."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, buckets, Artifact Registry, Workflows and Cloud Scheduler."
  type        = string
  default     = "us-east1"
}

variable "environment" {
  description = "Environment prefix of every resource name (Names in shared/core/src/names.rs): topics and buckets `{env}-nba-…`, datasets and collections `{env}_nba_…`. The code knows dev and prod only (NBA_ENV)."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod (NBA_ENV accepts nothing else)."
  }
}

variable "bigquery_location" {
  description = "Location of the BigQuery datasets and the scheduled checks."
  type        = string
  default     = "US"
}

variable "firestore_location" {
  description = "Location of the Firestore database (a multi-region such as nam5, or a region)."
  type        = string
  default     = "nam5"
}

variable "create_firestore_database" {
  description = "Create the project's (default) Firestore database. Collections carry the environment prefix, so dev and prod can share one project: then only one of the two states (usually prod) creates the database, the other sets this to false."
  type        = bool
  default     = true
}

variable "image_tag" {
  description = "Tag of the function images in Artifact Registry (make deploy uses the git commit)."
  type        = string
}

variable "alert_emails" {
  description = "E-mail addresses notified by the alert policies (none: alerts only show in the console)."
  type        = list(string)
  default     = []
}

variable "deletion_protection" {
  description = "Protect tables, Cloud Run services and the Firestore database against `terraform destroy`."
  type        = bool
  default     = true
}

variable "public_api" {
  description = "Let anyone call the published API service (publishing_api). The published JSON is public by design; set false to keep it behind IAM."
  type        = bool
  default     = true
}

variable "coverage_check_schedule" {
  description = "When the coverage SLO check runs (BigQuery Data Transfer schedule, UTC): after the afternoon's predictions, before the first tips (23:30 UTC = 18:30 EST)."
  type        = string
  default     = "every day 23:30"
}

variable "stale_after_hours" {
  description = "A phase that has not run well for this many hours is stale (the stale-data check)."
  type        = number
  default     = 26
}

variable "traces" {
  description = "Export OpenTelemetry spans to Cloud Trace through a collector sidecar in every function's service (NBA_TRACES=otlp)."
  type        = bool
  default     = true
}

variable "otel_collector_image" {
  description = "The OpenTelemetry Collector sidecar's image (Google-built, with the googlecloud exporter)."
  type        = string
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/google-cloud-opentelemetry-collector/otelcol-google:0.122.1"
}
