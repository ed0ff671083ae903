//! Test helper (also behind [`crate::fixtures::cassette_json`]): the response body of an nba_api VCR
//! cassette (`fixtures/nba-stats/nba_api-cassettes/`).
//!
//! The cassettes are YAML whose `response.body.string` is the JSON body as one quoted YAML scalar (single-
//! or double-quoted, folded over many lines). Rather than pull a YAML library into the crate for tests,
//! this reads just that scalar with YAML 1.2's flow-scalar rules: line folding (a line break between
//! non-empty lines is a space, each empty line a newline, indentation and trailing blanks dropped), `''`
//! in single quotes, and the backslash escapes of double quotes (`\"`, `\\`, `\/`, `\uXXXX`, escaped
//! line breaks, …).

use serde_json::Value;

/// The JSON body of the first recorded response of `fixtures/<path>` (plain or `.gz`).
pub(crate) fn body(path: &str) -> Value {
    let yaml = crate::fixtures::text(path);
    let raw = response_body(&yaml).unwrap_or_else(|e| panic!("cassette {path}: {e}"));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("cassette {path}: body is not JSON: {e}"))
}

fn response_body(yaml: &str) -> Result<String, String> {
    let response = yaml.find("\n  response:").ok_or("no response")?;
    let rest = &yaml[response..];
    let key = rest.find("string: ").ok_or("no response.body.string")?;
    let scalar = &rest[key + "string: ".len()..];
    match scalar.chars().next() {
        Some('\'') => flow_scalar(&scalar[1..], false),
        Some('"') => flow_scalar(&scalar[1..], true),
        _ => Err("response.body.string is not a quoted scalar".into()),
    }
}

fn flow_scalar(s: &str, double: bool) -> Result<String, String> {
    let mut out = String::new();
    let mut keep = 0; // length of `out` up to its last character that is not foldable trailing blank
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                    keep = out.len();
                } else {
                    return Ok(out);
                }
            }
            '"' if double => return Ok(out),
            '\\' if double => {
                let e = chars.next().ok_or("unterminated escape")?;
                match e {
                    '\n' => {
                        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                            chars.next();
                        }
                    }
                    'u' | 'U' | 'x' => {
                        let n = match e {
                            'u' => 4,
                            'U' => 8,
                            _ => 2,
                        };
                        let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|e| format!("bad escape {hex}: {e}"))?;
                        out.push(char::from_u32(code).ok_or(format!("bad code point {code:x}"))?);
                    }
                    other => out.push(match other {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'b' => '\u{8}',
                        'e' => '\u{1b}',
                        'a' => '\u{7}',
                        'N' => '\u{85}',
                        '_' => '\u{a0}',
                        same => same, // `\"`, `\\`, `\/`, `\ `, `\t` as a tab char
                    }),
                }
                keep = out.len();
            }
            '\n' => {
                out.truncate(keep);
                let mut empty_lines = 0;
                loop {
                    while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                        chars.next();
                    }
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                        empty_lines += 1;
                    } else {
                        break;
                    }
                }
                if empty_lines == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', empty_lines));
                }
                keep = out.len();
            }
            '\r' => {}
            c => {
                out.push(c);
                if c != ' ' && c != '\t' {
                    keep = out.len();
                }
            }
        }
    }
    Err("unterminated quoted scalar".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_unescapes_like_yaml() {
        let single = "interactions:\n- request:\n  response:\n    body:\n      string: '{\"a\":\"it''s\n        folded\",\n\n        \"b\":1}'\n";
        assert_eq!(response_body(single).unwrap(), "{\"a\":\"it's folded\",\n\"b\":1}");
        let double = "x\n  response:\n    body:\n      string: \"{\\\"a\\\":\\\"Vu\\u010Devi\\u0107\n        x\\\n        y\\/z\\\\\\\"\\\"}\"\n";
        assert_eq!(response_body(double).unwrap(), "{\"a\":\"Vučević xy/z\\\"\"}");
    }

    #[test]
    fn reads_every_cassette() {
        for name in [
            "test_endpoints[BoxScoreSummaryV2].yaml",
            "test_endpoints[BoxScoreTraditionalV2].yaml",
            "test_endpoints[BoxScoreTraditionalV3].yaml",
            "test_endpoints[LeagueGameLog].yaml",
            "test_endpoints[PlayByPlayV3].yaml",
            "test_endpoints[PlayerGameLog].yaml",
            "test_endpoints[ScoreboardV2].yaml",
            "test_scoreboardv3[Offseason date - no games expected].yaml",
            "test_scoreboardv3[Regular season game date - November 5, 2025].yaml",
            "test_teamgamelog[Lakers 2023-24 regular season].yaml",
        ] {
            let v = body(&format!("nba-stats/nba_api-cassettes/{name}"));
            assert!(v.is_object(), "{name}");
        }
    }
}
