//! Every table of the platform, by dataset.
pub mod orchestration;
pub mod raw;

use crate::TableSchema;

/// All declared tables.
pub fn registry() -> Vec<&'static TableSchema> {
    let mut all = Vec::new();
    all.extend(orchestration::TABLES);
    all.extend(raw::TABLES);
    all
}
