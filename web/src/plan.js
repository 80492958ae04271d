// Planning: draw a planned route, choose its type, size and depth, and get the clearance report
// (GB 50289): the conflicts listed with their rule, the failing stretches red on the map, the
// printable report; or draw a cut across a street and see the cross-section (横断面) drawn.

import { escapeHtml } from "./html.js";

const VERDICT_COLOURS = { pass: "#1a9641", fail: "#d7191c", unknown: "#f39c12" };
const empty = () => ({ type: "FeatureCollection", features: [] });

export function addPlanLayers(map) {
  for (const name of ["plan-draw", "plan-result"]) map.addSource(name, { type: "geojson", data: empty() });
  map.addLayer({ id: "plan-draw", type: "line", source: "plan-draw",
    paint: { "line-color": ["match", ["get", "tool"], "cut", "#6a1b9a", "#3388ff"], "line-width": 3, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "plan-lines", type: "line", source: "plan-result", filter: ["!=", ["geometry-type"], "Point"],
    paint: { "line-color": ["get", "colour"], "line-width": ["get", "width"], "line-opacity": 0.9 } });
  map.addLayer({ id: "plan-points", type: "circle", source: "plan-result", filter: ["==", ["geometry-type"], "Point"],
    paint: { "circle-color": ["get", "colour"], "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
}

/** The planning panel: returns what the map's clicks do while it is open. */
export function setupPlan({ api, t, getMap, canPlan }) {
  const draw = [];
  const tool = () => document.querySelector("input[name=plan-tool]:checked").value;
  const out = () => document.getElementById("plan-result");
  const show = () => {
    const map = getMap();
    const features = draw.length >= 2
      ? [{ type: "Feature", properties: { tool: tool() }, geometry: { type: "LineString", coordinates: draw.map((p) => [p.lng, p.lat]) } }]
      : [];
    map.getSource("plan-draw").setData({ type: "FeatureCollection", features });
  };
  const clear = () => {
    draw.length = 0;
    show();
    getMap().getSource("plan-result").setData(empty());
    out().innerHTML = "";
  };
  const typeChanged = () => {
    const type = document.getElementById("plan-type").value;
    document.getElementById("plan-pressure-label").hidden = type !== "gas";
    document.getElementById("plan-voltage-label").hidden = type !== "power";
  };
  document.getElementById("plan-type").addEventListener("change", typeChanged);
  typeChanged();
  document.querySelectorAll("input[name=plan-tool]").forEach((r) => r.addEventListener("change", () => {
    clear();
    document.getElementById("plan-route-form").hidden = tool() !== "route";
  }));
  document.getElementById("plan-clear").addEventListener("click", clear);
  document.getElementById("plan-submit").addEventListener("click", () => checkRoute().catch((e) => {
    if (e.message !== "401") out().textContent = e.message;
  }));

  async function checkRoute() {
    if (draw.length < 2) throw new Error(t("draw_route_first"));
    out().textContent = "…";
    const type = document.getElementById("plan-type").value;
    const number = (id) => Number(document.getElementById(id).value) || undefined;
    const report = await api("/v1/clearance-checks", { method: "POST", json: {
      route: { type: "LineString", coordinates: draw.map((p) => [p.lng, p.lat]) },
      type,
      diameter_mm: number("plan-diameter"),
      pressure_class: type === "gas" ? document.getElementById("plan-pressure").value : undefined,
      voltage_kv: type === "power" ? number("plan-voltage") : undefined,
      depth_top_m: number("plan-depth"),
      reference: document.getElementById("plan-reference").value.trim() || undefined,
    } });
    const features = [
      ...report.conflicts.filter((c) => c.geometry).map((c) => ({ type: "Feature", geometry: c.geometry,
        properties: { colour: VERDICT_COLOURS[c.verdict], width: 3 } })),
      ...report.failing_spans.map((s) => ({ type: "Feature", geometry: s.geometry, properties: { colour: "#d7191c", width: 7 } })),
      ...report.conflicts.flatMap((c) => c.crossings.map((x) => ({ type: "Feature",
        geometry: { type: "Point", coordinates: x.point }, properties: { colour: VERDICT_COLOURS[x.verdict] } }))),
    ];
    getMap().getSource("plan-result").setData({ type: "FeatureCollection", features });
    const rows = report.conflicts.map((c) => {
      const h = c.horizontal;
      const checks = [
        h ? `${t("horizontal")} ${h.distance_m} / ${h.required_m ?? "—"} m` : "",
        ...c.crossings.map((x) => `${t("vertical")} ${x.clear_m ?? "—"} / ${x.required_m ?? "—"} m`),
      ].filter(Boolean).join("; ");
      const why = [h?.reason, ...c.crossings.map((x) => x.reason)].filter(Boolean).map(escapeHtml).join("<br>");
      return `<tr class="verdict-${c.verdict}"><td><span class="risk" style="background:${VERDICT_COLOURS[c.verdict]}">${t(`verdict_${c.verdict}`)}</span></td>`
        + `<td>${escapeHtml(c.feature_id ?? t("restricted"))}</td><td>${escapeHtml(c.layer)}</td><td>${checks}</td>`
        + `<td>${escapeHtml(c.owner ?? "—")}</td><td><small>${why}</small></td></tr>`;
    }).join("");
    out().innerHTML = `<p><b>${t("clearance_report")} <span id="plan-number">${escapeHtml(report.number)}</span></b>`
      + ` · <span class="risk" id="plan-verdict" style="background:${VERDICT_COLOURS[report.verdict]}">${t(`verdict_${report.verdict}`)}</span>`
      + ` · ${report.length_m} m · <a href="/clearance/${encodeURIComponent(report.number)}" target="_blank" rel="noopener">${t("print")}</a></p>`
      + `<p>${report.counts.features} ${t("features")}: ${t("verdict_fail")} ${report.counts.fail}, ${t("verdict_unknown")} ${report.counts.unknown}, ${t("verdict_pass")} ${report.counts.pass}`
      + (report.failing_spans.length ? ` · ${t("failing_stretches")} ${report.failing_spans.map((s) => `${s.from_m}–${s.to_m} m`).join(", ")}` : "") + "</p>"
      + `<table id="plan-conflicts"><thead><tr><th>${t("verdict")}</th><th>${t("feature_id")}</th><th>${t("layer")}</th><th>${t("actual_required")}</th><th>${t("owner")}</th><th>${t("why")}</th></tr></thead><tbody>${rows}</tbody></table>`
      + `<p><small>${escapeHtml(report.table.title)} (${escapeHtml(report.table.version)})</small></p>`;
  }

  async function section() {
    const [a, b] = draw;
    out().textContent = "…";
    const line = [a.lng, a.lat, b.lng, b.lat].map((v) => v.toFixed(8)).join(",");
    const s = await api(`/v1/cross-section?line=${line}`);
    const rows = s.items.map((i) => `<tr><td>${i.offset_m}</td><td>${escapeHtml(i.feature_id ?? t("restricted"))}</td><td>${escapeHtml(i.layer)}</td>`
      + `<td>${i.diameter_mm ? `DN${i.diameter_mm}` : escapeHtml(i.section ?? "—")}</td><td>${i.depth_top_m ?? "—"}</td><td>${i.depth_bottom_m ?? "—"}</td><td>${escapeHtml(i.owner ?? "—")}</td></tr>`).join("");
    // The drawing is the server's (its text escaped there), shown as an image: no script runs.
    const svg = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(s.svg)}`;
    out().innerHTML = `<p><b>${t("cross_section")}</b> ${s.length_m} m · ${s.items.length} ${t("lines")}</p>`
      + `<img id="section-drawing" alt="${t("cross_section")}" src="${svg}">`
      + `<table id="section-items"><thead><tr><th>${t("offset_m")}</th><th>${t("feature_id")}</th><th>${t("layer")}</th><th>${t("size")}</th><th>${t("top_m")}</th><th>${t("bottom_m")}</th><th>${t("owner")}</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  return {
    open() {
      document.getElementById("plan-route-tool").hidden = !canPlan();
      if (!canPlan()) document.querySelector("input[name=plan-tool][value=cut]").checked = true;
      document.getElementById("plan-route-form").hidden = tool() !== "route";
    },
    click(lngLat) {
      if (tool() === "cut" && draw.length >= 2) draw.length = 0;
      draw.push(lngLat);
      show();
      if (tool() === "cut" && draw.length === 2) {
        section().catch((e) => { if (e.message !== "401") out().textContent = e.message; });
      }
    },
    finish() {
      // The double click added the same point twice.
      if (tool() === "route" && draw.length > 2) draw.pop();
      show();
    },
  };
}
