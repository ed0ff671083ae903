//! The OpenAPI 3.1 document of the API, generated from the route table below and the
//! documents' types (their JSON Schemas become `components.schemas`). The router
//! serves exactly these routes; a test checks every path here resolves.

use schemars::Schema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Value, json};

use crate::api::query::PredictionsQueryResponse;
use crate::documents::{BestBetsDoc, PlayerDoc, PredictionsDoc, ResultsDoc, StatusDoc, SystemsPerformanceDoc};
use crate::paths::{DocPath, Freshness};

/// A path or query parameter.
struct Param {
    name: &'static str,
    location: &'static str,
    required: bool,
    description: &'static str,
    schema: Value,
}

/// One GET operation.
struct Operation {
    path: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    response: Schema,
    /// Cache-Control class, for documents.
    freshness: Option<Freshness>,
}

fn date_param(location: &'static str, required: bool) -> Param {
    Param {
        name: "date",
        location,
        required,
        description: "ET game date, YYYY-MM-DD",
        schema: json!({"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}),
    }
}

fn player_param(location: &'static str, required: bool) -> Param {
    Param {
        name: "player_lookup",
        location,
        required,
        description: "normalised player name, [a-z0-9]+ (e.g. lebronjames)",
        schema: json!({"type": "string", "pattern": "^[a-z0-9]+$"}),
    }
}

/// One operation per published document kind. The match has no wildcard: a new
/// document kind does not compile until it is described here.
fn document_operation(example: DocPath, g: &mut SchemaGenerator) -> Operation {
    let freshness = Some(example.freshness());
    let (path, summary, params, response) = match example {
        DocPath::Predictions(_) => (
            "/v1/predictions/{date}.json",
            "A date's predictions: games → players → each system's prediction",
            vec![date_param("path", true)],
            g.subschema_for::<PredictionsDoc>(),
        ),
        DocPath::PredictionsToday => (
            "/v1/predictions/today.json",
            "The newest exported date's predictions",
            vec![],
            g.subschema_for::<PredictionsDoc>(),
        ),
        DocPath::BestBets(_) => (
            "/v1/best-bets/{date}.json",
            "A date's actionable picks ranked by edge and the system's recent record",
            vec![date_param("path", true)],
            g.subschema_for::<BestBetsDoc>(),
        ),
        DocPath::Results(_) => (
            "/v1/results/{date}.json",
            "A graded date: every graded pick and the summary (win rate, MAE, bias, counts)",
            vec![date_param("path", true)],
            g.subschema_for::<ResultsDoc>(),
        ),
        DocPath::ResultsLatest => (
            "/v1/results/latest.json",
            "The newest graded date",
            vec![],
            g.subschema_for::<ResultsDoc>(),
        ),
        DocPath::Player(_) => (
            "/v1/players/{player_lookup}.json",
            "A player's last games: points, lines and predictions",
            vec![player_param("path", true)],
            g.subschema_for::<PlayerDoc>(),
        ),
        DocPath::SystemsPerformance => (
            "/v1/systems/performance.json",
            "Per-system rolling MAE and hit rate",
            vec![],
            g.subschema_for::<SystemsPerformanceDoc>(),
        ),
        DocPath::Status => (
            "/v1/status.json",
            "Freshness and completeness of each phase for the day, open alerts, the execution log",
            vec![],
            g.subschema_for::<StatusDoc>(),
        ),
    };
    Operation {
        path,
        summary,
        params,
        response,
        freshness,
    }
}

/// One example of each document kind (the route table's rows).
pub fn document_kinds() -> Vec<DocPath> {
    let d = chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap_or_default();
    vec![
        DocPath::Predictions(d),
        DocPath::PredictionsToday,
        DocPath::BestBets(d),
        DocPath::Results(d),
        DocPath::ResultsLatest,
        DocPath::Player("lebronjames".into()),
        DocPath::SystemsPerformance,
        DocPath::Status,
    ]
}

fn operations(g: &mut SchemaGenerator) -> Vec<Operation> {
    let mut ops: Vec<Operation> = document_kinds().into_iter().map(|k| document_operation(k, g)).collect();
    ops.push(Operation {
        path: "/v1/predictions",
        summary: "A date's active predictions from the warehouse, filtered by player and system",
        params: vec![
            date_param("query", true),
            Param {
                name: "player",
                ..player_param("query", false)
            },
            Param {
                name: "system",
                location: "query",
                required: false,
                description: "a prediction system id",
                schema: json!({"type": "string", "enum": nba_systems::SYSTEM_IDS}),
            },
        ],
        response: g.subschema_for::<PredictionsQueryResponse>(),
        freshness: Some(Freshness::Live),
    });
    ops.push(Operation {
        path: "/healthz",
        summary: "Liveness",
        params: vec![],
        response: schemars::json_schema!({
            "type": "object",
            "properties": {"status": {"const": "ok"}},
            "required": ["status"]
        }),
        freshness: None,
    });
    ops
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"enum": ["bad_request", "not_found", "unavailable", "internal"]},
            "message": {"type": "string"}
        }
    })
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut g = settings.into_generator();
    let mut paths = serde_json::Map::new();
    for op in operations(&mut g) {
        paths.insert(op.path.to_string(), json!({"get": operation_json(op)}));
    }
    let mut schemas = g.definitions().clone();
    schemas.insert("Error".into(), error_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "NBA player-prop predictions API",
            "version": crate::documents::API_VERSION,
            "description": "Published predictions, best bets, graded results, players, system performance and pipeline status. Documents answer with ETag (If-None-Match → 304), gzip when accepted, and Cache-Control by freshness (live 30 s, daily 300 s)."
        },
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

fn operation_json(op: Operation) -> Value {
    let parameters: Vec<Value> = op
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name, "in": p.location, "required": p.required,
                "description": p.description, "schema": p.schema
            })
        })
        .collect();
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut ok = json!({"description": "OK", "content": {"application/json": {"schema": op.response}}});
    if let Some(f) = op.freshness {
        ok["headers"] = json!({
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string", "const": f.cache_control()}}
        });
    }
    json!({
        "summary": op.summary,
        "parameters": parameters,
        "responses": {
            "200": ok,
            "304": {"description": "Not modified (If-None-Match matched the ETag)"},
            "400": error("Invalid input (bad date, unknown system, bad player)"),
            "404": error("Not published"),
            "503": error("Temporarily unavailable")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_route_is_described_and_parses_back() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        for kind in document_kinds() {
            let described = paths.keys().any(|p| {
                let concrete = p
                    .replace("{date}", "2025-01-10")
                    .replace("{player_lookup}", "lebronjames");
                concrete == format!("/v1/{}", kind.relative())
            });
            assert!(described, "{} is not in the OpenAPI document", kind.relative());
        }
        for p in paths.keys().filter(|p| p.ends_with(".json")) {
            let concrete = p
                .replace("{date}", "2025-01-10")
                .replace("{player_lookup}", "lebronjames");
            assert!(DocPath::parse(concrete.trim_start_matches("/v1/")).is_ok(), "{p}");
        }
        // Every $ref resolves inside the document.
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap();
            let name = target.trim_start_matches("#/components/schemas/");
            assert!(doc["components"]["schemas"].get(name).is_some(), "dangling {target}");
        }
    }
}
