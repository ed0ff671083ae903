//! Contract suites for the ports: what any adapter must do, written once and
//! run against every implementation (the embedded adapters in this crate's
//! tests; the Google adapters against the emulators), so local runs and the
//! cloud cannot drift apart unnoticed.
//!
//! Each suite panics (like `assert!`) on the first broken promise. They use
//! fresh names (a random suffix) so they can share a long-lived emulator.
//! Enabled by the `contract-tests` feature.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use chrono::NaiveDate;
use nba_core::Dataset;
use nba_schemas::{Column, ColumnType, Row, TableSchema, WriteStrategy};
use serde_json::{Value, json};

use crate::ports::object_store::PutOptions;
use crate::ports::state::Created;
use crate::{
    ObjectStore, ObjectStoreError, OutgoingMessage, PartitionRange, PubSubError, Publisher, StateStore, TxnOutcome,
    Warehouse, WarehouseError, WriteStats,
};

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Object store: write/read/head/list/copy/delete, create-only, generations, hashes.
pub async fn object_store_contract(store: &dyn ObjectStore, bucket: &str) {
    let base = format!("contract-{}/", suffix());
    let name = format!("{base}a/one.json");
    let mut opts = PutOptions {
        content_type: "application/json".into(),
        ..Default::default()
    };
    opts.metadata.insert("correlation_id".into(), "contract".into());

    let meta = store
        .put(bucket, &name, Bytes::from_static(b"hello"), opts.clone())
        .await
        .expect("put");
    assert_eq!(
        (meta.bucket.as_str(), meta.name.as_str(), meta.size),
        (bucket, name.as_str(), 5)
    );
    assert_eq!(meta.content_type, "application/json");
    assert_eq!(
        meta.md5_hash, "XUFAKrxLKna5cZ2REBfFkg==",
        "base64 MD5 as GCS reports it"
    );
    assert_eq!(meta.crc32c, "mnG7TA==", "base64 big-endian CRC32C as GCS reports it");
    assert_eq!(
        meta.metadata.get("correlation_id").map(String::as_str),
        Some("contract")
    );
    assert_eq!(
        store.get(bucket, &name).await.expect("get"),
        Bytes::from_static(b"hello")
    );

    let head = store.head(bucket, &name).await.expect("head");
    assert_eq!(
        (head.generation, &head.md5_hash, &head.metadata),
        (meta.generation, &meta.md5_hash, &meta.metadata)
    );

    let second = store
        .put(bucket, &name, Bytes::from_static(b"hello again"), opts.clone())
        .await
        .expect("overwrite");
    assert!(second.generation > meta.generation, "a rewrite gets a newer generation");

    let mut create_only = opts.clone();
    create_only.create_only = true;
    let err = store
        .put(bucket, &name, Bytes::from_static(b"x"), create_only.clone())
        .await
        .expect_err("create_only");
    assert!(matches!(err, ObjectStoreError::AlreadyExists { .. }), "{err}");
    let fresh = format!("{base}a/two.json");
    store
        .put(bucket, &fresh, Bytes::from_static(b"2"), create_only)
        .await
        .expect("create_only on a new name");

    store
        .put(
            bucket,
            &format!("{base}b/three"),
            Bytes::from_static(b"3"),
            PutOptions::default(),
        )
        .await
        .expect("put");
    let listed: Vec<String> = store
        .list(bucket, &format!("{base}a"))
        .await
        .expect("list")
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(
        listed,
        [name.clone(), fresh.clone()],
        "list is by string prefix, sorted"
    );
    assert_eq!(store.list(bucket, &base).await.expect("list").len(), 3);

    let copy = store
        .copy(bucket, &name, &format!("{base}quarantine/one.json"))
        .await
        .expect("copy");
    assert_eq!(copy.md5_hash, second.md5_hash);
    assert_eq!(copy.metadata, second.metadata, "copy keeps custom metadata");

    store.delete(bucket, &name).await.expect("delete");
    assert!(matches!(
        store.get(bucket, &name).await,
        Err(ObjectStoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.head(bucket, &name).await,
        Err(ObjectStoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(bucket, &name).await,
        Err(ObjectStoreError::NotFound { .. })
    ));

    // Compressed storage is invisible to readers: the original bytes come back.
    let packed = format!("{base}gz/raw.json");
    let body = Bytes::from("{\"rows\": [1, 2, 3]}".repeat(200));
    let gz = PutOptions { gzip: true, ..opts };
    let meta = store.put(bucket, &packed, body.clone(), gz).await.expect("gzip put");
    assert_eq!(meta.content_type, "application/json");
    assert_eq!(store.get(bucket, &packed).await.expect("gzip get"), body);
    assert_eq!(
        store.head(bucket, &packed).await.expect("head").content_type,
        "application/json"
    );
}

/// Publisher: ids are distinct and non-empty; an unknown topic is an error.
pub async fn publisher_contract(publisher: &dyn Publisher, existing_topic: &str, missing_topic: &str) {
    let message = OutgoingMessage::json(
        &json!({"contract": true}),
        BTreeMap::from([("correlation_id".to_owned(), "contract".to_owned())]),
    );
    let a = publisher
        .publish(existing_topic, message.clone())
        .await
        .expect("publish");
    let b = publisher
        .publish(existing_topic, message.clone())
        .await
        .expect("publish");
    assert!(!a.is_empty() && a != b, "message ids are distinct: {a} {b}");
    let err = publisher
        .publish(missing_topic, message)
        .await
        .expect_err("unknown topic");
    assert!(matches!(err, PubSubError::UnknownTopic(_)), "{err}");
}

/// State store: get/set/create_if_absent/delete/transact/list and TTL.
pub async fn state_store_contract(store: &dyn StateStore) {
    let col = format!("contract_{}", suffix());
    assert!(store.get(&col, "a").await.expect("get").is_none());
    store.set(&col, "a", json!({"v": 1}), None).await.expect("set");
    let a = store.get(&col, "a").await.expect("get").expect("present");
    assert_eq!(
        (a.collection.as_str(), a.id.as_str(), &a.data),
        (col.as_str(), "a", &json!({"v": 1}))
    );
    assert!(a.expires_at.is_none());

    assert_eq!(
        store.create_if_absent(&col, "b", json!(1), None).await.expect("create"),
        Created::Created
    );
    match store
        .create_if_absent(&col, "b", json!(2), None)
        .await
        .expect("create again")
    {
        Created::Exists(doc) => assert_eq!(doc.data, json!(1)),
        Created::Created => panic!("create_if_absent created twice"),
    }

    let after = store
        .transact(
            &col,
            "n",
            Box::new(|doc| {
                let n = doc.and_then(|d| d.data.as_i64()).unwrap_or(0);
                TxnOutcome::Write {
                    data: json!(n + 1),
                    ttl: None,
                }
            }),
        )
        .await
        .expect("transact");
    assert_eq!(after.map(|d| d.data), Some(json!(1)));
    let kept = store
        .transact(&col, "n", Box::new(|_| TxnOutcome::Keep))
        .await
        .expect("keep");
    assert_eq!(kept.map(|d| d.data), Some(json!(1)));
    let gone = store
        .transact(&col, "n", Box::new(|_| TxnOutcome::Delete))
        .await
        .expect("delete in txn");
    assert!(gone.is_none());
    assert!(store.get(&col, "n").await.expect("get").is_none());

    let ids: Vec<String> = store
        .list(&col)
        .await
        .expect("list")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["a", "b"]);
    store.delete(&col, "a").await.expect("delete");
    assert!(store.get(&col, "a").await.expect("get").is_none());

    // Long enough for a slow emulator on a busy machine to answer the first read in time.
    let ttl = Duration::from_secs(2);
    let set_at = tokio::time::Instant::now();
    store.set(&col, "ttl", json!(true), Some(ttl)).await.expect("set ttl");
    let doc = store.get(&col, "ttl").await.expect("get").expect("fresh");
    assert!(doc.expires_at.is_some());
    tokio::time::sleep_until(set_at + ttl + Duration::from_millis(300)).await;
    assert!(
        store.get(&col, "ttl").await.expect("get").is_none(),
        "expired documents read as absent"
    );
    assert_eq!(
        store
            .create_if_absent(&col, "ttl", json!(2), None)
            .await
            .expect("take over"),
        Created::Created,
        "create_if_absent takes over an expired document"
    );
}

const CONTRACT_COLUMNS: &[Column] = &[
    col("id", ColumnType::String, false),
    col("day", ColumnType::Date, false),
    col("n", ColumnType::Int64, true),
    col("x", ColumnType::Float64, true),
    col("flag", ColumnType::Bool, true),
    col("at", ColumnType::Timestamp, true),
    col("doc", ColumnType::Json, true),
    col("data_hash", ColumnType::String, false),
];

const fn col(name: &'static str, ty: ColumnType, nullable: bool) -> Column {
    Column {
        name,
        ty,
        nullable,
        description: "",
        checks: &[],
    }
}

/// A fresh table (leaked: a contract run creates a handful).
fn contract_table(strategy: WriteStrategy, require_partition_filter: bool) -> &'static TableSchema {
    Box::leak(Box::new(TableSchema {
        dataset: Dataset::Orchestration,
        name: Box::leak(format!("contract_{}", suffix()).into_boxed_str()),
        description: "contract test table",
        columns: CONTRACT_COLUMNS,
        partition_by: Some("day"),
        cluster_by: &[],
        keys: &["id"],
        strategy,
        require_partition_filter,
    }))
}

fn contract_row(id: &str, day: &str, n: i64, hash: &str) -> Row {
    let row = json!({
        "id": id, "day": day, "n": n, "x": 1.5, "flag": true, "at": "2025-01-02T03:04:05Z",
        "doc": {"k": [1, "two", null]}, "data_hash": hash,
    });
    match row {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// Warehouse: typed round trips, merge with no-op detection, insert_new,
/// replace_partition, partition filters and read-only queries.
pub async fn warehouse_contract(warehouse: &dyn Warehouse) {
    let d1 = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let merge_table = contract_table(WriteStrategy::MergeOnKeys, true);
    warehouse.ensure_table(merge_table).await.expect("ensure_table");
    warehouse
        .ensure_table(merge_table)
        .await
        .expect("ensure_table is idempotent");

    let rows = vec![
        contract_row("a", "2025-01-01", 1, "h1"),
        contract_row("b", "2025-01-02", 2, "h2"),
    ];
    let first = warehouse.merge(merge_table, rows.clone()).await.expect("merge");
    assert_eq!(
        first,
        WriteStats {
            inserted: 2,
            ..Default::default()
        }
    );
    let second = warehouse.merge(merge_table, rows.clone()).await.expect("merge again");
    assert_eq!(
        second,
        WriteStats {
            unchanged: 2,
            ..Default::default()
        },
        "same rows twice: all unchanged"
    );
    let changed = vec![
        contract_row("a", "2025-01-01", 10, "h1-new"),
        contract_row("c", "2025-01-01", 3, "h3"),
        contract_row("c", "2025-01-01", 4, "h4"),
    ];
    let third = warehouse.merge(merge_table, changed).await.expect("merge changes");
    assert_eq!(
        third,
        WriteStats {
            inserted: 1,
            updated: 1,
            ..Default::default()
        }
    );

    let err = warehouse.scan(merge_table, None).await.expect_err("unfiltered scan");
    assert!(matches!(err, WarehouseError::PartitionFilterRequired { .. }), "{err}");
    let day1 = warehouse
        .scan(merge_table, Some(PartitionRange::day(d1)))
        .await
        .expect("scan");
    assert_eq!(day1.len(), 2);
    let a = day1.iter().find(|r| r["id"] == "a").expect("row a");
    assert_eq!(a["n"], json!(10));
    assert_eq!(a["day"], json!("2025-01-01"));
    assert_eq!(a["x"], json!(1.5));
    assert_eq!(a["flag"], json!(true));
    assert_eq!(a["at"], json!("2025-01-02T03:04:05Z"));
    assert_eq!(a["doc"], json!({"k": [1, "two", null]}));
    let c = day1.iter().find(|r| r["id"] == "c").expect("row c");
    assert_eq!(c["n"], json!(4), "duplicate keys in one batch: the last wins");
    let both = PartitionRange {
        from: d1,
        to: NaiveDate::from_ymd_opt(2025, 1, 2).expect("date"),
    };
    assert_eq!(warehouse.scan(merge_table, Some(both)).await.expect("scan").len(), 3);

    let q = format!(
        "SELECT id, n FROM {} WHERE day = ? AND n > ? ORDER BY id",
        merge_table.qualified_name()
    );
    let got = warehouse
        .query(&q, vec![json!("2025-01-01"), json!(3)])
        .await
        .expect("query");
    assert_eq!(got.len(), 2);
    assert_eq!((got[0]["id"].clone(), got[0]["n"].clone()), (json!("a"), json!(10)));
    for sql in [
        format!("DELETE FROM {}", merge_table.qualified_name()),
        "SELECT 1; SELECT 2".to_owned(),
    ] {
        let err = warehouse.query(&sql, vec![]).await.expect_err("not read-only");
        assert!(matches!(err, WarehouseError::NotReadOnly(_)), "{sql}: {err}");
    }

    let insert_table = contract_table(WriteStrategy::InsertNewOnly, false);
    warehouse.ensure_table(insert_table).await.expect("ensure_table");
    let st = warehouse
        .insert_new(insert_table, rows.clone())
        .await
        .expect("insert_new");
    assert_eq!(st.inserted, 2);
    let st = warehouse
        .insert_new(
            insert_table,
            vec![
                contract_row("a", "2025-01-01", 99, "other"),
                contract_row("z", "2025-01-01", 0, "z"),
            ],
        )
        .await
        .expect("insert_new again");
    assert_eq!(st.inserted, 1);
    let all = warehouse
        .scan(insert_table, None)
        .await
        .expect("scan without filter is allowed here");
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().find(|r| r["id"] == "a").expect("a")["n"],
        json!(1),
        "existing rows are never changed"
    );

    let replace_table = contract_table(WriteStrategy::ReplacePartition, false);
    warehouse.ensure_table(replace_table).await.expect("ensure_table");
    let st = warehouse.append(replace_table, rows.clone()).await.expect("append");
    assert_eq!(st.inserted, 2);
    let st = warehouse
        .replace_partition(
            replace_table,
            d1,
            vec![
                contract_row("p", "2025-01-01", 5, "p"),
                contract_row("q", "2025-01-01", 6, "q"),
            ],
        )
        .await
        .expect("replace_partition");
    assert_eq!((st.inserted, st.deleted), (2, 1));
    let mut ids: Vec<String> = warehouse
        .scan(replace_table, None)
        .await
        .expect("scan")
        .into_iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    assert_eq!(ids, ["b", "p", "q"]);
}
