// The undermap web map: the city's own layers as the base map (no external tiles), dig checks,
// incident traces, in Chinese or English. Same origin, same login and permissions as the API:
// every request carries the account's key.
import maplibregl from "maplibre-gl";
import { toGrid, fromGrid } from "./gk.js";
import { t, setLanguage, language, translatePage } from "./i18n.js";
import { addProjectLayers, showProjectLayers, showProjects, showProject } from "./archive.js";
import { emergencyHtml, precautionsHtml, showInbox, showStatus } from "./owners.js";
import { reportTickets, setupReports } from "./reports.js";
import { showWindow } from "./window.js";
import { feedbackForm } from "./feedback.js";
import { escapeHtml } from "./html.js";
import { addSearchLayers, runSearch, showRequests } from "./search.js";
import { showSubscriptions } from "./subscriptions.js";
import { addPlanLayers, setupPlan } from "./plan.js";

const RISK_COLOURS = { high: "#d7191c", medium: "#fd8d3c", low: "#1a9641" };
const state = { key: sessionStorage.getItem("undermap-key"), mode: "browse", draw: [], hits: [] };

// ---------------------------------------------------------------- the API, with the key
async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    showLogin(t("login_needed"));
    throw new Error("401");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail || `${response.status}`);
  return body;
}

// ---------------------------------------------------------------- login
function showLogin(message = "") {
  const dialog = document.getElementById("login");
  document.getElementById("login-error").textContent = message;
  if (!dialog.open) dialog.showModal();
}

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  state.key = document.getElementById("login-key").value.trim();
  try {
    await api("/v1/layers");
    sessionStorage.setItem("undermap-key", state.key);
    document.getElementById("login").close();
    start();
  } catch (e) {
    document.getElementById("login-error").textContent = t("login_failed");
  }
});

document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.removeItem("undermap-key");
  location.reload();
});

// ---------------------------------------------------------------- the map
let map;

function sameOrigin(url) {
  return new URL(url, location.href).origin === location.origin;
}

async function start() {
  if (map) return;
  const layers = (await api("/v1/layers")).layers;
  // The style with its tile source written out (no TileJSON url), so that the date control can
  // point the source at the past map's tiles without the source reloading its TileJSON.
  const style = await api("/styles/default.json");
  const source = style.sources.undermap;
  const tilejson = await api(new URL(source.url, location.href).pathname);
  style.sources.undermap = { type: "vector", tiles: tilejson.tiles, minzoom: tilejson.minzoom,
    maxzoom: tilejson.maxzoom, bounds: tilejson.bounds };
  map = new maplibregl.Map({
    container: "map",
    style,
    transformRequest: (url) =>
      sameOrigin(url) && state.key ? { url, headers: { Authorization: `Bearer ${state.key}` } } : { url },
    attributionControl: false,
  });
  window.undermapMap = map;
  // Requests cancelled on purpose (tiles no longer wanted after a move or a date change) are not
  // errors; anything else is reported.
  map.on("error", (e) => {
    const err = e.error || {};
    if (err.name === "AbortError" || /abort/i.test(err.message || "")) return;
    console.error(err.message || err);
  });
  map.addControl(new maplibregl.NavigationControl(), "top-left");
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 120, unit: "metric" }), "bottom-left");
  const extent = layers.map((l) => l.extent_crs84).filter(Boolean)
    .reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
  if (extent) map.fitBounds([[extent[0], extent[1]], [extent[2], extent[3]]], { padding: 20, duration: 0 });
  map.on("load", () => {
    for (const name of ["draw", "hits", "trace"]) {
      map.addSource(name, { type: "geojson", data: empty() });
    }
    map.addLayer({ id: "draw-fill", type: "fill", source: "draw", paint: { "fill-color": "#3388ff", "fill-opacity": 0.15 } });
    map.addLayer({ id: "draw-line", type: "line", source: "draw", paint: { "line-color": "#3388ff", "line-width": 2, "line-dasharray": [2, 1] } });
    map.addLayer({ id: "hits-line", type: "line", source: "hits", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": ["get", "colour"], "line-width": 5, "line-opacity": 0.8 } });
    map.addLayer({ id: "hits-point", type: "circle", source: "hits", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": ["get", "colour"], "circle-radius": 6 } });
    map.addLayer({ id: "trace-line", type: "line", source: "trace", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": ["match", ["get", "role"], "isolated", "#d7191c", "unfed", "#7b3294", "#555"], "line-width": 5 } });
    map.addLayer({ id: "trace-point", type: "circle", source: "trace", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-color": ["match", ["get", "role"], "close", "#ffd54f", "history", "#ff8c00", "resource", "#1b7f3a", "#999"],
        "circle-radius": 8, "circle-stroke-color": "#000", "circle-stroke-width": 1.5 } });
    addProjectLayers(map);
    addSearchLayers(map);
    addPlanLayers(map);
    layerSwitcher(layers);
    document.body.dataset.ready = "true";
  });
  map.on("mousemove", (e) => {
    const [x, y] = toGrid(e.lngLat.lng, e.lngLat.lat);
    document.getElementById("coords").textContent =
      `CRS84 ${e.lngLat.lng.toFixed(6)}, ${e.lngLat.lat.toFixed(6)}  ·  CGCS2000 GK CM108E X ${x.toFixed(2)} Y ${y.toFixed(2)}`;
  });
  map.on("click", (e) => {
    if (state.mode === "dig") return addVertex(e.lngLat);
    if (state.mode === "incident") return incident(e.lngLat);
    if (state.mode === "plan") return plan.click(e.lngLat);
    if (state.mode === "archive") {
      const [hit] = map.queryRenderedFeatures(e.point, { layers: ["projects-fill", "projects-line"] });
      if (hit) return archiveProject(hit.properties.code);
    }
    return popup(e);
  });
  map.on("dblclick", (e) => {
    if (state.mode !== "dig" && state.mode !== "plan") return;
    e.preventDefault();
    if (state.mode === "plan") plan.finish(); else finishDrawing();
  });
  refreshTickets();
}

function empty() {
  return { type: "FeatureCollection", features: [] };
}

// ---------------------------------------------------------------- layers, legend, pop-ups
function layerSwitcher(layers) {
  const list = document.getElementById("layer-list");
  list.innerHTML = "";
  const style = map.getStyle();
  for (const layer of layers) {
    const ids = style.layers.filter((l) => l["source-layer"] === layer.id).map((l) => l.id);
    if (ids.length === 0) continue;
    const first = style.layers.find((l) => l.id === ids[0]);
    const colour = first.paint["line-color"] || first.paint["circle-stroke-color"] || first.paint["fill-color"];
    const li = document.createElement("li");
    const id = `layer-${layer.id}`;
    li.innerHTML = `<input type="checkbox" id="${id}" checked><span class="swatch" style="background:${colour}"></span>`
      + `<label for="${id}">${escapeHtml(layer.title)} (${layer.features})</label>`;
    li.querySelector("input").addEventListener("change", (event) => {
      for (const styleLayer of ids) {
        map.setLayoutProperty(styleLayer, "visibility", event.target.checked ? "visible" : "none");
      }
    });
    list.appendChild(li);
  }
}

function popup(e) {
  const features = map.queryRenderedFeatures(e.point).filter((f) => f.source === "undermap");
  if (features.length === 0) return;
  const f = features[0];
  const rows = Object.entries(f.properties)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`).join("");
  new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(e.lngLat)
    .setHTML(`<div class="popup"><b>${escapeHtml(f.sourceLayer)}</b><table>${rows}</table></div>`).addTo(map);
}

// ---------------------------------------------------------------- search
document.getElementById("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("search-text").value.trim();
  if (!text) return;
  try {
    const feature = await api(`/v1/features/${encodeURIComponent(text)}`).catch(() => null)
      || await byArchiveRef(text);
    if (!feature) throw new Error(t("not_found"));
    const box = bbox(feature.geometry);
    map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 80, maxZoom: 19 });
    map.getSource("hits").setData({ type: "FeatureCollection", features: [{ ...feature, properties: { colour: "#3388ff" } }] });
  } catch (e) {
    alert(`${t("not_found")}: ${text}`);
  }
});

async function byArchiveRef(ref) {
  const layers = (await api("/v1/layers")).layers;
  for (const layer of layers) {
    const filter = encodeURIComponent(`archive_ref = '${ref.replace(/'/g, "''")}'`);
    const page = await api(`/ogc/collections/${layer.id}/items?filter=${filter}&limit=1`).catch(() => null);
    if (page?.features?.length) return page.features[0];
  }
  return null;
}

function bbox(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return box;
}

// ---------------------------------------------------------------- modes
function setMode(mode) {
  state.mode = state.mode === mode ? "browse" : mode;
  document.getElementById("mode-dig").setAttribute("aria-pressed", state.mode === "dig");
  document.getElementById("mode-incident").setAttribute("aria-pressed", state.mode === "incident");
  document.getElementById("mode-archive").setAttribute("aria-pressed", state.mode === "archive");
  document.getElementById("mode-inbox").setAttribute("aria-pressed", state.mode === "inbox");
  document.getElementById("inbox").hidden = state.mode !== "inbox";
  document.getElementById("mode-visit").setAttribute("aria-pressed", state.mode === "visit");
  document.getElementById("visit").hidden = state.mode !== "visit";
  if (state.mode === "visit") {
    const visit = document.getElementById("visit-body");
    showWindow({ api, key: state.key, t, element: visit }).catch((e) => { visit.textContent = e.message; });
  }
  if (state.mode === "inbox") {
    const inbox = document.getElementById("inbox-body");
    showInbox({ api, t, element: inbox }).catch((e) => { inbox.textContent = e.message; });
  }
  document.getElementById("archive").hidden = state.mode !== "archive";
  if (map) showProjectLayers(map, state.mode === "archive");
  if (state.mode === "archive") archiveList();
  document.getElementById("dig").hidden = state.mode !== "dig";
  document.getElementById("incident").hidden = state.mode !== "incident";
  document.getElementById("mode-plan").setAttribute("aria-pressed", state.mode === "plan");
  document.getElementById("plan").hidden = state.mode !== "plan";
  if (state.mode === "plan") whoAmI().then(() => plan.open());
  if (map) {
    const drawing = ["dig", "plan"].includes(state.mode);
    if (drawing) map.doubleClickZoom.disable(); else map.doubleClickZoom.enable();
    map.getCanvas().style.cursor = drawing || state.mode === "incident" ? "crosshair" : "";
  }
}
document.getElementById("mode-dig").addEventListener("click", () => setMode("dig"));
document.getElementById("mode-incident").addEventListener("click", () => setMode("incident"));
document.getElementById("mode-archive").addEventListener("click", () => setMode("archive"));
document.getElementById("mode-inbox").addEventListener("click", () => setMode("inbox"));
document.getElementById("mode-visit").addEventListener("click", () => setMode("visit"));
document.getElementById("mode-plan").addEventListener("click", () => setMode("plan"));

// ---------------------------------------------------------------- the archive
const archiveBody = () => document.getElementById("archive-body");
function archiveError(e) {
  archiveBody().textContent = e.message;
}
// Who the caller is, once: whether the archive's project list is theirs to read.
let me = null;
async function whoAmI() {
  me = me || await api("/v1/me");
  return me;
}
const plan = setupPlan({ api, t, getMap: () => map, canPlan: () => me?.capabilities.includes("plan") });
async function archiveList() {
  const caps = (await whoAmI()).capabilities;
  showArchiveRequests();
  showSubscriptions({ api, map, t, element: document.getElementById("subscriptions") }).catch(archiveError);
  if (!["archive", "history", "own_projects"].some((c) => caps.includes(c))) {
    archiveBody().innerHTML = `<p>${t("search_help")}</p>`;
    return;
  }
  showProjects({ api, map, t, element: archiveBody(), open: archiveProject }).catch(archiveError);
}
function showArchiveRequests() {
  showRequests({ api, key: state.key, t, element: document.getElementById("download-requests") }).catch(archiveError);
}
document.getElementById("archive-search").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = document.getElementById("search-q").value.trim();
  if (!q) return;
  runSearch({ api, key: state.key, map, t, element: document.getElementById("search-results"), q,
    openProject: archiveProject, onRequest: showArchiveRequests })
    .catch((e) => { document.getElementById("search-results").textContent = e.message; });
});
function archiveProject(code) {
  showProject({ api, key: state.key, map, t, element: archiveBody(), code, back: archiveList }).catch(archiveError);
}

// ---------------------------------------------------------------- dig check
function drawnPolygon() {
  if (state.draw.length < 3) return null;
  const ring = state.draw.map((p) => [p.lng, p.lat]);
  return { type: "Polygon", coordinates: [[...ring, ring[0]]] };
}

function showDrawing() {
  const polygon = drawnPolygon();
  const line = state.draw.length >= 2 ? { type: "LineString", coordinates: state.draw.map((p) => [p.lng, p.lat]) } : null;
  const g = polygon || line;
  map.getSource("draw").setData(g ? { type: "Feature", geometry: g, properties: {} } : empty());
}

function addVertex(lngLat) {
  state.draw.push(lngLat);
  showDrawing();
}

function finishDrawing() {
  // The double click added the same point twice.
  if (state.draw.length > 3) state.draw.pop();
  showDrawing();
}

/** The area as pasted: a GeoJSON geometry or feature, or lines of local-grid "X, Y" (northing, easting). */
function pastedArea(text) {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (trimmed.startsWith("{")) {
    const g = JSON.parse(trimmed);
    return g.type === "Feature" ? g.geometry : g.type === "FeatureCollection" ? g.features[0].geometry : g;
  }
  const points = trimmed.split(/\n|;/).map((l) => l.trim()).filter(Boolean).map((line) => {
    const [x, y] = line.split(/[\s,，]+/).map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${t("bad_coordinates")}: ${line}`);
    return fromGrid(x, y);
  });
  if (points.length < 3) throw new Error(t("bad_coordinates"));
  return { type: "Polygon", coordinates: [[...points, points[0]]] };
}

document.getElementById("dig-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) document.getElementById("dig-paste").value = await file.text();
});

// A dig has a planned start; an orientation and an emergency have none.
document.getElementById("dig-type").addEventListener("change", (e) => {
  document.getElementById("dig-start-label").hidden = e.target.value !== "dig";
});

document.getElementById("dig-clear").addEventListener("click", () => {
  state.draw = [];
  showDrawing();
  map.getSource("hits").setData(empty());
  document.getElementById("dig-result").innerHTML = "";
});

document.getElementById("dig-submit").addEventListener("click", async () => {
  const result = document.getElementById("dig-result");
  try {
    const area = pastedArea(document.getElementById("dig-paste").value) || drawnPolygon();
    if (!area) throw new Error(t("draw_first"));
    result.textContent = "…";
    const type = document.getElementById("dig-type").value;
    const ticket = await api("/v1/excavation-checks", { method: "POST", json: {
      area,
      type,
      planned_start: (type === "dig" && document.getElementById("dig-start").value) || undefined,
      depth_m: Number(document.getElementById("dig-depth").value) || undefined,
      buffer_m: Number(document.getElementById("dig-buffer").value),
    } });
    map.getSource("draw").setData({ type: "Feature", geometry: area, properties: {} });
    state.hits = ticket.hits;
    map.getSource("hits").setData({ type: "FeatureCollection", features: ticket.hits.filter((h) => h.geometry)
      .map((h) => ({ type: "Feature", geometry: h.geometry, properties: { colour: RISK_COLOURS[h.risk], id: h.feature_id, risk: h.risk } })) });
    refreshTickets();
    result.innerHTML = `<p><b>${t("ticket")} <span id="ticket-id">${escapeHtml(ticket.id)}</span></b>`
      + (ticket.planned_start ? ` · ${t("planned_start")} ${escapeHtml(ticket.planned_start)}` : "")
      + ` · ${t("valid_until")} ${escapeHtml(ticket.valid_until || "—")}`
      + (ticket.dig_allowed === false ? `<br><b class="no-dig" id="no-dig">${t("dig_allowed_no")}</b>` : "")
      + emergencyHtml(ticket, t)
      + precautionsHtml(ticket, t)
      + ` · <a href="/tickets/${encodeURIComponent(ticket.id)}" target="_blank" rel="noopener">${t("print")}</a></p>`
      + `<p>${ticket.summary.total} ${t("hits")}: ${Object.entries(ticket.summary.by_risk).map(([r, n]) => `${t(r)} ${n}`).join(", ")}</p>`
      + `<table id="hits-table"><thead><tr>${["risk", "layer", "kind", "feature_id", "distance_m", "owner", "contact"].map((c) => `<th data-key="${c}">${t(c)}</th>`).join("")}</tr></thead><tbody></tbody></table>`
      + ((ticket.archive_projects || []).length
        ? `<h4>${t("archive_projects")}</h4><ul id="ticket-projects">${ticket.archive_projects.map((p) =>
          `<li><b>${escapeHtml(p.code)}</b> ${escapeHtml(p.name)} <small>· ${escapeHtml(p.unit)} · ${t(p.status)} · ${p.distance_m} m</small></li>`).join("")}</ul>`
        : "");
    renderHits("risk");
    ticketStatus(ticket.id);
    result.querySelectorAll("th").forEach((th) => th.addEventListener("click", () => renderHits(th.dataset.key)));
  } catch (e) {
    if (e.message !== "401") result.textContent = e.message;
  }
});

const RISK_ORDER = { high: 0, medium: 1, low: 2 };
function renderHits(key) {
  const rows = [...state.hits].sort((a, b) => key === "risk"
    ? RISK_ORDER[a.risk] - RISK_ORDER[b.risk] || a.distance_m - b.distance_m
    : String(a[key] ?? "").localeCompare(String(b[key] ?? ""), undefined, { numeric: true }));
  document.querySelector("#hits-table tbody").innerHTML = rows.map((h) => `<tr data-id="${escapeHtml(h.feature_id)}">`
    + `<td><span class="risk risk-${h.risk}">${t(h.risk)}</span></td><td>${escapeHtml(h.layer)}</td><td>${escapeHtml(h.kind)}</td>`
    + `<td>${escapeHtml(h.feature_id)}</td><td>${h.distance_m}</td><td>${escapeHtml(h.owner ?? "—")}</td><td>${escapeHtml(h.contact ?? "—")}</td></tr>`).join("");
}

/** A ticket's owners and their answers, under the ticket. */
function ticketStatus(id) {
  const element = document.getElementById("ticket-status");
  showStatus({ api, t, element, id }).catch((e) => { element.textContent = e.message; });
}

/** The account's earlier tickets, from the server (any device the account used). */
async function refreshTickets() {
  const list = await api("/v1/excavation-checks?limit=20").catch(() => null);
  reportTickets(list?.tickets || []);
  document.getElementById("tickets").innerHTML = (list?.tickets || []).map((s) =>
    `<li data-ticket="${escapeHtml(s.id)}"><a href="/tickets/${encodeURIComponent(s.id)}" target="_blank" rel="noopener">${escapeHtml(s.id)}</a>`
    + ` ${escapeHtml(s.created_at.slice(0, 10))} · ${s.hits} ${t("hits")}`
    + `${s.highest_risk ? ` · <span class="risk risk-${escapeHtml(s.highest_risk)}">${t(s.highest_risk)}</span>` : ""}`
    + `${s.reference ? ` · ${escapeHtml(s.reference)}` : ""} <button class="link status-of">${t("owners_answers")}</button>`
    + ` <button class="link rate">${t("rate")}</button><div class="rating-form"></div></li>`).join("");
  document.querySelectorAll("#tickets li").forEach((li) => {
    li.querySelector(".status-of").addEventListener("click", () => ticketStatus(li.dataset.ticket));
    li.querySelector(".rate").addEventListener("click", () =>
      feedbackForm({ api, t, element: li.querySelector(".rating-form"), service: "ticket", subject: li.dataset.ticket })
        .catch((e) => { li.querySelector(".rating-form").textContent = e.message; }));
  });
}

// ---------------------------------------------------------------- incident
async function incident(lngLat) {
  const out = document.getElementById("incident-result");
  out.textContent = "…";
  const point = [lngLat.lng, lngLat.lat];
  try {
    const trace = await api("/v1/incidents/isolation", { method: "POST", json: { point } });
    const [history, resources] = await Promise.all([
      api(`/v1/incidents/nearby-history?point=${point.join(",")}&radius_m=300`).catch(() => null),
      api(`/v1/resources/nearest?point=${point.join(",")}&k=5`).catch(() => null),
    ]);
    const tag = (fc, role) => fc.features.map((f) => ({ ...f, properties: { ...f.properties, role } }));
    const features = [
      ...tag(trace.isolated, "isolated"), ...tag(trace.unfed, "unfed"), ...tag(trace.valves_to_close, "close"),
      ...(history?.incidents || []).map((i) => ({ type: "Feature", geometry: i.geometry, properties: { role: "history", id: i.feature_id } }))
        .filter((f) => f.geometry.type === "Point"),
      ...(resources?.straight_line || []).map((r) => ({ type: "Feature", geometry: r.geometry, properties: { role: "resource", id: r.feature_id } }))
        .filter((f) => f.geometry.type === "Point"),
    ];
    map.getSource("trace").setData({ type: "FeatureCollection", features });
    const valves = trace.valves_to_close.features.map((f) => f.properties.feature_id);
    out.innerHTML = `<p><b>${t("break_on")}</b> ${escapeHtml(trace.broken.feature_id)} (${escapeHtml(trace.layer)})</p>`
      + `<p><b>${t("close_valves")}</b> <span id="valves">${valves.map(escapeHtml).join(", ") || "—"}</span></p>`
      + (trace.inoperable_valves.features.length ? `<p>${t("seized")}: ${trace.inoperable_valves.features.map((f) => escapeHtml(f.properties.feature_id)).join(", ")}</p>` : "")
      + (trace.ambiguous_valves.features.length ? `<p>${t("ambiguous_valves")}: ${trace.ambiguous_valves.features.map((f) => escapeHtml(f.properties.feature_id)).join(", ")}</p>` : "")
      + `<p>${t("isolated")} ${Math.round(trace.isolated_length_m)} m · ${t("unfed")} ${Math.round(trace.unfed_length_m)} m</p>`
      + `<p><b>${t("consumers")}</b> ${trace.consumers.map((c) => `${escapeHtml(c.feature)}${c.critical ? ` (${escapeHtml(c.class)})` : ""}`).join(", ") || "—"}</p>`
      + `<p><b>${t("history")}</b> ${history ? `${history.total}: ${history.incidents.slice(0, 5).map((i) => `${escapeHtml(i.occurred_on)} ${t(i.incident_type)}`).join("; ")}` : "—"}</p>`
      + `<p><b>${t("resources")}</b> ${resources ? resources.straight_line.map((r) => `${escapeHtml(r.name || r.feature_id)} ${Math.round(r.distance_m)} m`).join("; ") : "—"}</p>`;
  } catch (e) {
    if (e.message !== "401") out.textContent = e.message;
  }
}

// ---------------------------------------------------------------- time: the map as it stood
let currentTiles = null;
document.getElementById("at").addEventListener("change", (event) => {
  const source = map?.getSource("undermap");
  if (!source) return;
  currentTiles = currentTiles || source.tiles.map((u) => u.split("?")[0]);
  const date = event.target.value;
  const suffix = date ? `?at=${encodeURIComponent(date)}` : "";
  source.setTiles(currentTiles.map((u) => u + suffix));
  document.getElementById("at-note").textContent = date ? `· ${t("as_of")} ${date}` : "";
});

// ---------------------------------------------------------------- language, start
document.getElementById("lang").addEventListener("click", () => {
  setLanguage(language() === "zh" ? "en" : "zh");
  document.getElementById("lang").textContent = language() === "zh" ? "EN" : "中文";
});
translatePage();
document.getElementById("lang").textContent = language() === "zh" ? "EN" : "中文";

if (state.key) start().catch(() => showLogin()); else showLogin();

setupReports({ api, t });
