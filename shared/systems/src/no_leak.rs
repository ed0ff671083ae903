//! The no-leak property: games on or after the predicted date, wherever they sit in
//! the history handed over, never change a prediction.

use chrono::Days;
use proptest::prelude::*;

use crate::testing::{game, input};
use crate::{MovingAverage, PredictionSystem, Similarity, ZoneMatchup};

fn systems() -> [Box<dyn PredictionSystem>; 3] {
    [Box::new(MovingAverage), Box::new(ZoneMatchup), Box::new(Similarity)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn future_rows_never_change_a_prediction(
        past in prop::collection::vec((1u64..120, 0i64..50, any::<bool>(), 0usize..3, 1i64..5), 0..30),
        future in prop::collection::vec((0u64..10, 0i64..80, any::<bool>(), 0usize..3, 0usize..40), 1..8),
    ) {
        let teams = ["BOS", "NYK", "MIA"];
        let mut i = input(&[], 0);
        let mut days: Vec<_> = past.iter().map(|p| p.0).collect();
        days.sort_unstable_by(|a, b| b.cmp(a));
        for (d, (_, pts, home, t, rest)) in days.iter().zip(&past) {
            i.history.push(game(*d, teams[*t], *home, *pts, Some(*rest)));
        }
        let before: Vec<_> = systems().iter().map(|s| s.predict(&i)).collect();
        for (after, pts, home, t, at) in future {
            let mut g = game(0, teams[t], home, pts, Some(1));
            g.game_date = i.game_date + Days::new(after);
            let at = at.min(i.history.len());
            i.history.insert(at, g);
        }
        let after: Vec<_> = systems().iter().map(|s| s.predict(&i)).collect();
        prop_assert_eq!(before, after);
    }
}
