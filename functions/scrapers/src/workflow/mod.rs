//! The scraper workflow: a declarative file ([`plan::WorkflowFile`]) says which
//! scrapers run when; the workflow function ([`WorkflowFunction`], `POST /tick`)
//! decides at an instant, calls the scraper function over HTTP for each run, and
//! logs every decision to `nba_orchestration.workflow_decisions`.

pub mod function;
pub mod plan;

pub use function::{WORKFLOW_FUNCTION, WorkflowFunction};
pub use plan::{DayContext, Decision, GameSlot, WorkflowFile};
