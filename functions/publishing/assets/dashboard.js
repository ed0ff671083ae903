// The dashboard: reads only the published JSON under v1/ (same origin), builds the
// page with DOM calls (never innerHTML: player names are data), and draws its charts
// as inline SVG. No framework, no build step.
"use strict";

// Errors the page met, for people (shown) and for the browser test (read).
window.__dashboardErrors = [];
window.addEventListener("error", (e) => window.__dashboardErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.__dashboardErrors.push(String(e.reason)));

const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c);
  return node;
}

function fmt(x, digits = 1) {
  return x === null || x === undefined ? "—" : Number(x).toFixed(digits);
}

function pct(x) {
  return x === null || x === undefined ? "—" : (100 * x).toFixed(1) + "%";
}

function table(headers, rows) {
  const head = el("tr", {}, ...headers.map(([label, cls]) => el("th", { class: cls, text: label })));
  return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows));
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function tipTime(iso) {
  if (!iso) return "time TBD";
  const t = new Date(iso);
  return t.toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit", timeZone: "America/New_York" }) + " ET";
}

// ---- tonight's picks -------------------------------------------------------

const state = { predictions: null, selectedPlayer: null };

function filters() {
  return {
    system: document.getElementById("system-filter").value,
    minEdge: Number(document.getElementById("edge-filter").value) || 0,
    actionable: document.getElementById("actionable-filter").checked,
  };
}

function keep(p, f) {
  if (f.system && p.system_id !== f.system) return false;
  if (f.actionable && !p.actionable) return false;
  if (f.minEdge > 0 && (p.edge === null || Math.abs(p.edge) < f.minEdge)) return false;
  return true;
}

function renderPicks() {
  const doc = state.predictions;
  const games = document.getElementById("games");
  games.replaceChildren();
  if (!doc) return;
  const f = filters();
  let shown = 0;
  for (const g of doc.games) {
    const rows = [];
    for (const player of g.players) {
      for (const p of player.predictions.filter((p) => keep(p, f))) {
        shown += 1;
        const name = el("button", { type: "button", class: "player", "data-player": player.player_lookup, text: player.player_name });
        name.addEventListener("click", () => showPlayer(player.player_lookup));
        const factors = p.key_factors.slice(0, 3).map((k) => `${k.name} ${k.value > 0 ? "+" : ""}${fmt(k.value, 2)}`).join(", ");
        rows.push(
          el("tr", { "data-pick": "", "data-system": p.system_id, "data-recommendation": p.recommendation },
            el("td", {}, name),
            el("td", { text: `${player.team} ${player.is_home ? "vs" : "@"} ${player.opponent}` }),
            el("td", { text: p.system_id }),
            el("td", { class: "num", text: fmt(p.predicted_points) }),
            el("td", { class: "num", text: fmt(p.line) }),
            el("td", { class: "num", text: p.edge === null ? "—" : (p.edge > 0 ? "+" : "") + fmt(p.edge) }),
            el("td", { class: "rec", text: p.recommendation, title: p.not_actionable_reason || "" }),
            el("td", { class: "num", text: pct(p.confidence) }),
            el("td", { class: "muted", text: factors })));
      }
    }
    const title = el("h3", { text: `${g.away_team} @ ${g.home_team} — ${tipTime(g.tip_time_utc)}` });
    const body = rows.length
      ? table([["Player"], ["Matchup"], ["System"], ["Predicted", "num"], ["Line", "num"], ["Edge", "num"], ["Call"], ["Confidence", "num"], ["Key factors"]], rows)
      : el("p", { class: "muted", text: doc.publication === "withheld" ? "Picks withheld." : "No prediction matches the filters." });
    games.append(el("div", { class: "game", "data-game": g.game_id }, title, body));
  }
  const count = document.getElementById("pick-count");
  count.dataset.count = String(shown);
  count.textContent = `${shown} prediction${shown === 1 ? "" : "s"}`;
}

function setupPicks(doc) {
  state.predictions = doc;
  const published = doc.publication === "published";
  document.getElementById("headline").textContent =
    `${doc.game_date}: ${doc.games.length} game${doc.games.length === 1 ? "" : "s"}` +
    (published ? `, coverage ${pct(doc.coverage.share)}` : " — picks withheld");
  const banner = document.getElementById("withheld");
  banner.hidden = published;
  banner.textContent = published ? "" : `Picks withheld: ${doc.coverage.reason}`;
  const select = document.getElementById("system-filter");
  for (const s of doc.systems) select.append(el("option", { value: s, text: s }));
  for (const id of ["system-filter", "edge-filter", "actionable-filter"]) {
    document.getElementById(id).addEventListener("input", renderPicks);
    document.getElementById(id).addEventListener("change", renderPicks);
  }
  document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
  renderPicks();
  // Open the player with the largest edge, so the sparkline is there on load.
  let best = null;
  for (const g of doc.games) for (const player of g.players) for (const p of player.predictions) {
    if (p.edge !== null && (!best || Math.abs(p.edge) > best.edge)) best = { lookup: player.player_lookup, edge: Math.abs(p.edge) };
  }
  const first = best || (doc.games.flatMap((g) => g.players)[0] && { lookup: doc.games.flatMap((g) => g.players)[0].player_lookup });
  if (first) showPlayer(first.lookup);
}

// ---- a player's sparkline --------------------------------------------------

function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

function polyline(points, cls) {
  const defined = points.filter((p) => p[1] !== null);
  return svg("polyline", { class: cls, fill: "none", "stroke-width": 2, points: defined.map((p) => p.join(",")).join(" ") });
}

function sparkline(doc, system) {
  const w = 520, h = 140, pad = 24;
  const games = doc.games;
  const predicted = (g) => {
    const ps = g.predictions.filter((p) => !system || p.system_id === system).map((p) => p.predicted_points);
    return mean(ps);
  };
  const values = games.flatMap((g) => [g.points, g.line, predicted(g)]).filter((v) => v !== null && v !== undefined);
  const max = Math.max(10, ...values) * 1.1;
  const x = (i) => pad + (games.length > 1 ? (i * (w - 2 * pad)) / (games.length - 1) : (w - 2 * pad) / 2);
  const y = (v) => (v === null || v === undefined ? null : h - pad - (v / max) * (h - 2 * pad));
  const series = (f) => games.map((g, i) => [x(i).toFixed(1), y(f(g)) === null ? null : y(f(g)).toFixed(1)]);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: "img", "aria-label": `${doc.player_name}: points, predictions and lines` },
    svg("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#e5e7eb" }),
    polyline(series((g) => g.line), "spark-line"),
    polyline(series(predicted), "spark-pred"),
    polyline(series((g) => g.points), "spark-points"));
  games.forEach((g, i) => {
    chart.append(svg("text", { x: x(i) - 14, y: h - 6, text: g.game_date.slice(5) }));
    if (g.points !== null) chart.append(svg("circle", { cx: x(i), cy: y(g.points), r: 3, fill: "#1d2430" }));
  });
  chart.append(svg("text", { x: 2, y: 12, text: `${Math.round(max)} pts` }));
  return chart;
}

async function showPlayer(lookup) {
  state.selectedPlayer = lookup;
  const box = document.getElementById("sparkline");
  try {
    const doc = await getJson(`v1/players/${encodeURIComponent(lookup)}.json`);
    if (state.selectedPlayer !== lookup) return;
    const system = filters().system;
    document.getElementById("player-title").textContent = `${doc.player_name} (${doc.team})`;
    document.getElementById("player-hint").textContent =
      `Last ${doc.games.length} games: points, ${system || "mean of the systems'"} prediction, and the line.`;
    const legend = el("p", { class: "legend" },
      el("span", { class: "points", text: "● points" }),
      el("span", { class: "pred", text: "— predicted" }),
      el("span", { class: "line", text: "- - line" }));
    box.replaceChildren(sparkline(doc, system), legend);
    box.dataset.player = lookup;
  } catch (e) {
    box.replaceChildren(el("p", { class: "muted", text: `No player document: ${e.message}` }));
  }
}

// ---- results, systems, status ---------------------------------------------

function summaryRow(label, s) {
  return el("tr", {},
    el("td", { text: label }),
    el("td", { class: "num", text: String(s.graded) }),
    el("td", { class: "num", text: `${s.wins}-${s.losses}${s.pushes ? "-" + s.pushes : ""}` }),
    el("td", { class: "num", text: pct(s.win_rate) }),
    el("td", { class: "num", text: fmt(s.mae, 2) }),
    el("td", { class: "num", text: fmt(s.bias, 2) }));
}

function renderResults(doc) {
  document.getElementById("results-title").textContent = `Results of ${doc.game_date}`;
  const headers = [["System"], ["Graded", "num"], ["W-L", "num"], ["Win rate", "num"], ["MAE", "num"], ["Bias", "num"]];
  const rows = [summaryRow("all systems", doc.summary), ...doc.per_system.map((s) => summaryRow(s.system_id, s))];
  const picks = doc.picks.filter((p) => p.is_actionable).slice(0, 20).map((p) =>
    el("tr", { "data-outcome": p.outcome },
      el("td", { text: p.player_name }), el("td", { text: p.system_id }), el("td", { text: p.recommendation }),
      el("td", { class: "num", text: fmt(p.line) }), el("td", { class: "num", text: p.actual_points === null ? "DNP" : String(p.actual_points) }),
      el("td", { text: p.outcome })));
  const body = document.getElementById("results-body");
  body.replaceChildren(table(headers, rows));
  body.append(picks.length
    ? table([["Player"], ["System"], ["Call"], ["Line", "num"], ["Scored", "num"], ["Outcome"]], picks)
    : el("p", { class: "muted", text: "No actionable pick that day (every call was PASS or NO_LINE)." }));
}

function renderSystems(doc) {
  const systems = doc.systems.map((s) => ({ id: s.system_id, w: s.windows.find((w) => w.window === "last_30_days") }))
    .filter((s) => s.w && s.w.mae !== null);
  const box = document.getElementById("systems-chart");
  if (!systems.length) return;
  const rowH = 26, labelW = 170, barW = 300, w = labelW + barW + 150;
  const maxMae = Math.max(...systems.map((s) => s.w.mae));
  const chart = svg("svg", { viewBox: `0 0 ${w} ${systems.length * rowH + 20}`, width: w, height: systems.length * rowH + 20, role: "img", "aria-label": "MAE and hit rate per system, last 30 days" });
  systems.forEach((s, i) => {
    const yy = 10 + i * rowH;
    chart.append(svg("text", { x: 0, y: yy + 14, text: s.id }));
    chart.append(svg("rect", { class: "bar", x: labelW, y: yy, height: 16, width: ((s.w.mae / maxMae) * barW).toFixed(1), "data-system": s.id }));
    chart.append(svg("text", { x: labelW + barW + 8, y: yy + 13, text: `MAE ${fmt(s.w.mae, 2)} · hit rate ${pct(s.w.win_rate)} (${s.w.wins}-${s.w.losses})` }));
  });
  box.replaceChildren(el("p", { class: "muted", text: `Last 30 days to ${doc.as_of}: mean absolute error (bar) and hit rate on actionable picks.` }), chart);
}

function renderStatus(doc) {
  const badge = document.getElementById("health");
  badge.dataset.health = doc.health;
  badge.textContent = `pipeline ${doc.health}`;
  const phases = doc.phases.map((p) =>
    el("tr", { "data-phase": p.phase },
      el("td", { text: p.phase }),
      el("td", { class: `state-${p.state}`, text: p.state.replace("_", " ") }),
      el("td", { class: "num", text: String(p.runs) }),
      el("td", { class: "num", text: String(p.rows_written) }),
      el("td", { text: p.last_run_at ? new Date(p.last_run_at).toLocaleString() : "—" })));
  const alerts = doc.alerts.length
    ? el("ul", { class: "alerts" }, ...doc.alerts.map((a) => el("li", { "data-severity": a.severity, text: `${a.source}: ${a.message}` })))
    : el("p", { class: "muted", text: "No open alerts." });
  const missing = doc.missing.length ? el("ul", {}, ...doc.missing.map((m) => el("li", { text: m }))) : el("p", { class: "muted", text: "Nothing missing." });
  const log = doc.recent_executions.slice(0, 40).map((e) =>
    el("tr", {},
      el("td", { text: new Date(e.started_at).toLocaleTimeString() }),
      el("td", { text: e.function }),
      el("td", { class: `state-${e.status === "success" ? "complete" : e.status === "failed" ? "failed" : "partial"}`, text: e.status }),
      el("td", { class: "num", text: String(e.duration_ms) }),
      el("td", { class: "num", text: String(e.rows_written) }),
      el("td", { class: "muted", text: e.message || "" })));
  document.getElementById("status-body").replaceChildren(
    el("p", { text: `Day ${doc.game_date}: ${doc.total_executions} invocations.` }),
    table([["Phase"], ["State"], ["Runs", "num"], ["Rows written", "num"], ["Last run"]], phases),
    el("h3", { text: "Alerts" }), alerts,
    el("h3", { text: "Missing" }), missing,
    el("h3", { text: "Execution log (latest first)" }),
    table([["Started"], ["Function"], ["Status"], ["ms", "num"], ["Rows", "num"], ["Note"]], log));
}

// Each section loads on its own: one missing document does not blank the page.
async function load(path, render) {
  try {
    render(await getJson(path));
  } catch (e) {
    window.__dashboardErrors.push(String(e.message || e));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  Promise.all([
    load("v1/predictions/today.json", setupPicks),
    load("v1/results/latest.json", renderResults),
    load("v1/systems/performance.json", renderSystems),
    load("v1/status.json", renderStatus),
  ]).then(() => { document.body.dataset.loaded = "true"; });
});
