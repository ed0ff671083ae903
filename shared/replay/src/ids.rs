//! Deterministic ids for upstreams whose ids the dataset does not record (balldontlie, ESPN, Odds API
//! events without recorded props). Each is a pure function of NBA ids, so the same game or player gets the
//! same id on every run and in every process.

/// NBA game ids are 10 digits (`0022400561`); CSV tools sometimes drop the leading zeros.
pub(crate) fn pad_game_id(id: &str) -> String {
    let id = id.trim();
    if !id.is_empty() && id.len() < 10 && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("{id:0>10}")
    } else {
        id.to_string()
    }
}

/// The NBA game id's digits as an integer (`0022400561` → 22400561): a game's balldontlie id.
pub(crate) fn game_number(game_id: &str) -> i64 {
    let digits: String = game_id.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| hash64(game_id.as_bytes()) as i64 & 0x0fff_ffff_ffff)
}

/// A team's balldontlie/ESPN-style small id: 1–30 for the NBA's 30 franchises (NBA team id − 1610612736),
/// the NBA id itself for other teams (All-Star teams, exhibition opponents).
pub(crate) fn team_number(nba_team_id: i64) -> i64 {
    let n = nba_team_id - 1_610_612_736;
    if (1..=30).contains(&n) { n } else { nba_team_id }
}

/// balldontlie stat row id: game number × 10^10 + NBA person id.
pub(crate) fn stat_id(game_id: &str, player_id: i64) -> i64 {
    game_number(game_id)
        .saturating_mul(10_000_000_000)
        .saturating_add(player_id)
}

/// ESPN event id for a game: `4` followed by the game id's digits without its leading `00`.
pub(crate) fn espn_event_id(game_id: &str) -> String {
    format!("4{}", game_number(game_id))
}

/// A 32-hex-character Odds API event id for a game without a recorded one.
pub(crate) fn synthetic_event_id(game_id: &str) -> String {
    let a = hash64(game_id.as_bytes());
    let b = hash64(format!("odds-api:{game_id}").as_bytes());
    format!("{a:016x}{b:016x}")
}

/// FNV-1a followed by a splitmix finaliser: stable across platforms and Rust versions.
fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(pad_game_id("22400561"), "0022400561");
        assert_eq!(game_number("0022400561"), 22400561);
        assert_eq!(team_number(1610612737), 1);
        assert_eq!(team_number(1610612766), 30);
        assert_eq!(team_number(1610616833), 1610616833);
        assert_eq!(stat_id("0022400561", 201939), 224005610000201939);
        assert_eq!(espn_event_id("0022400561"), "422400561");
        let e = synthetic_event_id("0022400561");
        assert_eq!(e.len(), 32);
        assert_eq!(e, synthetic_event_id("0022400561"));
        assert_ne!(e, synthetic_event_id("0022400562"));
    }
}
