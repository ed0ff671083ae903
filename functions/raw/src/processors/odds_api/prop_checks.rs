//! Checks on a whole file of prop lines that no single-row check can make.
//!
//! A constant placeholder line — every player of a market at a book listed
//! at the same number (e.g. 20.0 points for everyone) — is a feed filling a
//! gap, not a line. Real markets never look like that once there are a few
//! players: stars and bench players differ by many points. Those rows are
//! refused with a reason naming the value and how many players had it.
//! Shared by every prop source (Odds API, BettingPros), as is the numbering
//! of repeat listings ([`Listings`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A market/bookmaker with at least this many players all on one line is a placeholder.
pub const PLACEHOLDER_MIN_PLAYERS: usize = 5;

/// What the rule needs of one prop row.
#[derive(Debug, Clone, Copy)]
pub struct PropLine<'a> {
    pub market: &'a str,
    pub bookmaker: &'a str,
    pub player: &'a str,
    pub line: f64,
}

/// Rows of a file that are a constant placeholder line: (row index, reason).
pub fn placeholder_lines(rows: &[PropLine<'_>]) -> Vec<(usize, String)> {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry((r.market, r.bookmaker)).or_default().push(i);
    }
    let mut flagged = Vec::new();
    for ((market, bookmaker), idx) in groups {
        let first = rows[idx[0]].line;
        if idx.iter().any(|&i| rows[i].line != first) {
            continue;
        }
        let players: BTreeSet<&str> = idx.iter().map(|&i| rows[i].player).collect();
        if players.len() < PLACEHOLDER_MIN_PLAYERS {
            continue;
        }
        let reason = format!(
            "constant placeholder line: all {} players of {market} at {bookmaker} have line {first:.1}",
            players.len()
        );
        flagged.extend(idx.into_iter().map(|i| (i, reason.clone())));
    }
    flagged.sort_by_key(|(i, _)| *i);
    flagged
}

/// Numbers repeat listings within one file: the first row of a (market, book,
/// player, side, line) is 0, a repeat of it 1, and so on. Books do list the
/// same line twice (Caesars, at two prices); with the number in the table's
/// key neither listing is lost, and an identical file numbers them the same.
#[derive(Debug, Default)]
pub struct Listings(HashMap<(String, String, String, String, u64), i64>);

impl Listings {
    pub fn next(&mut self, market: &str, bookmaker: &str, player_lookup: &str, side: &str, line: f64) -> i64 {
        let key = (
            market.to_string(),
            bookmaker.to_string(),
            player_lookup.to_string(),
            side.to_string(),
            line.to_bits(),
        );
        let n = self.0.entry(key).or_insert(0);
        *n += 1;
        *n - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows<'a>(book: &'a str, players: &'a [&'a str], line: impl Fn(usize) -> f64) -> Vec<PropLine<'a>> {
        players
            .iter()
            .enumerate()
            .map(|(i, p)| PropLine {
                market: "player_points",
                bookmaker: book,
                player: p,
                line: line(i),
            })
            .collect()
    }

    const FIVE: &[&str] = &["A", "B", "C", "D", "E"];

    #[test]
    fn a_constant_line_over_five_players_is_flagged_with_value_and_count() {
        let mut all = rows("fanduel", FIVE, |_| 20.0);
        all.extend(rows("draftkings", FIVE, |i| 10.5 + i as f64));
        let flagged = placeholder_lines(&all);
        assert_eq!(flagged.iter().map(|f| f.0).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        assert_eq!(
            flagged[0].1,
            "constant placeholder line: all 5 players of player_points at fanduel have line 20.0"
        );
    }

    #[test]
    fn repeat_listings_are_numbered() {
        let mut l = Listings::default();
        assert_eq!(l.next("player_points", "williamhill_us", "bensimmons", "Over", 7.5), 0);
        assert_eq!(l.next("player_points", "williamhill_us", "bensimmons", "Under", 7.5), 0);
        assert_eq!(l.next("player_points", "williamhill_us", "bensimmons", "Over", 7.5), 1);
        assert_eq!(l.next("player_points", "williamhill_us", "bensimmons", "Over", 8.5), 0);
    }

    #[test]
    fn few_players_or_one_different_line_is_not_a_placeholder() {
        assert!(placeholder_lines(&rows("fanduel", &FIVE[..4], |_| 20.0)).is_empty());
        assert!(placeholder_lines(&rows("fanduel", FIVE, |i| if i == 3 { 20.5 } else { 20.0 })).is_empty());
        // Over and under of the same five players count five players, not ten rows.
        let mut both = rows("fanduel", &FIVE[..4], |_| 20.0);
        both.extend(rows("fanduel", &FIVE[..4], |_| 20.0));
        assert!(placeholder_lines(&both).is_empty());
    }
}
