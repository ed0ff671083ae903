//! Seed aliases: name variants known to differ across sources, each mapped to the
//! spelling NBA.com (the registry's source) uses. Operators add more as `manual`
//! rows after reviewing `unresolved_player_names`.

/// (variant as other sources print it, NBA.com's spelling).
pub const SEED_ALIASES: &[(&str, &str)] = &[
    ("Nicolas Claxton", "Nic Claxton"),
    ("Herb Jones", "Herbert Jones"),
    ("Derrick Jones", "Derrick Jones Jr."),
    ("B.J. Boston Jr", "Brandon Boston Jr."),
    ("Brandon Boston", "Brandon Boston Jr."),
    ("Moe Wagner", "Moritz Wagner"),
    ("Isaiah Stewart II", "Isaiah Stewart"),
    ("Paul Reed Jr", "Paul Reed"),
    ("Bruce Brown Jr", "Bruce Brown"),
    ("Carlton Carrington", "Bub Carrington"),
    ("Kenyon Martin Jr", "KJ Martin"),
    ("Cameron Thomas", "Cam Thomas"),
    ("Cameron Johnson", "Cam Johnson"),
    ("Cameron Reddish", "Cam Reddish"),
    ("Patrick Mills", "Patty Mills"),
    ("Robert Williams", "Robert Williams III"),
    ("Marcus Morris", "Marcus Morris Sr."),
    ("Kelly Oubre", "Kelly Oubre Jr."),
    ("Tim Hardaway", "Tim Hardaway Jr."),
    ("Jaren Jackson", "Jaren Jackson Jr."),
    ("Michael Porter", "Michael Porter Jr."),
    ("Wendell Carter", "Wendell Carter Jr."),
    ("Gary Trent", "Gary Trent Jr."),
    ("Larry Nance", "Larry Nance Jr."),
    ("Trey Murphy", "Trey Murphy III"),
    ("Jabari Smith", "Jabari Smith Jr."),
    ("Kevin Porter", "Kevin Porter Jr."),
    ("Dereck Lively", "Dereck Lively II"),
    ("Alexandre Sarr", "Alex Sarr"),
    ("GG Jackson II", "GG Jackson"),
    ("Gregory Jackson", "GG Jackson"),
    ("Nah'Shon Hyland", "Bones Hyland"),
    ("Sviatoslav Mykhailiuk", "Svi Mykhailiuk"),
    ("Xavier Tillman Sr.", "Xavier Tillman"),
    ("Vince Williams", "Vince Williams Jr."),
    ("Craig Porter Jr.", "Craig Porter"),
    ("Ron Holland II", "Ronald Holland II"),
    ("Ron Holland", "Ronald Holland II"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::player_lookup;
    use std::collections::HashSet;

    #[test]
    fn seeds_are_real_variants_without_conflicts() {
        let mut variants = HashSet::new();
        for (alias, canonical) in SEED_ALIASES {
            let (a, c) = (player_lookup(alias), player_lookup(canonical));
            assert_ne!(a, c, "{alias} already normalises to {canonical}");
            assert!(variants.insert(a.clone()), "{alias} listed twice");
            // No chains: a canonical spelling is never itself an alias.
            assert!(
                !SEED_ALIASES.iter().any(|(x, _)| player_lookup(x) == c),
                "{canonical} is both canonical and an alias"
            );
        }
    }
}
