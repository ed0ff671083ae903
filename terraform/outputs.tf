output "function_urls" {
  description = "Cloud Run URL of every function."
  value       = { for k, s in google_cloud_run_v2_service.function : k => s.uri }
}

output "api_url" {
  description = "The published API and dashboard."
  value       = google_cloud_run_v2_service.function["publishing_api"].uri
}

output "image_repository" {
  description = "Where `make deploy` pushes the images (<repository>/<binary>:<tag>)."
  value       = local.image_repository
}

output "buckets" {
  description = "Bucket names by role."
  value       = local.buckets
}

output "datasets" {
  description = "BigQuery dataset ids by canonical id."
  value       = local.datasets
}
