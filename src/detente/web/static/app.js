// detente web page: talks to the JSON API of the same origin; draws with the local Plotly.
"use strict";

const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
const MODEL_STYLE = {
  compromise: ["#0072B2", "solid"], median: ["#D55E00", "dash"],
  nash: ["#009E73", "dashdot"], bdm: ["#CC79A7", "dot"],
  pce: ["#E69F00", "longdash"], exchange: ["#56B4E9", "longdashdot"], kalai: ["#000000", "dash"],
};
const DASHES = ["solid", "dash", "dashdot", "dot"];
// Plain-language explanations of the registered models (the API gives each model's label and
// reference; a model not listed here is explained by those).
const MODEL_HELP = {
  compromise: "The average of the actors' positions, each weighted by capability × salience: where the outcome lands if everyone pulls towards their position with their weight.",
  median: "The position with half of the weight (capability × salience) on either side: the point no weighted majority can move.",
  nash: "The Nash bargaining deal: the terms that maximise the product of every actor's gain over the status quo, so nobody accepts less than no deal.",
  bdm: "Bueno de Mesquita's expected-utility model: round by round, actors challenge each other when they expect to win, and the losers move; the forecast is where the rounds settle.",
  pce: "Probabilistic Condorcet election: positions compete in pairwise votes weighted by clout; the forecast is the position most likely to win such contests.",
  exchange: "Stokman's exchange model: actors trade support, giving ground on issues they care little about for ground on issues they care a lot about; then the weighted average.",
  kalai: "The Kalai–Smorodinsky deal: every actor gets the same share of the most it could hope for over the status quo.",
};
// `detente simulate`'s default number of paths (src/detente/cli/simulate.py; tests/test_web.py
// keeps the two in step). DECISIONS WEB-4.
const CLI_PATHS = 10000;

const state = {
  ref: null,          // {builtin} or {text, format, filename}
  overrides: new Map(), // path -> value
  data: null,         // last ForecastResponse
  campaign: null,     // last SimulateResponse, or null without a campaign
  campaignSeq: 0,
  issue: null,
  actor: null,
  seq: 0,
  leverScenario: null, // the scenario name the lever panel was filled for
  leverSeq: 0,
  leverGoalWhy: "",   // how the default goal was set
  leverGoalDefault: "",
  mapSeq: 0,
};

const $ = (id) => document.getElementById(id);

function modelStyle(name, k) {
  return MODEL_STYLE[name] || [PALETTE[(k + 4) % PALETTE.length], DASHES[k % DASHES.length]];
}

function modelHelp(f) {
  return MODEL_HELP[f.model] || `${f.label}; see ${f.reference}.`;
}

function fmt(x) { return x === null || x === undefined ? "-" : Number(x).toFixed(1); }

function showError(message) {
  const box = $("error");
  if (message) { box.textContent = message; box.hidden = false; } else { box.hidden = true; box.textContent = ""; }
}

function setStatus(text) { $("status").textContent = text; }

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return response;
}

async function errorText(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    return JSON.stringify(body.detail);
  } catch (e) {
    return `HTTP ${response.status}`;
  }
}

function requestBody() {
  return {
    scenario: state.ref,
    overrides: Array.from(state.overrides, ([path, value]) => ({ path, value })),
  };
}

async function refresh() {
  const seq = ++state.seq;
  setStatus("updating…");
  const response = await postJSON("/api/forecast", requestBody());
  if (seq !== state.seq) return; // a newer request is on its way
  if (!response.ok) {
    showError(await errorText(response));
    setStatus("");
    return;
  }
  showError("");
  render(await response.json());
  setStatus("up to date");
  await refreshCampaign();
}

function hideCampaign() {
  state.campaign = null;
  $("campaign").hidden = true;
  $("campaign-fan-panel").hidden = true;
  $("campaign-sliders").replaceChildren();
  $("campaign-meta").textContent = "";
  for (const td of document.querySelectorAll("#campaign-table td.outcome")) td.textContent = "";
}

// A new scenario (picked or uploaded): no what-ifs, issue, actor, lever or campaign state of
// the previous one stays on screen.
function resetScenarioState() {
  state.overrides.clear();
  state.issue = null;
  state.actor = null;
  state.leverScenario = null;
  state.leverSeq++; // an advise answer for the old scenario is dropped
  $("lever-table").tBodies[0].replaceChildren();
  $("lever-meta").textContent = "";
  state.campaignSeq++; // so is a campaign answer
  hideCampaign();
}

async function refreshCampaign() {
  const seq = ++state.campaignSeq;
  const response = await postJSON("/api/simulate", requestBody());
  if (seq !== state.campaignSeq) return;
  if (!response.ok) {
    // a scenario without a campaign: hide the panels; any other error is shown
    const message = await errorText(response);
    hideCampaign();
    if (!/has no campaign/.test(message)) showError(message);
    return;
  }
  renderCampaign(await response.json());
}

// DECISIONS WEB-4: the page simulates fewer paths than `detente simulate`; it says so, with the
// Monte Carlo error of the difference between the two estimates of the headline probabilities
// (95 %: 1.96 × sqrt(p(1 - p)(1/n_page + 1/n_cli)), at the largest p(1 - p) shown).
function pathsNote(data) {
  if (data.paths === CLI_PATHS) return "The same paths as detente simulate.";
  const h = data.headline;
  const ps = [h.p_deal_by_end, h.p_escalation, h.p_escalation_after_deadline].filter((p) => p !== null && p !== undefined);
  const pq = Math.max(0.0025, ...ps.map((p) => p * (1 - p)));
  const err = 100 * 1.96 * Math.sqrt(pq * (1 / data.paths + 1 / CLI_PATHS));
  return `detente simulate uses ${CLI_PATHS.toLocaleString("en")} paths by default, so its probabilities ` +
    `can differ from these by up to ±${err.toFixed(1)} points of Monte Carlo error (95 %).`;
}

function pct(p) { return p === null || p === undefined ? "-" : `${(100 * p).toFixed(1)}%`; }

function renderCampaign(data) {
  const previous = state.campaign && state.campaign.scenario === data.scenario ? state.campaign : null;
  state.campaign = data;
  $("campaign").hidden = false;
  $("campaign-fan-panel").hidden = false;
  $("campaign-meta").textContent = `${data.paths.toLocaleString("en")} paths, seed ${data.seed}, deadline ${data.deadline}` +
    `, policy solved in ${data.solver_seconds.toFixed(1)} s${data.cached ? " (cached)" : ""}. ` + pathsNote(data);
  $("camp-after-label").textContent = `P(a surge from ${data.deadline})`;
  const h = data.headline;
  const cells = {
    "camp-p-deal": pct(h.p_deal_by_end),
    "camp-p-escalation": pct(h.p_escalation),
    "camp-p-escalation-after": pct(h.p_escalation_after_deadline),
    "camp-gain-before": fmt(h.gain_km2_per_day_before),
    "camp-gain-after": fmt(h.gain_km2_per_day_after),
    "camp-territory-end": h.median_territory_end_km2 === null ? "-" : Math.round(h.median_territory_end_km2).toLocaleString("en"),
  };
  for (const [id, text] of Object.entries(cells)) {
    const td = $(id);
    const changed = previous && td.textContent !== text;
    td.textContent = text;
    td.classList.toggle("changed", Boolean(changed));
  }
  renderCampaignSliders(data.sliders);
  const dates = data.weeks.map((w) => w.date);
  const band = (lo, hi, name, color) => [
    { x: dates, y: data.weeks.map((w) => w[lo]), mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip", type: "scatter" },
    { x: dates, y: data.weeks.map((w) => w[hi]), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: color, name, type: "scatter" },
  ];
  const deadline = { type: "line", xref: "x", yref: "paper", x0: data.deadline, x1: data.deadline, y0: 0, y1: 1, line: { dash: "dash", color: "#555", width: 1 } };
  Plotly.react("chart-fan", [
    ...band("p05", "p95", "90% band", "rgba(86,180,233,0.35)"),
    ...band("p25", "p75", "50% band", "rgba(0,114,178,0.45)"),
    { x: dates, y: data.weeks.map((w) => w.p50), mode: "lines", name: "median", line: { color: "#0072B2", width: 2 }, type: "scatter" },
  ], { ...LAYOUT, shapes: [deadline], xaxis: axis({}), yaxis: axis({ title: { text: "area held by the attacker, km²" } }) }, CONFIG);
  Plotly.react("chart-deal-by", [
    { x: data.p_deal_by.map((r) => r.date), y: data.p_deal_by.map((r) => r.p), mode: "lines", line: { shape: "hv", color: "#009E73", width: 2 }, name: "P(deal by date)", type: "scatter" },
  ], { ...LAYOUT, shapes: [deadline], xaxis: axis({}), yaxis: axis({ title: { text: "P(deal by date)" }, range: [0, 1] }) }, CONFIG);
}

function sliderId(path) { return `slider-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`; }

function renderCampaignSliders(sliders) {
  const box = $("campaign-sliders");
  const ids = sliders.map((s) => sliderId(s.path));
  const existing = Array.from(box.querySelectorAll("input")).map((i) => i.id);
  if (existing.join("\u0000") !== ids.join("\u0000")) {
    box.replaceChildren(...sliders.map((s) => {
      const div = document.createElement("div");
      div.className = "slider";
      const label = document.createElement("label");
      const input = document.createElement("input");
      const out = document.createElement("output");
      input.type = "range";
      input.id = sliderId(s.path);
      input.dataset.path = s.path;
      label.htmlFor = input.id;
      label.textContent = s.label;
      if (s.description) {
        label.title = s.description;
        input.title = s.description;
        const q = document.createElement("span");
        q.className = "q";
        q.textContent = "?";
        q.setAttribute("aria-hidden", "true");
        label.append(" ", q);
      }
      label.appendChild(out);
      input.addEventListener("input", () => {
        out.textContent = Number(input.value).toFixed(2);
        state.overrides.set(s.path, Number(input.value));
        renderOverrides();
        refreshSoon();
      });
      div.append(label, input);
      return div;
    }));
  }
  for (const s of sliders) {
    const input = $(sliderId(s.path));
    input.min = s.min;
    input.max = s.max;
    input.step = s.step;
    if (document.activeElement !== input) input.value = s.value;
    input.parentElement.querySelector("output").textContent = Number(input.value).toFixed(2);
  }
}

function renderLeverControls(data) {
  const sc = data.scenario;
  const panel = $("levers");
  const actors = sc.lever_actors || [];
  panel.hidden = actors.length === 0;
  if (!actors.length) { state.leverScenario = null; return; }
  const fresh = state.leverScenario !== sc.name;
  const actor = fresh || !actors.includes($("lever-actor").value) ? actors[0] : $("lever-actor").value;
  fillSelect($("lever-actor"), actors, actor);
  const issues = sc.issues.map((i) => i.name);
  let issue = $("lever-issue").value;
  const models = data.forecasts.map((f) => f.model);
  const model = models.includes($("lever-model").value) ? $("lever-model").value : (models.includes("compromise") ? "compromise" : models[0]);
  fillSelect($("lever-model"), models, model);
  if (fresh || !issues.includes(issue)) {
    issue = issues.includes("territory") ? "territory" : issues[0];
    fillSelect($("lever-issue"), issues, issue);
    setLeverGoal();
  }
  if (fresh) {
    $("lever-table").tBodies[0].replaceChildren();
    setLeverGoal();
  }
  state.leverScenario = sc.name;
}

// DECISIONS WEB-5: the default goal moves the chosen model's forecast half-way towards the
// actor's own position (towards the status quo when the actor takes no position on the issue;
// the scale's middle without either), so that it is neither met already nor out of reach by
// construction; the lever meta line says how it was set.
function defaultGoal() {
  const sc = state.data.scenario;
  const issue = sc.issues.find((i) => i.name === $("lever-issue").value);
  if (!issue) return null;
  const f = state.data.forecasts.find((m) => m.model === $("lever-model").value) || state.data.forecasts[0];
  const fi = f ? f.issues.find((i) => i.issue === issue.name) : null;
  const forecast = fi ? fi.outcome : null;
  const actor = sc.actors.find((a) => a.name === $("lever-actor").value);
  const stance = actor ? actor.stances[issue.name] : null;
  const mid = (issue.scale[0] + issue.scale[1]) / 2;
  let target = null;
  let why = "";
  if (forecast !== null && stance && Math.abs(stance.position - forecast) > 1e-9) {
    target = stance.position;
    why = `half-way from the ${f.model} forecast (${fmt(forecast)}) to ${actor.name}'s position (${fmt(target)})`;
  } else if (forecast !== null && issue.status_quo !== null && Math.abs(issue.status_quo - forecast) > 1e-9) {
    target = issue.status_quo;
    why = `half-way from the ${f.model} forecast (${fmt(forecast)}) to the status quo (${fmt(target)})`;
  }
  if (target === null) {
    return { relation: "<=", threshold: mid, why: "the middle of the scale" };
  }
  const threshold = Math.round(10 * (forecast + target) / 2) / 10;
  return { relation: target < forecast ? "<=" : ">=", threshold, why };
}

function setLeverGoal() {
  const goal = defaultGoal();
  if (!goal) return;
  $("lever-relation").value = goal.relation;
  $("lever-threshold").value = goal.threshold;
  state.leverGoalWhy = goal.why;
  state.leverGoalDefault = leverGoal();
  $("lever-meta").textContent = `Default goal ${leverGoal()}: ${goal.why}. Change it, then rank the levers.`;
}

function leverGoal() {
  return `${$("lever-issue").value}${$("lever-relation").value}${$("lever-threshold").value}`;
}

function changesText(opt, levers) {
  const entries = Object.entries(opt.changes);
  if (!entries.length) return "no change (the scenario as it is)";
  return entries.map(([name, v]) => {
    const lever = levers.find((l) => l.name === name);
    const from = lever ? Number(lever.baseline).toFixed(1) : "?";
    return lever && lever.mode === "shift" ? `${name} ${v >= 0 ? "+" : ""}${Number(v).toFixed(1)}` : `${name}: ${from} → ${Number(v).toFixed(1)}`;
  }).join("; ");
}

function pct0(p) { return `${Math.round(100 * p)} %`; }

// DECISIONS WEB-6: "meets the goal" is judged at the central numbers, P(reach) over the draws;
// one column says both, so that "yes" never stands beside a share under one half.
function goalMetText(opt) {
  const p = opt.p_reach;
  if (p === null || p === undefined) {
    return opt.meets_goal ? ["yes, at the central numbers (no draws)", "yes"] : ["no", ""];
  }
  if (opt.meets_goal && p >= 0.5) return [`yes; in ${pct0(p)} of draws`, "yes"];
  if (opt.meets_goal) return [`at the central numbers only; in ${pct0(p)} of draws`, "partly"];
  if (p > 0) return [`not at the central numbers; in ${pct0(p)} of draws`, "partly"];
  return ["no; in 0 % of draws", ""];
}

function leverRow(opt, rank, levers, isBaseline) {
  const tr = document.createElement("tr");
  if (isBaseline) tr.className = "baseline";
  const [met, metClass] = goalMetText(opt);
  const cells = [
    isBaseline ? "-" : String(rank),
    changesText(opt, levers),
    isBaseline ? "0" : Number(opt.cost).toFixed(2),
    fmt(opt.value),
    met,
    opt.method,
  ];
  cells.forEach((text, k) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (k === 4) {
      td.className = `goal-met ${metClass}`.trim();
      td.title = "Met at the central numbers: " + (opt.meets_goal ? "yes" : "no") +
        (opt.p_reach === null || opt.p_reach === undefined ? "" : `; met in ${pct(opt.p_reach)} of the Monte Carlo draws`);
    }
    tr.appendChild(td);
  });
  return tr;
}

async function runLevers() {
  const seq = ++state.leverSeq;
  const goal = leverGoal();
  $("lever-meta").textContent = `ranking the levers for ${goal}…`;
  const body = { ...requestBody(), actor: $("lever-actor").value, goal, model: $("lever-model").value };
  const response = await postJSON("/api/advise", body);
  if (seq !== state.leverSeq) return;
  if (!response.ok) {
    const message = await errorText(response);
    showError(message);
    $("lever-meta").textContent = message;
    $("lever-table").tBodies[0].replaceChildren();
    return;
  }
  showError("");
  const data = await response.json();
  const unit = data.cost_unit || "cost points";
  const bestP = data.best && data.best.p_reach !== null && data.best.p_reach !== undefined
    ? ` (met in ${pct0(data.best.p_reach)} of the draws)` : "";
  const verdict = {
    already_met: "already met by the scenario as it is, at the central numbers",
    reached: `reachable at the central numbers: the cheapest option costs ${data.best ? Number(data.best.cost).toFixed(2) : "-"} ${unit}${bestP}`,
    unreachable: `unreachable with these levers${data.budget === null ? "" : " and budget"}; the closest option is shown first`,
  }[data.status];
  const shown = data.options.length < data.options_total ? ` (first ${data.options.length} of ${data.options_total})` : "";
  const why = state.leverGoalWhy && goal === state.leverGoalDefault ? ` (the default goal: ${state.leverGoalWhy})` : "";
  $("lever-meta").textContent = `${data.actor}, goal ${data.goal.describe}${why} (${data.model} model): ${verdict}. ` +
    `Costs in ${unit}. ${data.options_total} options${shown}; "goal met" at the central numbers and over ${data.draws} draws, seed ${data.seed}.` +
    (data.notes.length ? ` ${data.notes.join("; ")}.` : "");
  $("lever-value-head").textContent = `predicted ${data.goal.metric}`;
  $("lever-cost-head").textContent = `cost (${unit})`;
  const rows = [leverRow(data.baseline, 0, data.levers, true),
    ...data.options.map((o, k) => leverRow(o, k + 1, data.levers, false))];
  $("lever-table").tBodies[0].replaceChildren(...rows);
}

let timer = null;
function refreshSoon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 120);
}

function stancePath(actor, issue, field) { return `actors.${actor}.stances.${issue}.${field}`; }

function render(data) {
  const previous = state.data;
  state.data = data;
  const sc = data.scenario;
  $("scenario-title").textContent = sc.title || sc.name;
  $("scenario-meta").textContent = [
    sc.name, sc.as_of ? `as of ${sc.as_of}` : null,
    `${sc.actors.length} actors, ${sc.issues.length} issues, ${sc.notes} source notes`,
    sc.veto_players.length ? `veto players: ${sc.veto_players.join(", ")}` : null,
  ].filter(Boolean).join(" · ");
  if (!sc.issues.some((i) => i.name === state.issue)) state.issue = sc.issues[0].name;
  fillSelect($("whatif-issue"), sc.issues.map((i) => i.name), state.issue);
  const actors = sc.actors.filter((a) => state.issue in a.stances).map((a) => a.name);
  if (!actors.includes(state.actor)) state.actor = actors[0];
  fillSelect($("whatif-actor"), actors, state.actor);
  renderTable(data, previous);
  renderLeverControls(data);
  renderSliders();
  renderOverrides();
  drawStakeholders();
  drawComparison();
  drawRounds();
}

function fillSelect(select, names, chosen) {
  const current = Array.from(select.options).map((o) => o.value);
  if (current.join("\u0000") !== names.join("\u0000")) {
    select.replaceChildren(...names.map((n) => new Option(n, n)));
  }
  select.value = chosen;
}

function renderTable(data, previous) {
  const sc = data.scenario;
  const head = document.createElement("tr");
  const tips = {
    issue: "The issues being negotiated; hover a name for the ends of its scale",
    "status quo": "Where things stand today, on the issue's scale",
  };
  for (const f of data.forecasts) tips[f.model] = `${f.label}: ${modelHelp(f)}`;
  for (const text of ["issue", "status quo", ...data.forecasts.map((f) => f.model)]) {
    const th = document.createElement("th");
    th.textContent = text;
    th.title = tips[text];
    head.appendChild(th);
  }
  $("forecast-table").tHead.replaceChildren(head);
  const rows = sc.issues.map((issue, i) => {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = issue.name;
    name.title = `${issue.scale[0]}: ${issue.low_label}\n${issue.scale[1]}: ${issue.high_label}`;
    const sq = document.createElement("td");
    sq.textContent = fmt(issue.status_quo);
    tr.append(name, sq);
    for (const f of data.forecasts) {
      const td = document.createElement("td");
      td.id = `out-${f.model}-${i}`;
      td.dataset.model = f.model;
      td.dataset.issue = issue.name;
      td.className = "outcome";
      td.textContent = fmt(f.issues[i].outcome);
      const old = previous && previous.scenario.name === sc.name
        ? previous.forecasts.find((p) => p.model === f.model) : null;
      if (old && old.issues[i] && fmt(old.issues[i].outcome) !== td.textContent) td.classList.add("changed");
      tr.appendChild(td);
    }
    return tr;
  });
  $("forecast-table").tBodies[0].replaceChildren(...rows);
  $("model-captions").replaceChildren(...data.forecasts.flatMap((f) => {
    const dt = document.createElement("dt");
    dt.textContent = `${f.model}: ${f.label} (${f.reference})`;
    const dd = document.createElement("dd");
    dd.textContent = modelHelp(f);
    return [dt, dd];
  }));
}

function currentIssue() { return state.data.scenario.issues.find((i) => i.name === state.issue); }
function currentStance() {
  const actor = state.data.scenario.actors.find((a) => a.name === state.actor);
  return actor ? actor.stances[state.issue] : null;
}

function renderSliders() {
  const issue = currentIssue();
  const stance = currentStance();
  const pos = $("slider-position");
  const span = issue.scale[1] - issue.scale[0];
  pos.step = span <= 10 ? span / 100 : 1;
  $("end-low").textContent = `${issue.scale[0]}: ${issue.low_label}`;
  $("end-high").textContent = `${issue.scale[1]}: ${issue.high_label}`;
  if (!stance) return;
  // the ends are the ranges validation accepts (the server's declared ranges)
  [pos.min, pos.max] = stance.position_range;
  if (document.activeElement !== pos) pos.value = stance.position;
  const sal = $("slider-salience");
  [sal.min, sal.max] = stance.salience_range;
  if (document.activeElement !== sal) sal.value = stance.salience;
  $("value-position").textContent = fmt(pos.value);
  $("value-salience").textContent = fmt(sal.value);
}

function renderOverrides() {
  const items = Array.from(state.overrides, ([p, v]) => `${p} = ${v}`);
  $("override-list").textContent = items.length ? items.join("; ") : "none";
}

function onSlider(field) {
  const input = $(`slider-${field}`);
  $(`value-${field}`).textContent = fmt(input.value);
  state.overrides.set(stancePath(state.actor, state.issue, field), Number(input.value));
  renderOverrides();
  refreshSoon();
}

function lineTrace(x, y0, y1, name, color, dash, width) {
  return { x: [x, x], y: [y0, y1], mode: "lines", name, line: { color, dash, width }, hoverinfo: "name" };
}

const LAYOUT = { margin: { l: 20, r: 20, t: 30, b: 20 }, font: { size: 12 }, legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" } };
// every axis makes room for its own tick labels and title (nothing clipped at any width)
function axis(extra) { return { automargin: true, ...extra }; }
// a long axis title broken into lines that fit the chart's width
function wrapTitle(text, chartId) {
  const width = Math.max(200, $(chartId).clientWidth - 80);
  const perLine = Math.max(20, Math.floor(width / 7));
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > perLine) { lines.push(line); line = word; } else { line = line ? `${line} ${word}` : word; }
  }
  if (line) lines.push(line);
  return lines.join("<br>");
}
const CONFIG = { displaylogo: false, responsive: true };

// DECISIONS WEB-7. Label layout for the stakeholder map: each name is an annotation placed beside its dot
// at the first free spot (above, below, then further up or down, with a leader line),
// heaviest actors first, in the plot's pixels; a name with no free spot is left to the hover
// and listed under the chart. Widths are measured with the chart's font.
const LABEL_FONT = 11;
let measureCanvas = null;
function textWidth(text) {
  measureCanvas = measureCanvas || document.createElement("canvas");
  const ctx = measureCanvas.getContext("2d");
  ctx.font = `${LABEL_FONT}px "Open Sans", verdana, arial, sans-serif`;
  return ctx.measureText(text).width;
}

function overlaps(a, b) { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1; }

function placeLabels(points, size) {
  // points: [{px, py, text, weight}] in pixels of the plot area; size: {w, h}
  const placed = [];
  const dots = points.map((p) => ({ x0: p.px - 6, x1: p.px + 6, y0: p.py - 6, y1: p.py + 6 }));
  const order = points.map((p, k) => k).sort((a, b) => points[b].weight - points[a].weight);
  const out = new Array(points.length).fill(null);
  const rowH = LABEL_FONT + 5;
  for (const k of order) {
    const p = points[k];
    const w = textWidth(p.text) + 6;
    const offsets = [];
    for (let n = 1; n * rowH < size.h; n++) offsets.push(-n * rowH, n * rowH);
    let best = null;
    for (const dy of offsets) {
      for (const dx of [0, -w / 2 - 8, w / 2 + 8]) {
        let cx = p.px + dx;
        cx = Math.min(Math.max(cx, w / 2), size.w - w / 2); // inside the plot area
        const cy = p.py + dy;
        const box = { x0: cx - w / 2, x1: cx + w / 2, y0: cy - rowH / 2, y1: cy + rowH / 2 };
        if (box.y0 < 0 || box.y1 > size.h) continue;
        if (placed.some((b) => overlaps(b, box)) || dots.some((d) => overlaps(d, box))) continue;
        best = { ax: cx - p.px, ay: dy, box };
        break;
      }
      if (best) break;
    }
    if (best) { placed.push(best.box); out[k] = best; }
  }
  return out;
}

function drawStakeholders() {
  const sc = state.data.scenario;
  const issue = currentIssue();
  $("stakeholder-title").textContent = `Stakeholder map: ${issue.name}`;
  const actors = sc.actors.filter((a) => issue.name in a.stances);
  const x = actors.map((a) => a.stances[issue.name].position);
  const y = actors.map((a) => 100 * a.stances[issue.name].weight_share);
  const ymax = Math.max(5, ...y) * 1.25;
  const traces = [{
    x, y, customdata: actors.map((a) => a.name), mode: "markers", type: "scatter", name: "actors",
    marker: { size: 11, color: "#333" },
    hovertemplate: "%{customdata}<br>position %{x:.1f}<br>weight %{y:.1f}%<extra></extra>", showlegend: false,
  }];
  if (issue.status_quo !== null) traces.push(lineTrace(issue.status_quo, 0, ymax, `status quo ${fmt(issue.status_quo)}`, "#000", "dot", 2));
  state.data.forecasts.forEach((f, k) => {
    const outcome = f.issues.find((i) => i.issue === issue.name).outcome;
    if (outcome === null) return;
    const [color, dash] = modelStyle(f.model, k);
    traces.push(lineTrace(outcome, 0, ymax, `${f.model} ${fmt(outcome)}`, color, dash, 2.5));
  });
  const span = issue.scale[1] - issue.scale[0];
  const xrange = [issue.scale[0] - 0.04 * span, issue.scale[1] + 0.04 * span];
  const layout = {
    ...LAYOUT,
    xaxis: axis({ title: { text: wrapTitle(`position: ${issue.scale[0]} = ${short(issue.low_label)} … ${issue.scale[1]} = ${short(issue.high_label)}`, "chart-stakeholders") },
                  range: xrange }),
    yaxis: axis({ title: { text: "capability × salience, % of total" }, range: [0, ymax] }),
    annotations: [],
  };
  const gd = $("chart-stakeholders");
  const seq = ++state.mapSeq;
  Plotly.react(gd, traces, layout, CONFIG).then(() => {
    if (seq !== state.mapSeq) return undefined; // a newer drawing is on its way
    // the plot area is known once drawn: place the names in its pixels
    const size = gd._fullLayout._size;
    const narrow = size.w < 500;
    const points = actors.map((a, k) => ({
      px: (x[k] - xrange[0]) / (xrange[1] - xrange[0]) * size.w,
      py: (1 - y[k] / ymax) * size.h,
      text: narrow ? shortName(a.name) : a.name,
      weight: y[k],
    }));
    const spots = placeLabels(points, size);
    const annotations = [];
    const left = [];
    spots.forEach((spot, k) => {
      if (!spot) { left.push(actors[k].name); return; }
      annotations.push({
        x: x[k], y: y[k], xref: "x", yref: "y", text: points[k].text, showarrow: true, arrowhead: 0,
        arrowwidth: 1, arrowcolor: "#999", ax: spot.ax, ay: spot.ay, standoff: 6,
        font: { size: LABEL_FONT }, bgcolor: "rgba(255,255,255,0.85)", borderpad: 0,
        hovertext: actors[k].name, captureevents: false,
      });
    });
    const note = $("stakeholder-unlabelled");
    note.hidden = left.length === 0;
    note.textContent = left.length ? `Not labelled for lack of room (hover their dots): ${left.join(", ")}.` : "";
    return Plotly.relayout(gd, { annotations });
  });
}

function shortName(name) { return name.length > 18 ? `${name.slice(0, 17)}…` : name; }

function short(text) { return text.length > 40 ? `${text.slice(0, 39)}…` : text; }

function drawComparison() {
  const sc = state.data.scenario;
  const names = sc.issues.map((i) => i.name);
  const pct = (issue, v) => 100 * (v - issue.scale[0]) / (issue.scale[1] - issue.scale[0]);
  const traces = [];
  traces.push({
    x: sc.issues.map((i) => (i.status_quo === null ? null : pct(i, i.status_quo))), y: names,
    customdata: sc.issues.map((i) => i.status_quo), mode: "markers", name: "status quo", type: "scatter",
    marker: { symbol: "line-ns-open", size: 26, color: "#000", line: { width: 3 } },
    hovertemplate: "status quo %{customdata:.1f}<extra></extra>",
  });
  state.data.forecasts.forEach((f, k) => {
    const [color] = modelStyle(f.model, k);
    traces.push({
      x: sc.issues.map((issue, i) => (f.issues[i].outcome === null ? null : pct(issue, f.issues[i].outcome))),
      y: names, customdata: f.issues.map((i) => i.outcome), mode: "markers", type: "scatter", name: f.model,
      marker: { size: 13, color, line: { color: "#fff", width: 1 } },
      hovertemplate: `${f.model}: %{customdata:.1f}<extra></extra>`,
    });
  });
  Plotly.react("chart-comparison", traces, {
    ...LAYOUT, scattermode: "group",
    xaxis: axis({ title: { text: wrapTitle("forecast, % of the way from the low to the high end of each issue's scale", "chart-comparison") }, range: [-3, 103] }),
    yaxis: axis({ autorange: "reversed", ticksuffix: " " }),
  }, CONFIG);
}

function drawRounds() {
  const issue = currentIssue();
  const traces = [];
  let model = null;
  for (const f of state.data.forecasts) {
    const fi = f.issues.find((i) => i.issue === issue.name);
    if (fi && fi.trajectory) {
      model = f.model;
      const rounds = [...Array(fi.trajectory.rounds + 1).keys()];
      Object.entries(fi.trajectory.positions).forEach(([actor, ys], k) => {
        traces.push({ x: rounds, y: ys, mode: "lines+markers", name: actor, type: "scatter",
          line: { color: PALETTE[k % PALETTE.length], dash: DASHES[Math.floor(k / PALETTE.length) % DASHES.length], width: 1.5 },
          marker: { size: 4 } });
      });
      if (fi.trajectory.outcome) {
        traces.push({ x: rounds, y: fi.trajectory.outcome, mode: "lines", name: "round outcome", type: "scatter",
          line: { color: "#000", width: 5 } });
      }
      break;
    }
  }
  $("rounds-title").textContent = model ? `Positions by round (${model}): ${issue.name}` : "Positions by round: no model with rounds";
  Plotly.react("chart-rounds", traces, {
    ...LAYOUT, legend: $("chart-rounds").clientWidth < 600 ? LAYOUT.legend : { orientation: "v" },
    xaxis: axis({ title: { text: "round (0 = the scenario's positions)" }, dtick: 1 }),
    yaxis: axis({ title: { text: `position on ${issue.name}` }, range: [issue.scale[0], issue.scale[1]] }),
  }, CONFIG);
}

async function loadBuiltins() {
  const response = await fetch("/api/scenarios");
  const list = await response.json();
  $("builtin").replaceChildren(...list.map((s) => new Option(`${s.name}: ${s.title}`, s.name)));
  if (list.length) {
    state.ref = { builtin: list[0].name };
    await refresh();
  }
}

async function onUpload() {
  const file = $("upload").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  setStatus("uploading…");
  const response = await fetch("/api/upload", { method: "POST", body: form });
  if (!response.ok) {
    showError(await errorText(response));
    setStatus("");
    return;
  }
  const data = await response.json();
  state.ref = { text: data.scenario_yaml, format: "yaml", filename: file.name };
  resetScenarioState();
  showUploadedOption(file.name);
  showError("");
  render(data);
  setStatus(`uploaded ${file.name}`);
  await refreshCampaign();
}

// The picker names what is on screen: after an upload, an "uploaded: FILE" entry, selected.
const UPLOADED = ":uploaded:"; // not a built-in name (those are slugs)
function removeUploadedOption() {
  for (const o of Array.from($("builtin").options)) if (o.value === UPLOADED) o.remove();
}
function showUploadedOption(filename) {
  removeUploadedOption();
  const option = new Option(`uploaded: ${filename}`, UPLOADED);
  $("builtin").prepend(option);
  $("builtin").value = UPLOADED;
}

async function onDownload() {
  setStatus("building the report…");
  const response = await postJSON("/api/report", requestBody());
  if (!response.ok) {
    showError(await errorText(response));
    setStatus("");
    return;
  }
  const blob = await response.blob();
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = match ? match[1] : "report.html";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  setStatus("report downloaded");
}

// Exports (DECISIONS WEB-8..10): the same request body as the forecast; the file name comes
// from the answer's Content-Disposition.
const EXPORT_DRAWS = 500;
const EXPORTS = {
  "export-forecast-csv": ["/api/export/forecast?format=csv", "forecast.csv", false],
  "export-forecast-json": ["/api/export/forecast?format=json", "forecast.json", false],
  "export-draws-csv": ["/api/export/draws?format=csv", "draws.csv", true],
  "export-draws-json": ["/api/export/draws?format=json", "draws.json", true],
  "export-scenario": ["/api/export/scenario", "scenario-edited.yaml", false],
};

async function onExport(id) {
  const [url, fallback, draws] = EXPORTS[id];
  setStatus(draws ? `drawing ${EXPORT_DRAWS} times…` : "preparing the download…");
  const body = draws ? { ...requestBody(), draws: EXPORT_DRAWS, seed: 0 } : requestBody();
  const response = await postJSON(url, body);
  if (!response.ok) {
    showError(await errorText(response));
    setStatus("");
    return;
  }
  const blob = await response.blob();
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = match ? match[1] : fallback;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  showError("");
  setStatus(`downloaded ${link.download}`);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const id of Object.keys(EXPORTS)) {
    $(id).addEventListener("click", () => {
      onExport(id).catch((e) => showError(`cannot reach the detente app: ${e}`));
    });
  }
  $("builtin").addEventListener("change", () => {
    if ($("builtin").value === UPLOADED) return;
    state.ref = { builtin: $("builtin").value };
    resetScenarioState();
    removeUploadedOption();
    $("upload").value = "";
    refresh();
  });
  $("upload").addEventListener("change", onUpload);
  $("download").addEventListener("click", onDownload);
  $("reset").addEventListener("click", () => { state.overrides.clear(); refresh(); });
  $("whatif-issue").addEventListener("change", () => { state.issue = $("whatif-issue").value; render(state.data); });
  $("whatif-actor").addEventListener("change", () => { state.actor = $("whatif-actor").value; renderSliders(); });
  $("slider-position").addEventListener("input", () => onSlider("position"));
  for (const id of ["lever-issue", "lever-actor", "lever-model"]) $(id).addEventListener("change", setLeverGoal);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (state.data) drawStakeholders(); }, 200);
  });
  $("lever-run").addEventListener("click", () => {
    runLevers().catch((e) => showError(`cannot reach the detente app: ${e}`));
  });
  $("slider-salience").addEventListener("input", () => onSlider("salience"));
  loadBuiltins().catch((e) => showError(`cannot reach the detente app: ${e}`));
});
