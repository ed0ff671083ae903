//! Every table of the platform, by dataset.
pub mod analytics;
pub mod grading;
pub mod orchestration;
pub mod precompute;
pub mod prediction_output;
pub mod predictions;
pub mod raw;
pub mod raw_balldontlie;
pub mod raw_espn_br;
pub mod raw_nba_com;
pub mod raw_odds;
pub mod reference;

use crate::TableSchema;

/// All declared tables.
pub fn registry() -> Vec<&'static TableSchema> {
    let mut all = Vec::new();
    all.extend(orchestration::TABLES);
    all.extend(analytics::TABLES);
    all.extend(precompute::TABLES);
    all.extend(predictions::TABLES);
    all.extend(prediction_output::TABLES);
    all.extend(grading::TABLES);
    all.extend(raw::TABLES);
    all.extend(raw_nba_com::TABLES);
    all.extend(raw_balldontlie::TABLES);
    all.extend(raw_espn_br::TABLES);
    all.extend(raw_odds::TABLES);
    all.extend(reference::TABLES);
    all
}
