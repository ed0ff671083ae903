//! The resolver against the real embedded warehouse (DuckDB).

use chrono::NaiveDate;
use nba_cloud::embedded::DuckDbWarehouse;
use nba_cloud::writer::WriteContext;
use nba_cloud::{PartitionRange, Warehouse};
use nba_identity::{FileContext, NameUse, PlayerSighting, Resolver};
use nba_schemas::Table;
use nba_schemas::tables::reference::{PlayerRegistryEntry, UnresolvedPlayerName, UnresolvedPlayerOccurrence};
use serde_json::Value;

fn sighting(id: i64, name: &str, team: &str) -> PlayerSighting {
    PlayerSighting {
        player_id: id,
        display_name: name.into(),
        team_tricode: Some(team.into()),
        season: "2024-25".into(),
        game_date: NaiveDate::from_ymd_opt(2024, 10, 22),
    }
}

fn ctx(file: &str) -> WriteContext {
    WriteContext {
        source_file: Some(file.into()),
        ..Default::default()
    }
}

async fn scan(wh: &DuckDbWarehouse, schema: &'static nba_schemas::TableSchema) -> Vec<nba_schemas::Row> {
    wh.scan(schema, None::<PartitionRange>).await.unwrap()
}

async fn registry_of(wh: &DuckDbWarehouse) -> Resolver<'_> {
    let resolver = Resolver::new(wh);
    resolver.prepare().await.unwrap();
    let players = [
        sighting(1629651, "Nic Claxton", "BKN"),
        sighting(1630529, "Herbert Jones", "NOP"),
        sighting(203999, "Nikola Jokić", "DEN"),
        sighting(1630527, "Brandon Boston Jr.", "NOP"),
    ];
    resolver
        .register(&players, "nbac_gamelog_players", &ctx("gs://raw/a.json"))
        .await
        .unwrap();
    resolver
}

#[tokio::test]
async fn aliases_and_registry_resolve_and_the_rest_is_recorded() {
    let wh = DuckDbWarehouse::open_in_memory().unwrap();
    let resolver = registry_of(&wh).await;
    let before = resolver.queries();
    let names = [
        NameUse::new("Nicolas Claxton", 4), // seed alias
        NameUse::new("Herb Jones", 2),      // seed alias
        NameUse::new("Nikola Jokic", 4),    // registry, accents dropped
        NameUse::new("B.J. Boston Jr", 2),  // seed alias
        NameUse::new("Stephon Castle", 2),  // nobody knows him here
        NameUse::new("Stéphon  Castle", 1), // same lookup, other spelling
    ];
    let resolution = resolver.resolve(&names).await.unwrap();
    assert_eq!(resolver.queries() - before, 1, "one query for the whole file");
    assert_eq!(resolution.lookup_for("nicolasclaxton"), "nicclaxton");
    assert_eq!(resolution.lookup_for("herbjones"), "herbertjones");
    assert_eq!(resolution.lookup_for("bjbostonjr"), "brandonbostonjr");
    assert_eq!(resolution.lookup_for("nikolajokic"), "nikolajokic");
    assert_eq!(resolution.via_alias, 3);
    assert_eq!(resolution.unresolved.len(), 1);
    assert_eq!(resolution.unresolved[0].lookup, "stephoncastle");
    assert_eq!(resolution.unresolved[0].rows, 3);

    // Recorded once per file, however often the file is reprocessed.
    let day = NaiveDate::from_ymd_opt(2025, 1, 10);
    for file in ["gs://raw/p1.json", "gs://raw/p1.json", "gs://raw/p2.json"] {
        let write = ctx(file);
        let fc = FileContext {
            source: "odds_api_player_props",
            source_file: file,
            game_date: day,
            write: &write,
        };
        resolver.record_unresolved(&resolution.unresolved, &fc).await.unwrap();
    }
    let occurrences = scan(&wh, UnresolvedPlayerOccurrence::SCHEMA).await;
    assert_eq!(occurrences.len(), 2);
    let names = scan(&wh, UnresolvedPlayerName::SCHEMA).await;
    assert_eq!(names.len(), 1);
    assert_eq!(names[0]["player_lookup"], Value::from("stephoncastle"));
    assert_eq!(names[0]["occurrences"], Value::from(2));
    assert_eq!(names[0]["first_seen_file"], Value::from("gs://raw/p1.json"));
    assert_eq!(names[0]["first_seen_date"], Value::from("2025-01-10"));
}

#[tokio::test]
async fn the_registry_is_a_set_of_facts() {
    let wh = DuckDbWarehouse::open_in_memory().unwrap();
    let resolver = registry_of(&wh).await;
    // Restating the same players (a redelivery) adds nothing; a trade adds a row.
    let again = resolver
        .register(
            &[
                sighting(1629651, "Nic Claxton", "BKN"),
                sighting(1629651, "Nic Claxton", "BKN"),
            ],
            "nbac_gamelog_players",
            &ctx("gs://raw/b.json"),
        )
        .await
        .unwrap();
    assert_eq!(again.inserted, 0);
    let traded = resolver
        .register(
            &[sighting(1630529, "Herbert Jones", "LAL")],
            "x",
            &ctx("gs://raw/c.json"),
        )
        .await
        .unwrap();
    assert_eq!(traded.inserted, 1);
    let rows = scan(&wh, PlayerRegistryEntry::SCHEMA).await;
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().any(|r| r["player_lookup"] == "nikolajokic"));
    // Preparing twice (a new instance) keeps one copy of each seed alias.
    resolver.prepare().await.unwrap();
    let aliases = wh
        .query("SELECT count(*) AS n FROM nba_reference.player_aliases", vec![])
        .await
        .unwrap();
    assert_eq!(
        aliases[0]["n"],
        Value::from(nba_identity::aliases::SEED_ALIASES.len() as i64)
    );
}

#[tokio::test]
async fn an_empty_file_issues_no_query() {
    let wh = DuckDbWarehouse::open_in_memory().unwrap();
    let resolver = Resolver::new(&wh);
    resolver.prepare().await.unwrap();
    let resolution = resolver.resolve(&[]).await.unwrap();
    assert_eq!(resolver.queries(), 0);
    assert!(resolution.unresolved.is_empty());
}
