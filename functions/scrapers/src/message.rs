//! Publishing `nba-phase1-scrapers-complete`.

use nba_cloud::{OutgoingMessage, PubSubError, Publisher};
use nba_core::messages::{ScraperComplete, attributes};
use nba_core::{Names, Topic};

pub async fn publish_complete(
    publisher: &dyn Publisher,
    names: &Names,
    message: &ScraperComplete,
) -> Result<String, PubSubError> {
    let attrs = attributes::completion(
        &message.correlation_id,
        &message.processor_name,
        &message.status,
        message.game_date,
    );
    publisher
        .publish(
            &names.topic(Topic::Phase1ScrapersComplete),
            OutgoingMessage::json(message, attrs),
        )
        .await
}
