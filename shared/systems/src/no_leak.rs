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

/// The market-aware tree model: what it may see is the feature vector and tonight's line; its
/// training takes only games before the cut-off, and never a vector that holds its own target.
mod market {
    use std::sync::OnceLock;

    use chrono::Days;
    use proptest::prelude::*;

    use crate::gbt::{GBT_HUBER_ID, GbtSystem, TrainError, TrainingExample, train_examples};
    use crate::testing::{day, full_features, game, input};
    use crate::{GbtParams, PredictionSystem};

    fn params() -> GbtParams {
        GbtParams {
            n_trees: 20,
            learning_rate: 0.2,
            min_leaf: 10,
            ..GbtParams::huber()
        }
    }

    /// 400 games before `day()`: points = line ± 3 alternating, home adds 2.
    fn examples() -> Vec<TrainingExample> {
        (0..400u32)
            .map(|i| {
                let line = 10.5 + f64::from(i % 15);
                let home = f64::from(i / 3 % 2);
                TrainingExample {
                    game_date: day() - Days::new(u64::from(1 + i % 80)),
                    features: full_features(&[("points_avg_last_5", line), ("home_away", home)]),
                    line: Some(line),
                    points: line + if i % 2 == 0 { 3.0 } else { -3.0 } + 2.0 * home,
                }
            })
            .collect()
    }

    fn system() -> &'static GbtSystem {
        static SYSTEM: OnceLock<GbtSystem> = OnceLock::new();
        SYSTEM.get_or_init(|| {
            let a = train_examples(GBT_HUBER_ID, &examples(), &params(), true, day()).unwrap();
            GbtSystem::new(GBT_HUBER_ID, a).unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// Games (and their lines) on or after the date, anywhere in the history, never move it.
        #[test]
        fn future_games_and_their_lines_never_change_the_market_prediction(
            line in 5.0f64..35.0,
            future in prop::collection::vec((0u64..10, 0i64..60, 0.0f64..40.0, 0usize..12), 1..6),
        ) {
            let mut i = input(&[], 12);
            i.features = full_features(&[("points_avg_last_5", line.round())]);
            i.line = Some((line * 2.0).round() / 2.0);
            let before = system().predict(&i).unwrap();
            prop_assert!(before.factor("line").is_some());
            for (after, pts, future_line, at) in future {
                let mut g = game(0, "BOS", true, pts, Some(1));
                g.game_date = i.game_date + Days::new(after);
                g.points_line = Some(future_line);
                let at = at.min(i.history.len());
                i.history.insert(at, g);
            }
            prop_assert_eq!(before, system().predict(&i).unwrap());
        }
    }

    #[test]
    fn a_training_row_on_or_after_the_cutoff_is_refused() {
        let mut ex = examples();
        ex[7].game_date = day();
        let err = train_examples(GBT_HUBER_ID, &ex, &params(), true, day()).unwrap_err();
        assert!(
            matches!(err, TrainError::NotBefore { row_date, .. } if row_date == day()),
            "{err}"
        );
    }

    #[test]
    fn a_vector_holding_the_target_is_refused() {
        // The points themselves, or the residual the market model learns (points − line).
        for (name, leak) in [
            (
                "points_avg_last_3",
                (|e: &TrainingExample| e.points) as fn(&TrainingExample) -> f64,
            ),
            ("recent_trend", |e| e.points - e.line.unwrap()),
        ] {
            let ex: Vec<TrainingExample> = examples()
                .into_iter()
                .map(|mut e| {
                    let v = leak(&e);
                    e.features.insert(name.into(), v);
                    e
                })
                .collect();
            let err = train_examples(GBT_HUBER_ID, &ex, &params(), true, day()).unwrap_err();
            assert_eq!(err, TrainError::TargetLeak { feature: name.into() });
        }
        // An honest vector trains.
        assert!(train_examples(GBT_HUBER_ID, &examples(), &params(), true, day()).is_ok());
    }
}
