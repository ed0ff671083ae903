//! The local object store: GCS's role on one machine.
//!
//! Object bodies live under `<root>/objects/<bucket>/<name>` (written by
//! `object_store`'s `LocalFileSystem`, which writes to a temporary file and
//! renames, so readers never see a half-written object). GCS reports metadata
//! a plain file cannot carry (generation, content type, hashes, custom
//! metadata), so each object has a JSON sidecar under
//! `<root>/objects-meta/<bucket>/<name>.json`; a separate tree keeps sidecars
//! out of listings.
//!
//! Every successful `put` and `copy` is an object *finalize*, reported to the
//! [`FinalizeSink`] (the local Eventarc) exactly like GCS reports it to
//! Eventarc. Limitation of a file system: an object `a` and an object `a/b`
//! cannot both exist (GCS allows it); the second write fails with `Io`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use ::object_store::local::LocalFileSystem;
use ::object_store::path::Path as StorePath;
use ::object_store::{ObjectStore as _, ObjectStoreExt as _, PutMode, PutPayload};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::Utc;
use futures::TryStreamExt as _;
use md5::{Digest as _, Md5};

use crate::ports::object_store::PutOptions;
use crate::{ObjectMeta, ObjectStore, ObjectStoreError};

/// Told about every completed write (GCS's `object.finalize`). The local
/// Eventarc implements it; delivery failures are the sink's to retry, so the
/// method cannot fail the write that already happened.
#[async_trait]
pub trait FinalizeSink: Send + Sync {
    async fn object_finalized(&self, meta: &ObjectMeta);
}

/// One name's write lock.
type NameLock = Arc<tokio::sync::Mutex<()>>;

/// Object storage on the local file system, with GCS-like metadata and
/// finalize notifications.
pub struct LocalObjectStore {
    data: LocalFileSystem,
    meta_root: PathBuf,
    data_root: PathBuf,
    sink: Option<Arc<dyn FinalizeSink>>,
    /// Last generation handed out: generations must strictly increase even when
    /// two writes fall in the same microsecond.
    last_generation: AtomicI64,
    /// Serialises writers of one name in this process so body and sidecar of
    /// an object always belong together.
    locks: Mutex<HashMap<(String, String), NameLock>>,
}

impl std::fmt::Debug for LocalObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalObjectStore")
            .field("root", &self.data_root)
            .finish_non_exhaustive()
    }
}

impl LocalObjectStore {
    /// Opens (creating directories as needed) a store under `root`.
    pub fn open(root: &Path) -> Result<Self, ObjectStoreError> {
        let data_root = root.join("objects");
        let meta_root = root.join("objects-meta");
        for dir in [&data_root, &meta_root] {
            std::fs::create_dir_all(dir).map_err(|e| io_err("", "", e))?;
        }
        let data = LocalFileSystem::new_with_prefix(&data_root).map_err(|e| io_err("", "", e))?;
        Ok(LocalObjectStore {
            data,
            meta_root,
            data_root,
            sink: None,
            last_generation: AtomicI64::new(0),
            locks: Mutex::new(HashMap::new()),
        })
    }

    /// Reports finalizes to `sink` (the local Eventarc).
    pub fn with_finalize_sink(mut self, sink: Arc<dyn FinalizeSink>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Directory holding the bodies of `bucket` (for inspection by tests and tools).
    pub fn bucket_dir(&self, bucket: &str) -> PathBuf {
        self.data_root.join(bucket)
    }

    fn data_path(bucket: &str, name: &str) -> Result<StorePath, ObjectStoreError> {
        check_name(bucket, name)?;
        StorePath::parse(format!("{bucket}/{name}")).map_err(|e| io_err(bucket, name, e))
    }

    fn meta_file(&self, bucket: &str, name: &str) -> PathBuf {
        self.meta_root.join(bucket).join(format!("{name}.json"))
    }

    fn lock_for(&self, bucket: &str, name: &str) -> NameLock {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        // Drop locks nobody holds so the map does not grow with every name ever written.
        if locks.len() > 1024 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry((bucket.to_owned(), name.to_owned())).or_default().clone()
    }

    /// A generation greater than any handed out before and than `floor`.
    fn next_generation(&self, floor: i64) -> i64 {
        let now = Utc::now().timestamp_micros();
        let mut prev = self.last_generation.load(Ordering::SeqCst);
        loop {
            let next = now.max(prev + 1).max(floor + 1);
            match self
                .last_generation
                .compare_exchange(prev, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return next,
                Err(actual) => prev = actual,
            }
        }
    }

    async fn read_meta(&self, bucket: &str, name: &str) -> Result<Option<ObjectMeta>, ObjectStoreError> {
        match tokio::fs::read(self.meta_file(bucket, name)).await {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io_err(bucket, name, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(bucket, name, e)),
        }
    }

    /// Writes the sidecar atomically (temp file + rename).
    async fn write_meta(&self, meta: &ObjectMeta) -> Result<(), ObjectStoreError> {
        let (bucket, name) = (meta.bucket.as_str(), meta.name.as_str());
        let path = self.meta_file(bucket, name);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| io_err(bucket, name, e))?;
        }
        let tmp = path.with_extension(format!("json.{}.tmp", uuid::Uuid::new_v4().simple()));
        let body = serde_json::to_vec_pretty(meta).map_err(|e| io_err(bucket, name, e))?;
        tokio::fs::write(&tmp, body)
            .await
            .map_err(|e| io_err(bucket, name, e))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| io_err(bucket, name, e))
    }

    /// Metadata of an object: its sidecar, or (for a body written by other
    /// means, e.g. copied in by hand) metadata derived from the body.
    async fn meta_of(&self, bucket: &str, name: &str) -> Result<ObjectMeta, ObjectStoreError> {
        let path = Self::data_path(bucket, name)?;
        let head = match self.data.head(&path).await {
            Ok(h) => h,
            Err(::object_store::Error::NotFound { .. }) => return Err(not_found(bucket, name)),
            Err(e) => return Err(io_err(bucket, name, e)),
        };
        if let Some(meta) = self.read_meta(bucket, name).await? {
            return Ok(meta);
        }
        let body = self.get(bucket, name).await?;
        let mut meta = describe(bucket, name, &body, String::new(), BTreeMap::new(), 0);
        meta.generation = head.last_modified.timestamp_micros();
        meta.time_created = head.last_modified;
        Ok(meta)
    }

    async fn finalize(&self, meta: &ObjectMeta) {
        if let Some(sink) = &self.sink {
            sink.object_finalized(meta).await;
        }
    }
}

/// Metadata of a body about to be written.
fn describe(
    bucket: &str,
    name: &str,
    body: &[u8],
    content_type: String,
    metadata: BTreeMap<String, String>,
    generation: i64,
) -> ObjectMeta {
    let md5 = Md5::digest(body);
    let crc = crc32c::crc32c(body);
    ObjectMeta {
        bucket: bucket.to_owned(),
        name: name.to_owned(),
        generation,
        size: body.len() as u64,
        content_type: if content_type.is_empty() {
            "application/octet-stream".to_owned()
        } else {
            content_type
        },
        md5_hash: BASE64.encode(md5),
        crc32c: BASE64.encode(crc.to_be_bytes()),
        time_created: Utc::now(),
        metadata,
    }
}

fn check_name(bucket: &str, name: &str) -> Result<(), ObjectStoreError> {
    let bad = |reason: &str| {
        Err(ObjectStoreError::Io {
            bucket: bucket.to_owned(),
            name: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if bucket.is_empty() || bucket.contains('/') || bucket.starts_with('.') {
        return bad("invalid bucket name");
    }
    if name.is_empty() || name.ends_with('/') || name.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return bad("invalid object name for the local store");
    }
    Ok(())
}

fn not_found(bucket: &str, name: &str) -> ObjectStoreError {
    ObjectStoreError::NotFound {
        bucket: bucket.to_owned(),
        name: name.to_owned(),
    }
}

fn io_err(bucket: &str, name: &str, e: impl std::fmt::Display) -> ObjectStoreError {
    ObjectStoreError::Io {
        bucket: bucket.to_owned(),
        name: name.to_owned(),
        reason: e.to_string(),
    }
}

#[async_trait]
impl ObjectStore for LocalObjectStore {
    async fn put(
        &self,
        bucket: &str,
        name: &str,
        body: Bytes,
        opts: PutOptions,
    ) -> Result<ObjectMeta, ObjectStoreError> {
        let path = Self::data_path(bucket, name)?;
        let lock = self.lock_for(bucket, name);
        let meta = {
            let _guard = lock.lock().await;
            let previous = self.read_meta(bucket, name).await?.map_or(0, |m| m.generation);
            let meta = describe(
                bucket,
                name,
                &body,
                opts.content_type,
                opts.metadata,
                self.next_generation(previous),
            );
            let mode = if opts.create_only {
                PutMode::Create
            } else {
                PutMode::Overwrite
            };
            match self.data.put_opts(&path, PutPayload::from(body), mode.into()).await {
                Ok(_) => {}
                Err(::object_store::Error::AlreadyExists { .. }) => {
                    return Err(ObjectStoreError::AlreadyExists {
                        bucket: bucket.to_owned(),
                        name: name.to_owned(),
                    });
                }
                Err(e) => return Err(io_err(bucket, name, e)),
            }
            self.write_meta(&meta).await?;
            meta
        };
        self.finalize(&meta).await;
        Ok(meta)
    }

    async fn get(&self, bucket: &str, name: &str) -> Result<Bytes, ObjectStoreError> {
        let path = Self::data_path(bucket, name)?;
        match self.data.get(&path).await {
            Ok(result) => result.bytes().await.map_err(|e| io_err(bucket, name, e)),
            Err(::object_store::Error::NotFound { .. }) => Err(not_found(bucket, name)),
            Err(e) => Err(io_err(bucket, name, e)),
        }
    }

    async fn head(&self, bucket: &str, name: &str) -> Result<ObjectMeta, ObjectStoreError> {
        self.meta_of(bucket, name).await
    }

    async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectMeta>, ObjectStoreError> {
        // object_store prefixes match whole path segments; GCS prefixes are plain
        // string prefixes. List from the prefix's directory and filter.
        let dir = match prefix.rfind('/') {
            Some(i) => format!("{bucket}/{}", &prefix[..i]),
            None => bucket.to_owned(),
        };
        let dir_path = StorePath::parse(&dir).map_err(|e| io_err(bucket, prefix, e))?;
        let entries: Vec<_> = match self.data.list(Some(&dir_path)).try_collect().await {
            Ok(entries) => entries,
            Err(::object_store::Error::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(io_err(bucket, prefix, e)),
        };
        let bucket_prefix = format!("{bucket}/");
        let mut names: Vec<String> = entries
            .iter()
            .filter_map(|e| e.location.as_ref().strip_prefix(&bucket_prefix).map(str::to_owned))
            .filter(|n| n.starts_with(prefix))
            .collect();
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            match self.meta_of(bucket, &name).await {
                Ok(meta) => out.push(meta),
                // Deleted between listing and reading: GCS listings are not snapshots either.
                Err(ObjectStoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn copy(&self, bucket: &str, from: &str, to: &str) -> Result<ObjectMeta, ObjectStoreError> {
        let source = self.meta_of(bucket, from).await?;
        let body = self.get(bucket, from).await?;
        let to_path = Self::data_path(bucket, to)?;
        let lock = self.lock_for(bucket, to);
        let meta = {
            let _guard = lock.lock().await;
            let previous = self.read_meta(bucket, to).await?.map_or(0, |m| m.generation);
            let generation = self.next_generation(previous);
            let meta = describe(bucket, to, &body, source.content_type, source.metadata, generation);
            self.data
                .put(&to_path, PutPayload::from(body))
                .await
                .map_err(|e| io_err(bucket, to, e))?;
            self.write_meta(&meta).await?;
            meta
        };
        self.finalize(&meta).await;
        Ok(meta)
    }

    async fn delete(&self, bucket: &str, name: &str) -> Result<(), ObjectStoreError> {
        let path = Self::data_path(bucket, name)?;
        let lock = self.lock_for(bucket, name);
        let _guard = lock.lock().await;
        match self.data.head(&path).await {
            Ok(_) => {}
            Err(::object_store::Error::NotFound { .. }) => return Err(not_found(bucket, name)),
            Err(e) => return Err(io_err(bucket, name, e)),
        }
        match tokio::fs::remove_file(self.meta_file(bucket, name)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(bucket, name, e)),
        }
        match self.data.delete(&path).await {
            Ok(()) | Err(::object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_err(bucket, name, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<ObjectMeta>>);

    #[async_trait]
    impl FinalizeSink for Recorder {
        async fn object_finalized(&self, meta: &ObjectMeta) {
            self.0.lock().unwrap().push(meta.clone());
        }
    }

    fn opts(ct: &str) -> PutOptions {
        PutOptions {
            content_type: ct.into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn put_reports_gcs_metadata_and_finalizes() {
        let dir = tempfile::tempdir().unwrap();
        let rec = Arc::new(Recorder::default());
        let store = LocalObjectStore::open(dir.path())
            .unwrap()
            .with_finalize_sink(rec.clone());
        let mut o = opts("application/json");
        o.metadata.insert("correlation_id".into(), "c-1".into());
        let meta = store
            .put("b", "x/y.json", Bytes::from_static(b"hello"), o)
            .await
            .unwrap();
        // Known values: GCS reports these for "hello".
        assert_eq!(meta.md5_hash, "XUFAKrxLKna5cZ2REBfFkg==");
        assert_eq!(meta.crc32c, BASE64.encode(crc32c::crc32c(b"hello").to_be_bytes()));
        assert_eq!(meta.size, 5);
        assert_eq!(store.head("b", "x/y.json").await.unwrap(), meta);
        assert_eq!(rec.0.lock().unwrap().as_slice(), std::slice::from_ref(&meta));
        assert!(dir.path().join("objects/b/x/y.json").is_file());
    }

    #[tokio::test]
    async fn generations_strictly_increase() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalObjectStore::open(dir.path()).unwrap();
        let mut last = 0;
        for i in 0..20 {
            let m = store.put("b", "same", Bytes::from(vec![i]), opts("")).await.unwrap();
            assert!(m.generation > last);
            last = m.generation;
        }
    }

    #[tokio::test]
    async fn create_only_refuses_existing() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalObjectStore::open(dir.path()).unwrap();
        let mut o = opts("text/plain");
        o.create_only = true;
        store.put("b", "k", Bytes::from_static(b"1"), o.clone()).await.unwrap();
        let err = store.put("b", "k", Bytes::from_static(b"2"), o).await.unwrap_err();
        assert!(matches!(err, ObjectStoreError::AlreadyExists { .. }), "{err}");
        assert_eq!(store.get("b", "k").await.unwrap(), Bytes::from_static(b"1"));
    }

    #[tokio::test]
    async fn list_uses_string_prefixes_and_copy_finalizes() {
        let dir = tempfile::tempdir().unwrap();
        let rec = Arc::new(Recorder::default());
        let store = LocalObjectStore::open(dir.path())
            .unwrap()
            .with_finalize_sink(rec.clone());
        for n in ["raw/2024-01-01/a", "raw/2024-01-02/b", "raw/2024-02-01/c", "other"] {
            store.put("b", n, Bytes::from_static(b"z"), opts("")).await.unwrap();
        }
        let names: Vec<_> = store
            .list("b", "raw/2024-01")
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["raw/2024-01-01/a", "raw/2024-01-02/b"]);
        assert!(store.list("nobucket", "").await.unwrap().is_empty());
        let copied = store.copy("b", "other", "quarantine/other").await.unwrap();
        assert_eq!(copied.name, "quarantine/other");
        assert_eq!(rec.0.lock().unwrap().len(), 5);
        store.delete("b", "other").await.unwrap();
        assert!(matches!(
            store.get("b", "other").await,
            Err(ObjectStoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.head("b", "other").await,
            Err(ObjectStoreError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn concurrent_writers_leave_a_consistent_object() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalObjectStore::open(dir.path()).unwrap());
        let mut tasks = Vec::new();
        for i in 0..16u8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .put("b", "hot", Bytes::from(vec![i; 1000]), opts(""))
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let body = store.get("b", "hot").await.unwrap();
        let meta = store.head("b", "hot").await.unwrap();
        assert_eq!(meta.md5_hash, BASE64.encode(Md5::digest(&body)));
    }
}
