//! API keys: where they come from and the type that keeps them out of logs.
//!
//! Keys are attached by the fetcher at send time (see [`super::policy::Auth`]),
//! never by URL builders, so the URLs that scrapers build, log and store never
//! hold one. The types and sources live in `nba_cloud` (the environment locally,
//! Secret Manager in the cloud, behind [`SecretSource`] so the fetcher does not
//! care which); they are re-exported here.

pub use nba_cloud::embedded::secrets::{EnvSecrets, StaticSecrets};
pub use nba_cloud::ports::secrets::{Secret, SecretError, SecretSource};

/// Environment variable (and secret name) of the balldontlie API key.
pub const BALLDONTLIE_API_KEY: &str = "NBA_SECRET_BALLDONTLIE_API_KEY";
/// Environment variable (and secret name) of The Odds API key.
pub const ODDS_API_KEY: &str = "NBA_SECRET_ODDS_API_KEY";
/// Environment variable (and secret name) of the BettingPros `x-api-key`.
pub const BETTINGPROS_API_KEY: &str = "NBA_SECRET_BETTINGPROS_API_KEY";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sekrit-123");
        assert_eq!(format!("{s}"), "[REDACTED]");
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(
            format!("{:?}", StaticSecrets::new().with("K", "sekrit-123")),
            "StaticSecrets({\"K\": [REDACTED]})"
        );
        assert_eq!(s.expose(), "sekrit-123");
    }

    #[tokio::test]
    async fn static_source_answers_none_for_unknown_names() {
        let src = StaticSecrets::new().with(ODDS_API_KEY, "x");
        assert!(src.secret(ODDS_API_KEY).await.unwrap().is_some());
        assert!(src.secret(BALLDONTLIE_API_KEY).await.unwrap().is_none());
    }
}
