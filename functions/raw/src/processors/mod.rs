//! One module per raw source and kind.
pub mod nbac_schedule;
