//! Publishing `nba-phase1-scrapers-complete`.

use std::collections::BTreeMap;

use nba_cloud::{OutgoingMessage, PubSubError, Publisher};
use nba_core::messages::{ScraperComplete, attributes};
use nba_core::{CorrelationId, Names, Topic};

pub async fn publish_complete(
    publisher: &dyn Publisher,
    names: &Names,
    message: &ScraperComplete,
) -> Result<String, PubSubError> {
    let attrs = BTreeMap::from([
        (CorrelationId::ATTRIBUTE.to_string(), message.correlation_id.clone()),
        (attributes::PROCESSOR.to_string(), message.processor_name.clone()),
        (attributes::STATUS.to_string(), message.status.clone()),
        (attributes::GAME_DATE.to_string(), message.game_date.to_string()),
    ]);
    publisher
        .publish(
            &names.topic(Topic::Phase1ScrapersComplete),
            OutgoingMessage::json(message, attrs),
        )
        .await
}
