# Topics between the phases, their dead-letter twins, a pull subscription on every
# dead-letter topic (so nothing dead-lettered is lost), and the OIDC-authenticated push
# subscriptions that deliver to the Cloud Run services.

locals {
  # Delivery policy of every push subscription. The ack deadline is Pub/Sub's maximum and
  # equals Timeouts::ack_deadline (shared/core/src/config.rs); redeliveries back off
  # exponentially from 10 s to 10 min; the fifth failed delivery goes to the dead letters.
  ack_deadline_seconds  = 600
  min_backoff           = "10s"
  max_backoff           = "600s"
  max_delivery_attempts = 5
  # Dead letters are kept 7 days whether or not they are acked, for a replay (`gcloud
  # pubsub subscriptions seek`) after a fix.
  dlq_retention = "604800s"

  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "topic" {
  #checkov:skip=CKV_GCP_83:Messages carry public sports data and ids; Google-managed encryption is enough and CMEK would add a KMS dependency to every publish.
  for_each = toset(local.topic_ids)

  name                       = "${local.env}-${each.value}"
  message_retention_duration = "86400s"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Dead letters carry the same public data as their topic; Google-managed encryption.
  for_each = toset(local.topic_ids)

  name = "${local.env}-${each.value}-dlq"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "dead_letter" {
  for_each = google_pubsub_topic.dead_letter

  name                       = "${each.value.name}-sub"
  topic                      = each.value.id
  ack_deadline_seconds       = 60
  message_retention_duration = local.dlq_retention
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}

# The raw bucket's object-finalize notifications and their dead letters.
resource "google_pubsub_topic" "raw_finalize" {
  #checkov:skip=CKV_GCP_83:Notifications carry object names only; Google-managed encryption.
  name                       = local.raw_finalize_topic
  message_retention_duration = "86400s"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "raw_finalize_dead_letter" {
  #checkov:skip=CKV_GCP_83:Notifications carry object names only; Google-managed encryption.
  name = local.raw_finalize_dlq_topic

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "raw_finalize_dead_letter" {
  name                       = "${local.raw_finalize_dlq_topic}-sub"
  topic                      = google_pubsub_topic.raw_finalize_dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = local.dlq_retention
  retain_acked_messages      = true

  expiration_policy {
    ttl = ""
  }
}

# The identity Pub/Sub signs push requests with (OIDC): it may invoke the pushed services.
resource "google_service_account" "pubsub_push" {
  account_id   = "${local.env}-nba-pubsub-push"
  display_name = "nba-props ${local.env}: Pub/Sub push identity"
}

# Pub/Sub mints the push identity's OIDC tokens (needed in projects created before 2021-04).
resource "google_service_account_iam_member" "pubsub_mints_push_tokens" {
  service_account_id = google_service_account.pubsub_push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_pubsub_subscription" "push" {
  for_each = local.push_routes

  name                       = "${local.env}-${each.key}"
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = local.ack_deadline_seconds
  message_retention_duration = "604800s"

  push_config {
    push_endpoint = google_cloud_run_v2_service.function[each.value.function].uri
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = google_cloud_run_v2_service.function[each.value.function].uri
    }
  }

  retry_policy {
    minimum_backoff = local.min_backoff
    maximum_backoff = local.max_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.value.topic].id
    max_delivery_attempts = local.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
  ]
}

# The raw processor's trigger (RAW_FINALIZE_TRIGGER in cli/src/platform.rs). Objects the
# processor itself moves under quarantine/ are not delivered back to it.
resource "google_pubsub_subscription" "raw_finalize" {
  name                       = "${local.env}-raw-processor-finalize"
  topic                      = google_pubsub_topic.raw_finalize.id
  ack_deadline_seconds       = local.ack_deadline_seconds
  message_retention_duration = "604800s"
  filter                     = "NOT hasPrefix(attributes.objectId, \"quarantine/\")"

  push_config {
    push_endpoint = google_cloud_run_v2_service.function["raw_processor"].uri
    oidc_token {
      service_account_email = google_service_account.pubsub_push.email
      audience              = google_cloud_run_v2_service.function["raw_processor"].uri
    }
  }

  retry_policy {
    minimum_backoff = local.min_backoff
    maximum_backoff = local.max_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.raw_finalize_dead_letter.id
    max_delivery_attempts = local.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_topic_iam_member.raw_finalize_dead_letter_publisher]
}

# Dead-lettering: the Pub/Sub service agent publishes to the dead-letter topics and
# acknowledges on the source subscriptions.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = google_pubsub_topic.dead_letter

  topic  = each.value.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_topic_iam_member" "raw_finalize_dead_letter_publisher" {
  topic  = google_pubsub_topic.raw_finalize_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = google_pubsub_subscription.push

  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "raw_finalize_subscriber" {
  subscription = google_pubsub_subscription.raw_finalize.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Functions publish on their own topics only.
resource "google_pubsub_topic_iam_member" "function_publisher" {
  for_each = {
    for pair in flatten([
      for fn, topics in local.publishes : [for t in topics : { fn = fn, topic = t }]
    ]) : "${pair.fn}/${pair.topic}" => pair
  }

  topic  = google_pubsub_topic.topic[each.value.topic].id
  role   = "roles/pubsub.publisher"
  member = google_service_account.function[each.value.fn].member
}

# Topics no function consumes (the scrapers' and the consolidator's completions, read by
# operators and monitoring): a pull subscription keeps a week of them for inspection.
resource "google_pubsub_subscription" "audit" {
  for_each = toset([
    for id in local.topic_ids : id if !contains([for r in local.push_routes : r.topic], id)
  ])

  name                       = "${local.env}-${each.value}-audit"
  topic                      = google_pubsub_topic.topic[each.value].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}
