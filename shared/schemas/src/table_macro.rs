//! The [`table!`] macro: one declaration gives the row struct and its schema.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ColumnType;

/// Maps a Rust field type onto a column type and nullability.
pub trait ColumnKind {
    const TYPE: ColumnType;
    const NULLABLE: bool = false;
}

impl ColumnKind for String {
    const TYPE: ColumnType = ColumnType::String;
}
impl ColumnKind for i64 {
    const TYPE: ColumnType = ColumnType::Int64;
}
impl ColumnKind for f64 {
    const TYPE: ColumnType = ColumnType::Float64;
}
impl ColumnKind for bool {
    const TYPE: ColumnType = ColumnType::Bool;
}
impl ColumnKind for NaiveDate {
    const TYPE: ColumnType = ColumnType::Date;
}
impl ColumnKind for DateTime<Utc> {
    const TYPE: ColumnType = ColumnType::Timestamp;
}
impl ColumnKind for serde_json::Value {
    const TYPE: ColumnType = ColumnType::Json;
    const NULLABLE: bool = true;
}
impl<T: ColumnKind> ColumnKind for Option<T> {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = true;
}

/// Declares a table once: the row struct (serde, `Table` impl) and its
/// [`crate::TableSchema`] (columns, partitioning, keys, write strategy, checks).
///
/// ```ignore
/// table! {
///     /// One row per scheduled game.
///     pub struct NbacSchedule in Raw."nbac_schedule" {
///         partition_by: Some("game_date"), cluster_by: ["game_id"], keys: ["game_id"],
///         strategy: MergeOnKeys, require_partition_filter: false,
///     }
///     columns {
///         /// NBA game id.
///         game_id: String => [Check::Pattern("^00[1-6]\\d{7}$")],
///         game_date: NaiveDate,
///     }
/// }
/// ```
#[macro_export]
macro_rules! table {
    (
        $(#[doc = $tdoc:literal])*
        pub struct $name:ident in $dataset:ident . $table:literal {
            partition_by: $partition:expr,
            cluster_by: [$($cluster:literal),* $(,)?],
            keys: [$($key:literal),* $(,)?],
            strategy: $strategy:ident,
            require_partition_filter: $rpf:literal $(,)?
        }
        columns {
            $(
                $(#[doc = $cdoc:literal])*
                $field:ident : $ty:ty $( => [$($check:expr),* $(,)?] )?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $tdoc])*
        #[derive(Debug, Clone, PartialEq, $crate::reexport::serde::Serialize, $crate::reexport::serde::Deserialize)]
        #[serde(crate = "nba_schemas::reexport::serde")]
        pub struct $name {
            $(
                $(#[doc = $cdoc])*
                pub $field: $ty,
            )*
        }

        impl $crate::Table for $name {
            const SCHEMA: &'static $crate::TableSchema = &$crate::TableSchema {
                dataset: $crate::reexport::Dataset::$dataset,
                name: $table,
                description: concat!("" $(, $tdoc)*),
                columns: &[
                    $(
                        $crate::Column {
                            name: stringify!($field),
                            ty: <$ty as $crate::table_macro::ColumnKind>::TYPE,
                            nullable: <$ty as $crate::table_macro::ColumnKind>::NULLABLE,
                            description: concat!("" $(, $cdoc)*),
                            checks: &[$($($check),*)?],
                        },
                    )*
                ],
                partition_by: $partition,
                cluster_by: &[$($cluster),*],
                keys: &[$($key),*],
                strategy: $crate::WriteStrategy::$strategy,
                require_partition_filter: $rpf,
            };
        }
    };
}
