//! Minutes played (and game clocks) in every spelling NBA.com uses, as decimal minutes.
//!
//! | spelling | where | decimal minutes |
//! |---|---|---|
//! | `"34:12"` | stats.nba.com V2/V3 box scores (`MIN`, `minutes`), team totals `"265:00"` | 34.2 |
//! | `"34.000000:12"` | older stats.nba.com box scores | 34.2 |
//! | `"PT34M12.00S"`, `"PT23M16.50S"`, `"PT240M"` | cdn.nba.com live box scores, play-by-play clocks | 34.2 |
//! | `34`, `34.5`, `"34.5"` | `leaguegamelog`/`playergamelog` `MIN` (whole or decimal minutes) | 34.0 |
//! | `null`, `""` | players who did not play (DNP) | `None` |
//!
//! Decimal minutes are kept unrounded (`f64`); a seconds part must be below 60. Negative, non-finite or
//! otherwise unrecognised values are errors, never zero: a DNP is `None`, not `0.0`.

use serde_json::Value;

/// A minutes value in none of the known spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unrecognised minutes value {0:?}")]
pub struct InvalidMinutes(pub String);

/// Parses a minutes string into decimal minutes; blank is `None` (did not play).
pub fn parse_minutes(raw: &str) -> Result<Option<f64>, InvalidMinutes> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || InvalidMinutes(raw.to_string());
    let minutes = if s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("PT")) {
        parse_iso_duration(&s[2..]).ok_or_else(bad)?
    } else if let Some((m, sec)) = s.split_once(':') {
        let m = non_negative(m).ok_or_else(bad)?;
        let sec = non_negative(sec).filter(|x| *x < 60.0).ok_or_else(bad)?;
        m + sec / 60.0
    } else {
        non_negative(s).ok_or_else(bad)?
    };
    if minutes.is_finite() {
        Ok(Some(minutes))
    } else {
        Err(bad())
    }
}

/// Decimal minutes from a JSON value: a number (already minutes), a string in any spelling of
/// [`parse_minutes`], or `null` (did not play).
pub fn minutes_from_value(v: &Value) -> Result<Option<f64>, InvalidMinutes> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => parse_minutes(s),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.is_finite() && f >= 0.0 => Ok(Some(f)),
            _ => Err(InvalidMinutes(n.to_string())),
        },
        other => Err(InvalidMinutes(other.to_string())),
    }
}

/// Seconds left on a game clock (`"PT11M41.00S"`, `"11:41"`, `"0:08"`); blank is `None`.
pub fn clock_seconds(raw: &str) -> Result<Option<f64>, InvalidMinutes> {
    Ok(parse_minutes(raw)?.map(|m| m * 60.0))
}

/// Renders decimal minutes as `"M:SS"` (seconds rounded to the nearest whole second).
pub fn format_clock(minutes: f64) -> String {
    let total = (minutes.max(0.0) * 60.0).round() as u64;
    format!("{}:{:02}", total / 60, total % 60)
}

/// Renders decimal minutes as an ISO-8601 duration as cdn.nba.com writes it (`"PT34M12.00S"`).
pub fn format_iso(minutes: f64) -> String {
    let hundredths = (minutes.max(0.0) * 6000.0).round() as u64;
    let m = hundredths / 6000;
    let rest = hundredths % 6000;
    format!("PT{:02}M{:02}.{:02}S", m, rest / 100, rest % 100)
}

/// A plain non-negative decimal (`"34"`, `"34.000000"`, `"12.50"`): digits and at most one dot only, so
/// `"inf"`, `"-3"`, `"1e9"` and `"+4"` are rejected.
fn non_negative(s: &str) -> Option<f64> {
    let s = s.trim();
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().filter(|b| *b == b'.').count() <= 1
        && s.bytes().any(|b| b.is_ascii_digit());
    if ok {
        s.parse::<f64>().ok().filter(|f| f.is_finite())
    } else {
        None
    }
}

/// The part after `PT` of `PT[nH][nM][n(.n)S]`; at least one component, in that order.
fn parse_iso_duration(rest: &str) -> Option<f64> {
    let mut minutes = 0.0;
    let mut seen = 0u8; // 1 = H, 2 = M, 3 = S: components must come in order
    let mut number = String::new();
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            d if d.is_ascii_digit() || d == '.' => number.push(d),
            unit @ ('H' | 'M' | 'S') => {
                let rank = match unit {
                    'H' => 1,
                    'M' => 2,
                    _ => 3,
                };
                if rank <= seen {
                    return None;
                }
                seen = rank;
                let n = non_negative(&number)?;
                number.clear();
                minutes += match unit {
                    'H' => n * 60.0,
                    'M' => n,
                    _ => n / 60.0,
                };
                any = true;
            }
            _ => return None,
        }
    }
    if any && number.is_empty() { Some(minutes) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn every_spelling_seen_upstream() {
        assert!(close(parse_minutes("34:12").unwrap(), 34.2));
        assert!(close(parse_minutes("265:00").unwrap(), 265.0));
        assert!(close(parse_minutes("0:08").unwrap(), 8.0 / 60.0));
        assert!(close(parse_minutes("34.000000:12").unwrap(), 34.2));
        assert!(close(parse_minutes("PT34M12.00S").unwrap(), 34.2));
        assert!(close(parse_minutes("PT23M16.50S").unwrap(), 23.0 + 16.5 / 60.0));
        assert!(close(parse_minutes("PT240M").unwrap(), 240.0));
        assert!(close(parse_minutes("PT00M00.00S").unwrap(), 0.0));
        assert!(close(parse_minutes("PT1H02M").unwrap(), 62.0));
        assert!(close(parse_minutes("35").unwrap(), 35.0));
        assert!(close(parse_minutes("35.5").unwrap(), 35.5));
        assert_eq!(parse_minutes(""), Ok(None));
        assert_eq!(parse_minutes("   "), Ok(None));
        assert!(close(minutes_from_value(&json!(35)).unwrap(), 35.0));
        assert!(close(minutes_from_value(&json!(35.25)).unwrap(), 35.25));
        assert_eq!(minutes_from_value(&json!(null)), Ok(None));
        assert!(close(clock_seconds("PT11M41.00S").unwrap(), 701.0));
        assert!(close(clock_seconds("11:41").unwrap(), 701.0));
    }

    #[test]
    fn malformed_minutes_are_errors_not_zero() {
        for bad in [
            "abc", "34:60", "34:", ":12", "-5", "PT", "PTM", "PT5S3M", "PT3MX", "1:2:3", "inf", "NaN", "+4",
        ] {
            assert!(parse_minutes(bad).is_err(), "{bad} should be rejected");
        }
        assert!(minutes_from_value(&json!(-1)).is_err());
        assert!(minutes_from_value(&json!(true)).is_err());
        assert_eq!(
            parse_minutes("abc").unwrap_err().to_string(),
            "unrecognised minutes value \"abc\""
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(format_clock(34.2), "34:12");
        assert_eq!(format_iso(34.2), "PT34M12.00S");
        assert_eq!(format_iso(23.0 + 16.5 / 60.0), "PT23M16.50S");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,24}") {
            let _ = parse_minutes(&s);
            let _ = clock_seconds(&s);
        }

        #[test]
        fn never_panics_on_minute_like_strings(s in "(PT)?[0-9.:HMS ]{0,12}") {
            if let Ok(Some(m)) = parse_minutes(&s) {
                prop_assert!(m.is_finite() && m >= 0.0);
            }
        }

        #[test]
        fn clock_and_iso_round_trip(m in 0u32..400, s in 0u32..60, hundredths in 0u32..100) {
            let expected = f64::from(m) + f64::from(s) / 60.0;
            let clock = format!("{m}:{s:02}");
            prop_assert!(close(parse_minutes(&clock).unwrap(), expected));
            let iso = format!("PT{m:02}M{s:02}.{hundredths:02}S");
            let with_fraction = expected + f64::from(hundredths) / 6000.0;
            let parsed = parse_minutes(&iso).unwrap();
            prop_assert!(close(parsed, with_fraction));
            prop_assert_eq!(format_iso(parsed.unwrap()), iso);
            prop_assert_eq!(format_clock(expected), clock);
        }

        #[test]
        fn decimals_round_trip(x in 0.0f64..10_000.0) {
            prop_assert_eq!(parse_minutes(&format!("{x}")).unwrap(), Some(x));
            prop_assert_eq!(minutes_from_value(&json!(x)).unwrap(), Some(x));
        }
    }
}
