//! The state store on SQLite (Firestore's role): one file,
//! `<root>/state.sqlite`, safe to share between processes (a CLI, a replay
//! driver and the functions may all hold it open).
//!
//! WAL mode lets readers proceed while a writer commits; `busy_timeout` makes
//! a contended lock wait instead of failing; transactions take the write lock
//! up front (`BEGIN IMMEDIATE`) so a read-modify-write cannot interleave with
//! another process's, and are retried when the lock stays busy. Expiry is
//! evaluated on read (an expired document is absent), as Firestore's TTL
//! deletion is lazy too.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use crate::ports::state::{Created, TxnFn};
use crate::{Document, StateError, StateStore, TxnOutcome};

/// How long one statement waits for another process's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts of a transaction whose lock stays busy past `BUSY_TIMEOUT`.
const MAX_ATTEMPTS: u32 = 8;

const SCHEMA_SQL: &str = "CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (collection, id)
) WITHOUT ROWID";

/// SQLite-backed [`StateStore`]. Cheap to clone (clones share one connection;
/// open the file again for another connection).
#[derive(Clone)]
pub struct SqliteStateStore {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStateStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn backend(e: impl std::fmt::Display) -> StateError {
    StateError::Backend(e.to_string())
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn classify(e: rusqlite::Error) -> StateError {
    if is_busy(&e) {
        StateError::Busy(e.to_string())
    } else {
        StateError::Backend(e.to_string())
    }
}

impl SqliteStateStore {
    /// Opens (creating) the store file.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let conn = Connection::open(path).map_err(classify)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(classify)?;
        // Switching to WAL needs a brief exclusive lock; retry if another process holds one.
        retry(|| conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0)))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(classify)?;
        retry(|| conn.execute_batch(SCHEMA_SQL))?;
        Ok(SqliteStateStore {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes expired documents (they already read as absent; this reclaims space).
    pub async fn purge_expired(&self) -> Result<u64, StateError> {
        self.run(|conn| {
            retry(|| conn.execute("DELETE FROM documents WHERE expires_at <= ?1", [now_micros()])).map(|n| n as u64)
        })
        .await
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StateError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| StateError::Backend(format!("state task failed: {e}")))?
    }
}

/// Runs `f`, retrying with a short growing pause while the database is busy.
fn retry<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> Result<T, StateError> {
    let mut attempt = 0;
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if is_busy(&e) && attempt + 1 < MAX_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(5 << attempt.min(6)));
            }
            Err(e) => return Err(classify(e)),
        }
    }
}

/// Runs `f` inside `BEGIN IMMEDIATE … COMMIT`, retried as a whole when busy.
fn immediate<T>(
    conn: &mut Connection,
    mut f: impl FnMut(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> Result<T, StateError> {
    retry(|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    })
}

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

fn expiry(ttl: Option<Duration>) -> Option<i64> {
    ttl.map(|ttl| now_micros().saturating_add(i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX)))
}

fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// Reads an unexpired document.
fn read(conn: &Connection, collection: &str, id: &str) -> rusqlite::Result<Option<Document>> {
    conn.query_row(
        "SELECT data, updated_at, expires_at FROM documents
         WHERE collection = ?1 AND id = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
        params![collection, id, now_micros()],
        |r| {
            let data: String = r.get(0)?;
            let data: Value = serde_json::from_str(&data)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))?;
            Ok(Document {
                collection: collection.to_owned(),
                id: id.to_owned(),
                data,
                updated_at: from_micros(r.get(1)?),
                expires_at: r.get::<_, Option<i64>>(2)?.map(from_micros),
            })
        },
    )
    .optional()
}

/// Writes a document (replacing any, expired or not) and returns it.
fn write(
    conn: &Connection,
    collection: &str,
    id: &str,
    data: &Value,
    ttl: Option<Duration>,
) -> rusqlite::Result<Document> {
    let now = now_micros();
    let expires = expiry(ttl);
    conn.execute(
        "INSERT INTO documents (collection, id, data, updated_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at",
        params![collection, id, data.to_string(), now, expires],
    )?;
    Ok(Document {
        collection: collection.to_owned(),
        id: id.to_owned(),
        data: data.clone(),
        updated_at: from_micros(now),
        expires_at: expires.map(from_micros),
    })
}

#[async_trait]
impl StateStore for SqliteStateStore {
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>, StateError> {
        let (c, i) = (collection.to_owned(), id.to_owned());
        self.run(move |conn| retry(|| read(conn, &c, &i))).await
    }

    async fn set(&self, collection: &str, id: &str, data: Value, ttl: Option<Duration>) -> Result<(), StateError> {
        let (c, i) = (collection.to_owned(), id.to_owned());
        self.run(move |conn| retry(|| write(conn, &c, &i, &data, ttl).map(drop)))
            .await
    }

    async fn create_if_absent(
        &self,
        collection: &str,
        id: &str,
        data: Value,
        ttl: Option<Duration>,
    ) -> Result<Created, StateError> {
        let (c, i) = (collection.to_owned(), id.to_owned());
        self.run(move |conn| {
            immediate(conn, |tx| match read(tx, &c, &i)? {
                Some(existing) => Ok(Created::Exists(existing)),
                // Absent or expired: take it over.
                None => write(tx, &c, &i, &data, ttl).map(|_| Created::Created),
            })
        })
        .await
    }

    async fn delete(&self, collection: &str, id: &str) -> Result<(), StateError> {
        let (c, i) = (collection.to_owned(), id.to_owned());
        self.run(move |conn| {
            retry(|| conn.execute("DELETE FROM documents WHERE collection = ?1 AND id = ?2", params![c, i])).map(drop)
        })
        .await
    }

    async fn transact(&self, collection: &str, id: &str, mut f: TxnFn) -> Result<Option<Document>, StateError> {
        let (c, i) = (collection.to_owned(), id.to_owned());
        self.run(move |conn| {
            immediate(conn, |tx| {
                let current = read(tx, &c, &i)?;
                match f(current.as_ref()) {
                    TxnOutcome::Write { data, ttl } => write(tx, &c, &i, &data, ttl).map(Some),
                    TxnOutcome::Delete => {
                        tx.execute("DELETE FROM documents WHERE collection = ?1 AND id = ?2", params![c, i])?;
                        Ok(None)
                    }
                    TxnOutcome::Keep => Ok(current),
                }
            })
        })
        .await
    }

    async fn list(&self, collection: &str) -> Result<Vec<Document>, StateError> {
        let c = collection.to_owned();
        self.run(move |conn| {
            retry(|| {
                let mut stmt = conn.prepare(
                    "SELECT id FROM documents WHERE collection = ?1 AND (expires_at IS NULL OR expires_at > ?2)
                     ORDER BY id",
                )?;
                let ids = stmt.query_map(params![c, now_micros()], |r| r.get::<_, String>(0))?;
                let ids: Vec<String> = ids.collect::<rusqlite::Result<_>>()?;
                // Re-read each (cheap locally) so every field is decoded in one place.
                ids.iter()
                    .filter_map(|id| read(conn, &c, id).transpose())
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CHILD_ENV: &str = "NBA_STATE_CHILD_DB";

    #[tokio::test]
    async fn expired_documents_are_absent_and_can_be_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStateStore::open(&dir.path().join("state.sqlite")).unwrap();
        store
            .set("locks", "a", json!(1), Some(Duration::from_millis(30)))
            .await
            .unwrap();
        assert!(store.get("locks", "a").await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(store.get("locks", "a").await.unwrap().is_none());
        assert!(store.list("locks").await.unwrap().is_empty());
        assert_eq!(
            store.create_if_absent("locks", "a", json!(2), None).await.unwrap(),
            Created::Created
        );
        assert_eq!(store.get("locks", "a").await.unwrap().unwrap().data, json!(2));
        store
            .set("locks", "b", json!(1), Some(Duration::from_millis(1)))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(store.purge_expired().await.unwrap(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_connections_create_exactly_once_and_count_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        // Separate stores = separate connections, as separate processes would have.
        let stores: Vec<_> = (0..8).map(|_| SqliteStateStore::open(&path).unwrap()).collect();
        let mut tasks = Vec::new();
        for (n, store) in stores.iter().enumerate() {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.create_if_absent("claims", "x", json!(n), None).await
            }));
        }
        let mut created = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() == Created::Created {
                created += 1;
            }
        }
        assert_eq!(created, 1);

        let mut tasks = Vec::new();
        for k in 0..200 {
            let store = stores[k % stores.len()].clone();
            tasks.push(tokio::spawn(async move {
                store
                    .transact(
                        "counters",
                        "c",
                        Box::new(|doc| {
                            let n = doc.and_then(|d| d.data.as_i64()).unwrap_or(0);
                            TxnOutcome::Write {
                                data: json!(n + 1),
                                ttl: None,
                            }
                        }),
                    )
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(stores[0].get("counters", "c").await.unwrap().unwrap().data, json!(200));
    }

    /// Runs only as a child of `separate_processes_agree`: claims "x" and adds 25 to the counter.
    #[tokio::test]
    async fn child_process_entry() {
        let Ok(path) = std::env::var(CHILD_ENV) else { return };
        let store = SqliteStateStore::open(Path::new(&path)).unwrap();
        let outcome = store
            .create_if_absent("claims", "x", json!(std::process::id()), None)
            .await
            .unwrap();
        println!(
            "CHILD-RESULT {}",
            if outcome == Created::Created {
                "created"
            } else {
                "exists"
            }
        );
        for _ in 0..25 {
            store
                .transact(
                    "counters",
                    "c",
                    Box::new(|doc| {
                        let n = doc.and_then(|d| d.data.as_i64()).unwrap_or(0);
                        TxnOutcome::Write {
                            data: json!(n + 1),
                            ttl: None,
                        }
                    }),
                )
                .await
                .unwrap();
        }
    }

    #[test]
    fn separate_processes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(&exe)
                    .args([
                        "embedded::state::tests::child_process_entry",
                        "--exact",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env(CHILD_ENV, &path)
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut created = 0;
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("CHILD-RESULT"), "{text}");
            created += text.matches("CHILD-RESULT created").count();
        }
        assert_eq!(created, 1);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let store = SqliteStateStore::open(&path).unwrap();
        let total = rt.block_on(store.get("counters", "c")).unwrap().unwrap();
        assert_eq!(total.data, json!(100));
    }
}
