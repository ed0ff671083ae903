//! Error messages go to a table that many people read: strip secrets first.

use std::sync::OnceLock;

use regex::Regex;

/// Maximum stored length of an error message.
const MAX_LEN: usize = 2000;

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        vec![
            // apiKey=…, api_key=…, key=…, token=… in URLs or messages
            (
                Regex::new(r"(?i)\b(api[_-]?key|apikey|key|token|access_token|secret|password)=([^&\s\x22']+)")
                    .unwrap(),
                "$1=[REDACTED]",
            ),
            // Authorization / X-Api-Key style header values
            (
                Regex::new(r"(?i)(authorization|x-api-key|api-key)(\x22?\s*[:=]\s*\x22?)(bearer\s+)?[A-Za-z0-9._\-]+")
                    .unwrap(),
                "$1$2[REDACTED]",
            ),
        ]
    })
}

/// Redacts credentials and bounds the length of an error message.
pub fn sanitize_error(message: &str) -> String {
    let mut out = message.to_string();
    for (re, replacement) in patterns() {
        out = re.replace_all(&out, *replacement).into_owned();
    }
    if out.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_query_keys_and_headers() {
        let s = sanitize_error(
            "GET https://api.the-odds-api.com/v4/x?apiKey=abc123&markets=p failed; Authorization: Bearer tok.en",
        );
        assert!(!s.contains("abc123"), "{s}");
        assert!(!s.contains("tok.en"), "{s}");
        assert!(s.contains("markets=p"), "{s}");
    }

    #[test]
    fn bounds_length_on_a_char_boundary() {
        let s = sanitize_error(&"é".repeat(5000));
        assert!(s.len() <= MAX_LEN + '…'.len_utf8());
    }
}
