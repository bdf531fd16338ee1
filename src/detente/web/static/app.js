// detente web page: talks to the JSON API of the same origin; draws with the local Plotly.
"use strict";

const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
const MODEL_STYLE = {
  compromise: ["#0072B2", "solid"], median: ["#D55E00", "dash"],
  nash: ["#009E73", "dashdot"], bdm: ["#CC79A7", "dot"],
};
const DASHES = ["solid", "dash", "dashdot", "dot"];

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
};

const $ = (id) => document.getElementById(id);

function modelStyle(name, k) {
  return MODEL_STYLE[name] || [PALETTE[(k + 4) % PALETTE.length], DASHES[k % DASHES.length]];
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

async function refreshCampaign() {
  const seq = ++state.campaignSeq;
  const response = await postJSON("/api/simulate", requestBody());
  if (seq !== state.campaignSeq) return;
  if (!response.ok) {
    // a scenario without a campaign: hide the panels; any other error is shown
    const message = await errorText(response);
    state.campaign = null;
    $("campaign").hidden = true;
    $("campaign-fan-panel").hidden = true;
    if (!/has no campaign/.test(message)) showError(message);
    return;
  }
  renderCampaign(await response.json());
}

function pct(p) { return p === null || p === undefined ? "-" : `${(100 * p).toFixed(1)}%`; }

function renderCampaign(data) {
  const previous = state.campaign && state.campaign.scenario === data.scenario ? state.campaign : null;
  state.campaign = data;
  $("campaign").hidden = false;
  $("campaign-fan-panel").hidden = false;
  $("campaign-meta").textContent = `${data.paths} paths, seed ${data.seed}, deadline ${data.deadline}` +
    `, policy solved in ${data.solver_seconds.toFixed(1)} s${data.cached ? " (cached)" : ""}`;
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
  ], { ...LAYOUT, shapes: [deadline], yaxis: { title: { text: "area held by the attacker, km²" } } }, CONFIG);
  Plotly.react("chart-deal-by", [
    { x: data.p_deal_by.map((r) => r.date), y: data.p_deal_by.map((r) => r.p), mode: "lines", line: { shape: "hv", color: "#009E73", width: 2 }, name: "P(deal by date)", type: "scatter" },
  ], { ...LAYOUT, shapes: [deadline], yaxis: { title: { text: "P(deal by date)" }, range: [0, 1] } }, CONFIG);
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
  if (fresh || !issues.includes(issue)) {
    issue = issues.includes("territory") ? "territory" : issues[0];
    fillSelect($("lever-issue"), issues, issue);
    setLeverThreshold();
  }
  const models = data.forecasts.map((f) => f.model);
  const model = models.includes($("lever-model").value) ? $("lever-model").value : (models.includes("compromise") ? "compromise" : models[0]);
  fillSelect($("lever-model"), models, model);
  if (fresh) {
    $("lever-table").tBodies[0].replaceChildren();
    $("lever-meta").textContent = "Pick an actor and a goal, then rank the levers.";
  }
  state.leverScenario = sc.name;
}

function setLeverThreshold() {
  const issue = state.data.scenario.issues.find((i) => i.name === $("lever-issue").value);
  if (!issue) return;
  $("lever-threshold").value = issue.name === "territory" && issue.scale[0] <= 40 && 40 <= issue.scale[1]
    ? 40 : (issue.scale[0] + issue.scale[1]) / 2;
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

function leverRow(opt, rank, levers, isBaseline) {
  const tr = document.createElement("tr");
  if (isBaseline) tr.className = "baseline";
  const cells = [
    isBaseline ? "-" : String(rank),
    changesText(opt, levers),
    isBaseline ? "0" : Number(opt.cost).toFixed(2),
    fmt(opt.value),
    opt.meets_goal ? "yes" : "no",
    pct(opt.p_reach),
    opt.method,
  ];
  cells.forEach((text, k) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (k === 4 && opt.meets_goal) td.className = "yes";
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
  const verdict = {
    already_met: "already met by the scenario as it is",
    reached: `reached: the cheapest option costs ${data.best ? Number(data.best.cost).toFixed(2) : "-"}`,
    unreachable: `unreachable with these levers${data.budget === null ? "" : " and budget"}; the closest option is shown first`,
  }[data.status];
  const shown = data.options.length < data.options_total ? ` (first ${data.options.length} of ${data.options_total})` : "";
  $("lever-meta").textContent = `${data.actor}, goal ${data.goal.describe} (${data.model} model): ${verdict}. ` +
    `${data.options_total} options${shown}; P(reach) over ${data.draws} draws, seed ${data.seed}.` +
    (data.notes.length ? ` ${data.notes.join("; ")}.` : "");
  $("lever-value-head").textContent = `predicted ${data.goal.metric}`;
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
  for (const text of ["issue", "status quo", ...data.forecasts.map((f) => f.model)]) {
    const th = document.createElement("th");
    th.textContent = text;
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
  $("model-captions").textContent = data.forecasts.map((f) => `${f.model}: ${f.label} (${f.reference})`).join(" · ");
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

const LAYOUT = { margin: { l: 60, r: 20, t: 30, b: 60 }, font: { size: 12 }, legend: { orientation: "h", y: -0.2 } };
const CONFIG = { displaylogo: false, responsive: true };

function drawStakeholders() {
  const sc = state.data.scenario;
  const issue = currentIssue();
  $("stakeholder-title").textContent = `Stakeholder map: ${issue.name}`;
  const actors = sc.actors.filter((a) => issue.name in a.stances);
  const x = actors.map((a) => a.stances[issue.name].position);
  const y = actors.map((a) => 100 * a.stances[issue.name].weight_share);
  const ymax = Math.max(5, ...y) * 1.25;
  const order = x.map((v, k) => k).sort((a, b) => x[a] - x[b] || y[b] - y[a]);
  const positions = new Array(x.length);
  const lo = issue.scale[0];
  const width = issue.scale[1] - issue.scale[0];
  order.forEach((k, n) => {
    const f = (x[k] - lo) / width;
    const side = f < 0.15 ? "right" : f > 0.85 ? "left" : "center";
    positions[k] = `${n % 2 ? "bottom" : "top"} ${side}`;
  });
  const traces = [{
    x, y, text: actors.map((a) => a.name), mode: "markers+text", type: "scatter", name: "actors",
    textposition: positions, marker: { size: 11, color: "#333" }, textfont: { size: 11 },
    hovertemplate: "%{text}<br>position %{x:.1f}<br>weight %{y:.1f}%<extra></extra>", showlegend: false,
  }];
  if (issue.status_quo !== null) traces.push(lineTrace(issue.status_quo, 0, ymax, `status quo ${fmt(issue.status_quo)}`, "#000", "dot", 2));
  state.data.forecasts.forEach((f, k) => {
    const outcome = f.issues.find((i) => i.issue === issue.name).outcome;
    if (outcome === null) return;
    const [color, dash] = modelStyle(f.model, k);
    traces.push(lineTrace(outcome, 0, ymax, `${f.model} ${fmt(outcome)}`, color, dash, 2.5));
  });
  const span = issue.scale[1] - issue.scale[0];
  Plotly.react("chart-stakeholders", traces, {
    ...LAYOUT,
    xaxis: { title: { text: `position: ${issue.scale[0]} = ${short(issue.low_label)} … ${issue.scale[1]} = ${short(issue.high_label)}` },
             range: [issue.scale[0] - 0.04 * span, issue.scale[1] + 0.04 * span] },
    yaxis: { title: { text: "capability × salience, % of total" }, range: [0, ymax] },
  }, CONFIG);
}

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
    xaxis: { title: { text: "forecast, % of the way from the low to the high end of each issue's scale" }, range: [-3, 103] },
    yaxis: { autorange: "reversed" },
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
    ...LAYOUT, legend: { orientation: "v" },
    xaxis: { title: { text: "round (0 = the scenario's positions)" }, dtick: 1 },
    yaxis: { title: { text: `position on ${issue.name}` }, range: [issue.scale[0], issue.scale[1]] },
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
  state.overrides.clear();
  state.issue = null;
  state.actor = null;
  showError("");
  render(data);
  setStatus(`uploaded ${file.name}`);
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

document.addEventListener("DOMContentLoaded", () => {
  $("builtin").addEventListener("change", () => {
    state.ref = { builtin: $("builtin").value };
    state.overrides.clear();
    state.issue = null;
    state.actor = null;
    $("upload").value = "";
    refresh();
  });
  $("upload").addEventListener("change", onUpload);
  $("download").addEventListener("click", onDownload);
  $("reset").addEventListener("click", () => { state.overrides.clear(); refresh(); });
  $("whatif-issue").addEventListener("change", () => { state.issue = $("whatif-issue").value; render(state.data); });
  $("whatif-actor").addEventListener("change", () => { state.actor = $("whatif-actor").value; renderSliders(); });
  $("slider-position").addEventListener("input", () => onSlider("position"));
  $("lever-issue").addEventListener("change", setLeverThreshold);
  $("lever-run").addEventListener("click", () => {
    runLevers().catch((e) => showError(`cannot reach the detente app: ${e}`));
  });
  $("slider-salience").addEventListener("input", () => onSlider("salience"));
  loadBuiltins().catch((e) => showError(`cannot reach the detente app: ${e}`));
});
