/// Attribute marking a gzip-compressed payload (`content_encoding=gzip`): adapters may
/// compress large payloads; `nba_runtime::events::pubsub_payload` inflates them.
pub const CONTENT_ENCODING_ATTRIBUTE: &str = "content_encoding";
