// The archive panel: construction projects on the map coloured by status, the list with the
// overdue ones marked and the digitisation rate, and a project's page (timeline, checklist,
// files, the surveys delivered for it, deadlines, the printable filing notice) with the
// hand-over upload. Everything comes from the same API, with the account's key; a construction
// unit's account gets only its own projects from it.

import { escapeHtml, openWithKey } from "./html.js";

export const STATUS_COLOURS = {
  registered: "#9e9e9e", notice_issued: "#42a5f5", under_construction: "#fb8c00",
  accepted: "#8e24aa", handed_over: "#43a047", filed: "#1b5e20",
};

function swatch(status) {
  return `<span class="status" style="background:${STATUS_COLOURS[status] || "#000"}"></span>`;
}

// The map layers the projects are drawn in (call once the style is loaded).
export function addProjectLayers(map) {
  map.addSource("projects", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "projects-fill", type: "fill", source: "projects", filter: ["==", ["geometry-type"], "Polygon"],
    layout: { visibility: "none" }, paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.25 } });
  map.addLayer({ id: "projects-line", type: "line", source: "projects",
    layout: { visibility: "none" }, paint: { "line-color": ["get", "colour"], "line-width": 4, "line-opacity": 0.85 } });
}

export function showProjectLayers(map, visible) {
  for (const id of ["projects-fill", "projects-line"]) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}

// Lists the projects the account may see, draws them, marks the overdue ones.
export async function showProjects({ api, map, t, element, open }) {
  const [page, overdue, stats] = await Promise.all([api("/v1/projects?limit=1000"), api("/v1/projects/overdue"),
    // A construction unit may not read the archive's statistics: then there are none to show.
    api("/v1/archive/stats").catch(() => null)]);
  const late = new Map(overdue.overdue.map((o) => [o.code, o]));
  map.getSource("projects")?.setData({ type: "FeatureCollection", features: page.projects.map((p) => ({
    type: "Feature", geometry: p.location, properties: { code: p.code, colour: STATUS_COLOURS[p.status] } })) });
  const digitised = stats && stats.total.records
    ? `<p id="digitisation">${t("digitisation")}: <b>${stats.total.rate_percent}%</b> (${stats.total.digitised}/${stats.total.records})</p>` : "";
  element.innerHTML = `${digitised}<ul id="project-list">${page.projects.map((p) => {
    const o = late.get(p.code);
    return `<li data-code="${escapeHtml(p.code)}"><button class="link">${swatch(p.status)}${escapeHtml(p.name)}</button>
      <small>${escapeHtml(p.code)} · ${t(p.status)}${o ? ` · <b class="late">${t("overdue")} ${o.days_overdue} ${t("days")}</b>` : ""}</small></li>`;
  }).join("")}</ul>`;
  element.querySelectorAll("#project-list li").forEach((li) =>
    li.querySelector("button").addEventListener("click", () => open(li.dataset.code)));
  return page.projects;
}

// A project's page.
export async function showProject({ api, key, map, t, element, code, back }) {
  const p = await api(`/v1/projects/${encodeURIComponent(code)}`);
  const lang = document.documentElement.lang.startsWith("zh");
  const events = p.timeline.map((e) => `<li><b>${escapeHtml(e.date)}</b> ${t(e.type)}${e.type === "acceptance" ? ` (${t(e.passed ? "passed" : "failed")})` : ""}
    ${e.inspector ? ` · ${escapeHtml(e.inspector)}` : ""}${(e.findings || []).map((f) => ` · ${escapeHtml(f.text)}`).join("")}
    ${e.missing?.length ? ` · ${t("missing")}: ${e.missing.length}` : ""}</li>`).join("");
  const checklist = p.checklist.items.map((i) => `<tr class="${i.files ? "have" : i.required ? "owed" : ""}">
    <td>${i.files ? "✓" : i.required ? "✗" : "–"}</td><td>${escapeHtml(lang ? i.name : i.name_en)}</td><td>${i.files}</td></tr>`).join("");
  const files = p.files.map((f) => `<li><button class="link" data-sha="${escapeHtml(f.sha256)}">${escapeHtml(f.title)}</button>
    <small>${escapeHtml(f.media_type)} · ${f.size} B</small></li>`).join("");
  const deadline = p.overdue
    ? `<p class="late">${t("overdue")}: ${escapeHtml(p.overdue.detail)}</p>`
    : p.next_deadline ? `<p>${t("next_deadline")}: ${t(p.next_deadline.deadline)} ${escapeHtml(p.next_deadline.due)}</p>` : "";
  const deliveries = p.deliveries.map((d) => `<li>#${d.id} ${escapeHtml(d.layer)} · ${escapeHtml(d.source_name)}
    <small>${escapeHtml(d.loaded_at.slice(0, 10))} · +${d.inserted} ~${d.updated}</small></li>`).join("");
  const noticed = p.timeline.some((e) => e.type === "notice_issued");
  const options = p.checklist.items.map((i) => `<option value="${escapeHtml(i.category)}">${escapeHtml(lang ? i.name : i.name_en)}</option>`).join("");
  element.innerHTML = `<div id="project-page" data-code="${escapeHtml(p.code)}">
    <button id="project-back" class="link">← ${t("projects")}</button>
    <h3>${swatch(p.status)}${escapeHtml(p.name)}</h3>
    <p><small>${escapeHtml(p.code)} · ${escapeHtml(lang ? p.category_name : p.category_name_en)} · ${escapeHtml(p.unit.name)} (${escapeHtml(p.unit.credit_code)})</small></p>
    <p>${t("status")}: <b>${t(p.status)}</b></p>${deadline}
    <h4>${t("timeline")}</h4><ol id="timeline">${events || `<li>${t("no_events")}</li>`}</ol>
    <h4>${t("checklist")}</h4><table id="checklist"><tbody>${checklist}</tbody></table>
    ${noticed ? `<p><button id="print-notice" class="link">${t("print_notice")}</button></p>` : ""}
    ${p.files.length ? `<p><button id="bundle" class="link">${t("download_all")}</button></p>` : ""}
    <h4>${t("files")}</h4><ul id="files">${files}</ul>
    <h4>${t("deliveries")}</h4><ul id="deliveries">${deliveries || "<li>—</li>"}</ul>
    <p id="project-features">${p.features.length} ${t("features")}</p>
    <form id="file-upload"><select id="file-category" aria-label="${t("category")}">${options}</select>
      <input id="file-input" type="file" aria-label="${t("files")}"><button>${t("hand_over")}</button><span id="upload-result" role="status"></span></form>
  </div>`;
  element.querySelector("#project-back").addEventListener("click", back);
  element.querySelectorAll("#files button").forEach((b) => b.addEventListener("click", () => openWithKey(key, `/v1/files/${b.dataset.sha}`)));
  element.querySelector("#bundle")?.addEventListener("click", () =>
    openWithKey(key, `/v1/projects/${encodeURIComponent(code)}/bundle.zip`, `${code}.zip`).catch(() => {}));
  element.querySelector("#print-notice")?.addEventListener("click", () =>
    openWithKey(key, `/v1/projects/${encodeURIComponent(code)}/notice`));
  element.querySelector("#file-upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = element.querySelector("#file-input");
    if (!input.files.length) return;
    const form = new FormData();
    form.append("category", element.querySelector("#file-category").value);
    form.append("title", input.files[0].name);
    form.append("file", input.files[0]);
    const out = element.querySelector("#upload-result");
    try {
      await api(`/v1/projects/${encodeURIComponent(code)}/files`, { method: "POST", body: form });
      await showProject({ api, key, map, t, element, code, back });
    } catch (e) {
      out.textContent = e.message;
    }
  });
  const coords = JSON.stringify(p.location.coordinates).match(/-?\d+(\.\d+)?/g).map(Number);
  const xs = coords.filter((_, i) => i % 2 === 0), ys = coords.filter((_, i) => i % 2 === 1);
  map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 60, maxZoom: 18, duration: 0 });
  return p;
}
