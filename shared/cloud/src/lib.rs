//! Cloud ports and adapters.
//!
//! Functions talk only to the traits in [`ports`]. The embedded adapters in
//! [`embedded`] run the whole platform on one machine with no server to install:
//! a local object store, an in-process Pub/Sub that pushes over real HTTP, an
//! embedded DuckDB warehouse and an SQLite state store that is safe across
//! processes. The Google Cloud adapters implement the same traits.

pub mod embedded;
pub mod ports;

pub use ports::object_store::{ObjectMeta, ObjectStore, ObjectStoreError};
pub use ports::pubsub::{OutgoingMessage, PubSubError, Publisher};
pub use ports::state::{Document, StateError, StateStore, TxnOutcome};
pub use ports::warehouse::{PartitionRange, Warehouse, WarehouseError, WriteStats};

use std::sync::Arc;

/// The set of clients a function needs, passed explicitly (no globals).
#[derive(Clone)]
pub struct Clients {
    pub objects: Arc<dyn ObjectStore>,
    pub publisher: Arc<dyn Publisher>,
    pub warehouse: Arc<dyn Warehouse>,
    pub state: Arc<dyn StateStore>,
}
