//! What of a URL or an error may be shown: everything except credentials.
//!
//! Two layers, because either alone can miss: [`redact`] blanks query values of
//! key-like parameters and URL passwords by *name*; the fetcher then
//! [`scrub`]s every message it produces of the actual secret *values* it sent,
//! which catches a key under an unexpected name or echoed back in an error.

use reqwest::Url;

/// What replaces a hidden value.
pub const REDACTED: &str = "[REDACTED]";

/// Query parameter names whose values are credentials (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "apikey",
    "api_key",
    "key",
    "token",
    "access_token",
    "auth",
    "password",
    "secret",
    "signature",
    "sig",
];

/// The URL as it may appear in logs, errors and stored objects: query values of
/// key-like parameters and any password in the authority are replaced.
pub fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        // Only fails for URLs that cannot have credentials, which then have none.
        let _ = shown.set_password(Some(REDACTED));
    }
    let mut any_secret = false;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret = SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str());
            any_secret |= secret;
            (
                k.into_owned(),
                if secret { REDACTED.to_string() } else { v.into_owned() },
            )
        })
        .collect();
    if any_secret {
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // Shown, never parsed: the readable marker beats its percent-encoding.
    shown.to_string().replace("%5BREDACTED%5D", REDACTED)
}

/// `text` with every occurrence of each secret value (raw or URL-encoded) replaced.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret, REDACTED);
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if encoded != *secret {
            out = out.replace(&encoded, REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_api_keys_in_urls() {
        let url = Url::parse("https://api.the-odds-api.com/v4/sports?apiKey=s3cret&regions=us").unwrap();
        let shown = redact(&url);
        assert!(!shown.contains("s3cret"));
        assert!(shown.contains("regions=us"));
        assert!(shown.contains("apiKey=[REDACTED]"), "{shown}");
    }

    #[test]
    fn leaves_urls_without_secrets_untouched() {
        let url = Url::parse("https://stats.nba.com/stats/x?LeagueID=00&Season=2024-25").unwrap();
        assert_eq!(redact(&url), url.as_str());
    }

    #[test]
    fn redacts_passwords_in_the_authority() {
        let url = Url::parse("http://user:hunter2@proxy.local:3128/").unwrap();
        let shown = redact(&url);
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("user:"));
    }

    #[test]
    fn scrub_removes_raw_and_encoded_values() {
        let text = "GET /x?k=a%2Bb%2Fc and a+b/c";
        let s = scrub(text, &["a+b/c"]);
        assert!(!s.contains("a+b/c") && !s.contains("a%2Bb%2Fc"), "{s}");
    }
}
