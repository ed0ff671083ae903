//! `stats.nba.com/stats/scheduleleaguev2int?LeagueID=00&Season=YYYY-YY`: the recorded response, verbatim
//! (gzip-encoded on the wire when the client accepts it, as stats.nba.com does). The file is found by the
//! requested season label. Not point-in-time: the recording is served as recorded (it is the schedule).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::respond::{Params, bad_param, error};

pub(crate) async fn schedule(State(state): State<AppState>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let p = Params::parse(q.as_deref());
    if p.get("LeagueID") != Some("00") {
        return bad_param("LeagueID", "LeagueID must be 00");
    }
    let season = match p.require("Season") {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let Some(file) = state.dataset.inner.schedules.get(season) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no schedule recorded for season {season}"),
        );
    };
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("gzip"));
    let json = [(header::CONTENT_TYPE, "application/json")];
    if !file.gzip {
        return (json, file.bytes.clone()).into_response();
    }
    if accepts_gzip {
        return (json, [(header::CONTENT_ENCODING, "gzip")], file.bytes.clone()).into_response();
    }
    let mut plain = Vec::new();
    match std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&file.bytes[..]), &mut plain) {
        Ok(_) => (json, plain).into_response(),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("recorded file does not decode: {e}"),
        ),
    }
}
