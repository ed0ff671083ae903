//! Cloud Storage over its JSON API (the API fake-gcs-server emulates in full).
//!
//! Why REST and not `google-cloud-storage`: that crate reads and writes over HTTP
//! but heads, lists, copies and deletes through the gRPC `StorageControl`
//! service, which no emulator available here serves; one JSON client keeps every
//! operation testable against the emulator.
//!
//! * Create-if-absent is `ifGenerationMatch=0` (a 412 becomes `AlreadyExists`).
//! * `PutOptions::gzip` uploads gzip bytes with `contentEncoding: gzip`; reads ask for
//!   gzip and inflate (reqwest's `gzip`), so an object travels compressed both ways.
//! * `STORAGE_EMULATOR_HOST` selects the emulator (see [`super::GcpOptions`]).

use std::collections::BTreeMap;
use std::io::Write as _;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::rest::{Rest, RestError, encode_segment};
use crate::ports::object_store::PutOptions;
use crate::{ObjectMeta, ObjectStore, ObjectStoreError};

/// Page size of object listings (the API's maximum is 1000).
const LIST_PAGE: u32 = 1000;
/// Multipart boundary prefix. The media part ends at the closing boundary, so the
/// boundary must not occur in the body: a random suffix per request sees to that.
const BOUNDARY_PREFIX: &str = "nba_props_boundary_";

/// [`ObjectStore`] on Cloud Storage.
#[derive(Clone, Debug)]
pub struct GcsObjectStore {
    rest: Rest,
}

/// The fields of GCS's object resource we read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GcsObject {
    bucket: String,
    name: String,
    #[serde(default)]
    generation: String,
    #[serde(default)]
    size: String,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    md5_hash: Option<String>,
    #[serde(default)]
    crc32c: Option<String>,
    #[serde(default)]
    time_created: Option<DateTime<Utc>>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
}

impl GcsObject {
    fn into_meta(self) -> ObjectMeta {
        ObjectMeta {
            generation: self.generation.parse().unwrap_or_default(),
            size: self.size.parse().unwrap_or_default(),
            content_type: self.content_type.unwrap_or_default(),
            md5_hash: self.md5_hash.unwrap_or_default(),
            crc32c: self.crc32c.unwrap_or_default(),
            time_created: self.time_created.unwrap_or_default(),
            metadata: self.metadata.unwrap_or_default(),
            bucket: self.bucket,
            name: self.name,
        }
    }
}

impl GcsObjectStore {
    pub fn new(rest: Rest) -> Self {
        GcsObjectStore { rest }
    }

    /// Creates a bucket (emulators and tests; real buckets are Terraform's).
    pub async fn create_bucket(&self, project: &str, bucket: &str) -> Result<(), ObjectStoreError> {
        let path = format!("/storage/v1/b?project={}", encode_segment(project));
        match self
            .rest
            .send(Method::POST, &path, |r| r.json(&json!({"name": bucket})))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is(StatusCode::CONFLICT) => Ok(()),
            Err(e) => Err(map_err(bucket, "", e)),
        }
    }

    fn object_path(bucket: &str, name: &str) -> String {
        format!("/storage/v1/b/{}/o/{}", encode_segment(bucket), encode_segment(name))
    }

    async fn object_json(
        &self,
        method: Method,
        path: &str,
        bucket: &str,
        name: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<ObjectMeta, ObjectStoreError> {
        let value = self
            .rest
            .json(method, path, build)
            .await
            .map_err(|e| map_err(bucket, name, e))?;
        decode_object(bucket, name, value)
    }
}

fn decode_object(bucket: &str, name: &str, value: Value) -> Result<ObjectMeta, ObjectStoreError> {
    serde_json::from_value::<GcsObject>(value)
        .map(GcsObject::into_meta)
        .map_err(|e| io(bucket, name, format!("object resource: {e}")))
}

fn io(bucket: &str, name: &str, reason: impl Into<String>) -> ObjectStoreError {
    ObjectStoreError::Io {
        bucket: bucket.to_owned(),
        name: name.to_owned(),
        reason: reason.into(),
    }
}

fn map_err(bucket: &str, name: &str, e: RestError) -> ObjectStoreError {
    let (bucket, name) = (bucket.to_owned(), name.to_owned());
    match e.code() {
        Some(StatusCode::NOT_FOUND) => ObjectStoreError::NotFound { bucket, name },
        Some(StatusCode::PRECONDITION_FAILED) => ObjectStoreError::AlreadyExists { bucket, name },
        _ => ObjectStoreError::Io {
            bucket,
            name,
            reason: e.to_string(),
        },
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    // Default level: raw JSON shrinks ~10x; level 9 buys little for much more CPU.
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
    enc.write_all(body)?;
    enc.finish()
}

/// A `multipart/related` upload body: the object resource, then the media.
fn multipart(resource: &Value, content_type: &str, media: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("{BOUNDARY_PREFIX}{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(media.len() + 512);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").as_bytes());
    body.extend_from_slice(resource.to_string().as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: {content_type}\r\n\r\n").as_bytes());
    body.extend_from_slice(media);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/related; boundary={boundary}"), body)
}

#[async_trait]
impl ObjectStore for GcsObjectStore {
    async fn put(
        &self,
        bucket: &str,
        name: &str,
        body: Bytes,
        opts: PutOptions,
    ) -> Result<ObjectMeta, ObjectStoreError> {
        let content_type = if opts.content_type.is_empty() {
            "application/octet-stream".to_owned()
        } else {
            opts.content_type
        };
        let mut resource = json!({"name": name, "contentType": content_type, "metadata": opts.metadata});
        let media = if opts.gzip {
            resource["contentEncoding"] = json!("gzip");
            Bytes::from(gzip(&body).map_err(|e| io(bucket, name, format!("gzip: {e}")))?)
        } else {
            body
        };
        let mut path = format!("/upload/storage/v1/b/{}/o?uploadType=multipart", encode_segment(bucket));
        if opts.create_only {
            path.push_str("&ifGenerationMatch=0");
        }
        let (mime, payload) = multipart(&resource, &content_type, &media);
        let payload = Bytes::from(payload);
        self.object_json(Method::POST, &path, bucket, name, |r| {
            r.header(reqwest::header::CONTENT_TYPE, &mime).body(payload.clone())
        })
        .await
    }

    async fn get(&self, bucket: &str, name: &str) -> Result<Bytes, ObjectStoreError> {
        let path = format!("{}?alt=media", Self::object_path(bucket, name));
        let response = self
            .rest
            .send(Method::GET, &path, |r| r)
            .await
            .map_err(|e| map_err(bucket, name, e))?;
        response.bytes().await.map_err(|e| io(bucket, name, e.to_string()))
    }

    async fn head(&self, bucket: &str, name: &str) -> Result<ObjectMeta, ObjectStoreError> {
        self.object_json(Method::GET, &Self::object_path(bucket, name), bucket, name, |r| r)
            .await
    }

    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectMeta>, ObjectStoreError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!(
                "/storage/v1/b/{}/o?prefix={}&maxResults={LIST_PAGE}",
                encode_segment(bucket),
                encode_segment(prefix)
            );
            if let Some(t) = &token {
                path.push_str(&format!("&pageToken={}", encode_segment(t)));
            }
            let page = self
                .rest
                .json(Method::GET, &path, |r| r)
                .await
                .map_err(|e| map_err(bucket, prefix, e))?;
            for item in page.get("items").and_then(Value::as_array).into_iter().flatten() {
                out.push(decode_object(bucket, prefix, item.clone())?);
            }
            token = page.get("nextPageToken").and_then(Value::as_str).map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        // The API lists in name order already; sorting keeps the promise explicit.
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn copy(&self, bucket: &str, from: &str, to: &str) -> Result<ObjectMeta, ObjectStoreError> {
        let base = format!(
            "{}/rewriteTo/b/{}/o/{}",
            Self::object_path(bucket, from),
            encode_segment(bucket),
            encode_segment(to)
        );
        let mut token: Option<String> = None;
        // A rewrite of a large object may take several calls, each resuming with the token.
        loop {
            let path = match &token {
                Some(t) => format!("{base}?rewriteToken={}", encode_segment(t)),
                None => base.clone(),
            };
            let answer = self
                .rest
                .json(Method::POST, &path, |r| r.json(&json!({})))
                .await
                .map_err(|e| map_err(bucket, from, e))?;
            if answer.get("done").and_then(Value::as_bool) == Some(true) {
                let resource = answer.get("resource").cloned().unwrap_or(Value::Null);
                return decode_object(bucket, to, resource);
            }
            token = answer.get("rewriteToken").and_then(Value::as_str).map(str::to_owned);
            if token.is_none() {
                return Err(io(bucket, to, "rewrite neither done nor resumable"));
            }
        }
    }

    async fn delete(&self, bucket: &str, name: &str) -> Result<(), ObjectStoreError> {
        self.rest
            .send(Method::DELETE, &Self::object_path(bucket, name), |r| r)
            .await
            .map(|_| ())
            .map_err(|e| map_err(bucket, name, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_body_carries_resource_then_media() {
        let (mime, body) = multipart(&json!({"name": "a"}), "text/plain", b"hello");
        let boundary = mime.strip_prefix("multipart/related; boundary=").expect("boundary");
        let text = String::from_utf8(body).expect("utf8");
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("{\"name\":\"a\"}\r\n"));
        assert!(text.ends_with(&format!("text/plain\r\n\r\nhello\r\n--{boundary}--\r\n")));
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read as _;
        let packed = gzip(b"hello hello hello").expect("gzip");
        let mut out = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut out)
            .expect("inflate");
        assert_eq!(out, "hello hello hello");
    }
}
