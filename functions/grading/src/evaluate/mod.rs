//! `nba evaluate`: honest walk-forward evaluation of every prediction system on a
//! warehouse a backfill filled (phases 1–4), graded with the live grading rules.
//!
//! [`walk_forward`] is the loop and its point-in-time rules, [`dataset`] the
//! as-of views it reads through, [`guard`] the leak guards, [`systems`] what is
//! evaluated and how it is retrained, [`report`] the table and JSON, [`chart`] the PNG.

pub mod chart;
pub mod dataset;
pub mod guard;
pub mod report;
pub mod systems;
pub mod walk_forward;

pub use report::EvaluationReport;
pub use walk_forward::{EvaluateError, EvaluateOptions, evaluate, evaluate_with};
