//! The part of `nba_cloud` the event decoder uses, from the same source file.

pub mod ports {
    pub mod pubsub {
        include!("../../../../shared/cloud/src/ports/content_encoding.rs");
    }
}
