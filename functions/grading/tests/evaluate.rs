//! The walk-forward harness: a synthetic season end to end through the warehouse
//! (table, JSON, PNG), and the leak guards: a model may never see its own target.

mod common;

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use common::{date, season};
use nba_cloud::embedded::{LocalCloud, LocalCloudOptions};
use nba_cloud::writer::{WriteContext, write_rows};
use nba_grading::evaluate::dataset::{Dataset, FeatureRow, GameRow, InputProvider, TrainingRow};
use nba_grading::evaluate::guard::LeakError;
use nba_grading::evaluate::report;
use nba_grading::evaluate::systems::{RegistryFactory, StandardFactory, SystemFactory, SystemSet};
use nba_grading::evaluate::{EvaluateError, EvaluateOptions, evaluate, evaluate_with};
use nba_systems::PastGame;

#[tokio::test]
async fn a_synthetic_season_evaluates_end_to_end_with_json_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = LocalCloud::open(
        dir.path(),
        LocalCloudOptions {
            in_memory_warehouse: true,
            ..Default::default()
        },
    )
    .unwrap();
    let clients = cloud.clients();
    let s = season(12, 40, false);
    let ctx = WriteContext::default();
    write_rows(clients.warehouse.as_ref(), &s.features, &ctx).await.unwrap();
    write_rows(clients.warehouse.as_ref(), &s.games, &ctx).await.unwrap();

    let out = dir.path().join("eval");
    let opts = EvaluateOptions {
        out_dir: Some(out.clone()),
        // The platform's 7 systems; fewer trees keep the 4 weekly refits quick in a debug build.
        factory: Arc::new(RegistryFactory::with_trees(30)),
        ..Default::default()
    };
    let (from, to) = (date(2024, 11, 15), date(2024, 12, 10));
    let report = evaluate(clients.warehouse.as_ref(), from, to, &opts).await.unwrap();
    println!("{}", report::table(&report));

    assert_eq!(report.dates_evaluated, 26);
    assert_eq!(report.duplicates, 0);
    // The platform's 7 systems, both tree models trained at every refit.
    let mut ids: Vec<&str> = report.systems.iter().map(|s| s.system_id.as_str()).collect();
    let mut expected = nba_systems::SYSTEM_IDS.to_vec();
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected);
    // Weekly refits, each on rows strictly before its date.
    assert_eq!(report.training_windows.len(), 4);
    for w in &report.training_windows {
        assert!(w.rows > 0);
        assert!(w.latest_row.unwrap() < w.as_of, "{w:?}");
    }
    for s in &report.systems {
        assert!(s.graded > 0, "{s:?}");
        assert!(s.mae.unwrap() > 1.0, "noise of ±6 points cannot be predicted: {s:?}");
        assert!(
            s.lined > 0 && s.line_mae.is_some() && s.season_average_mae.is_some(),
            "{s:?}"
        );
        assert!(s.voids > 0, "DNPs are voided: {s:?}");
        assert_eq!(s.wins + s.losses + s.pushes, s.actionable, "{s:?}");
    }
    // Lines off the season average make picks (the synthetic vectors default most
    // features, so the moving average's confidence stays under the pick floor).
    assert!(report.systems.iter().any(|s| s.wins + s.losses > 10), "no picks at all");
    assert!(report.baselines.season_average_mae.is_some() && report.baselines.line_mae.is_some());
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    let stem = format!("evaluation_{from}_{to}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(format!("{stem}.json"))).unwrap()).unwrap();
    assert_eq!(json["systems"].as_array().unwrap().len(), report.systems.len());
    assert_eq!(json["chart"]["legend"].as_array().unwrap().len(), report.systems.len());
    let png = std::fs::read(out.join(format!("{stem}.png"))).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (960, 600));
}

/// A deliberately leaky provider: hands the trainer the predicted day's rows too.
struct TrainsOnTheDay(Dataset);

impl InputProvider for TrainsOnTheDay {
    fn dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        self.0.dates(from, to)
    }
    fn features_on(&self, date: NaiveDate) -> Vec<FeatureRow> {
        self.0.features_on(date)
    }
    fn history_before(&self, player: &str, date: NaiveDate) -> Vec<PastGame> {
        self.0.history_before(player, date)
    }
    fn training_before(&self, date: NaiveDate) -> Vec<TrainingRow> {
        self.0.training_before(date.succ_opt().unwrap())
    }
    fn actual(&self, player: &str, date: NaiveDate) -> Option<GameRow> {
        self.0.actual(player, date)
    }
}

#[test]
fn training_on_the_predicted_day_is_refused() {
    let data = season(6, 30, false).dataset();
    let err = evaluate_with(
        &TrainsOnTheDay(data),
        date(2024, 11, 20),
        date(2024, 11, 25),
        &EvaluateOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, EvaluateError::Leak(LeakError::TrainingNotBefore { date: d, row_date, .. }) if row_date >= d),
        "{err}"
    );
}

#[test]
fn a_feature_holding_the_days_own_points_fails_the_leak_guard() {
    // points_avg_last_3 = the points scored that very day: a trained model would
    // learn to copy it and "predict" with a near-zero MAE.
    let data = season(6, 30, true).dataset();
    let err = evaluate_with(
        &data,
        date(2024, 11, 20),
        date(2024, 11, 25),
        &EvaluateOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, EvaluateError::Leak(LeakError::FeatureIsTarget { feature, .. }) if feature == "points_avg_last_3"),
        "{err}"
    );
}

/// Records what each build was given.
struct Spy {
    seen: Mutex<Vec<(NaiveDate, Option<NaiveDate>, usize)>>,
}

impl SystemFactory for Spy {
    fn build(&self, training: &[TrainingRow], as_of: NaiveDate) -> Result<SystemSet, String> {
        let latest = training.iter().map(|r| r.game_date).max();
        self.seen.lock().unwrap().push((as_of, latest, training.len()));
        StandardFactory.build(training, as_of)
    }
}

#[test]
fn every_model_is_trained_only_on_rows_strictly_before_the_dates_it_predicts() {
    let data = season(6, 40, false).dataset();
    let spy = Arc::new(Spy {
        seen: Mutex::new(Vec::new()),
    });
    let opts = EvaluateOptions {
        retrain_every_days: 3,
        factory: spy.clone(),
        ..Default::default()
    };
    let (from, to) = (date(2024, 11, 10), date(2024, 12, 5));
    let report = evaluate_with(&data, from, to, &opts).unwrap();
    let seen = spy.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 9, "{seen:?}");
    for (i, (as_of, latest, rows)) in seen.iter().enumerate() {
        assert!(latest.unwrap() < *as_of, "{as_of}: trained through {latest:?}");
        // A model is used until the next refit: every date it predicts is after its data.
        let next = seen.get(i + 1).map_or(to, |s| s.0);
        assert!(latest.unwrap() < next);
        if i > 0 {
            assert!(*rows > seen[i - 1].2, "more history at each refit");
        }
    }
    assert_eq!(report.training_windows.len(), seen.len());
}

#[test]
fn a_duplicated_player_on_a_date_is_an_error() {
    struct Doubled(Dataset);
    impl InputProvider for Doubled {
        fn dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
            self.0.dates(from, to)
        }
        fn features_on(&self, date: NaiveDate) -> Vec<FeatureRow> {
            let mut rows = self.0.features_on(date);
            rows.push(rows[0].clone());
            rows
        }
        fn history_before(&self, player: &str, date: NaiveDate) -> Vec<PastGame> {
            self.0.history_before(player, date)
        }
        fn training_before(&self, date: NaiveDate) -> Vec<TrainingRow> {
            self.0.training_before(date)
        }
        fn actual(&self, player: &str, date: NaiveDate) -> Option<GameRow> {
            self.0.actual(player, date)
        }
    }
    let data = season(4, 20, false).dataset();
    let err = evaluate_with(
        &Doubled(data),
        date(2024, 11, 10),
        date(2024, 11, 12),
        &EvaluateOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, EvaluateError::Duplicates { .. }), "{err}");
}
