//! The ports: what a function may ask of the cloud.

pub mod id_token;
pub mod object_store;
pub mod pubsub;
pub mod secrets;
pub mod state;
pub mod warehouse;
