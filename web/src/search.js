// The archive search: one box over projects, files and map features; the hits in a list with
// the match marked and on the map as boxes; a file previewed in the panel (PDF, images) when the
// caller may read it, or asked for with a purpose; the caller's requests with the link once
// approved, and for the archive office the requests waiting for a decision.

import { escapeHtml, openWithKey } from "./html.js";

export function addSearchLayers(map) {
  map.addSource("search-hits", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({ id: "search-hits", type: "line", source: "search-hits", paint: { "line-color": "#e65100", "line-width": 2, "line-dasharray": [2, 1] } });
}

function box(b) {
  return { type: "Polygon", coordinates: [[[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]], [b[0], b[1]]]] };
}

// The file's bytes shown in the panel: a PDF in a frame, an image as an image, else saved.
export async function preview({ key, element, path, name }) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`${response.status}`);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  if (blob.type.startsWith("image/")) {
    element.innerHTML = `<img id="preview-view" alt="${escapeHtml(name)}" src="${url}">`;
  } else if (blob.type === "application/pdf") {
    element.innerHTML = `<iframe id="preview-view" title="${escapeHtml(name)}" src="${url}"></iframe>`;
  } else {
    Object.assign(document.createElement("a"), { href: url, download: name }).click();
  }
}

export async function runSearch({ api, key, map, t, element, q, openProject, onRequest }) {
  const r = await api(`/v1/archive/search?q=${encodeURIComponent(q)}&limit=50`);
  map.getSource("search-hits")?.setData({ type: "FeatureCollection",
    features: r.hits.filter((h) => h.bbox).map((h) => ({ type: "Feature", geometry: box(h.bbox), properties: { id: h.id } })) });
  const all = r.hits.filter((h) => h.bbox).map((h) => h.bbox);
  if (all.length) {
    map.fitBounds([[Math.min(...all.map((b) => b[0])), Math.min(...all.map((b) => b[1]))],
      [Math.max(...all.map((b) => b[2])), Math.max(...all.map((b) => b[3]))]], { padding: 60, maxZoom: 17, duration: 0 });
  }
  const facets = (r.facets.kind || []).map((f) => `${t(`kind_${f.value}`)} ${f.count}`).join(" · ");
  // `highlight` is HTML the server escaped, with the match in <mark>.
  const items = r.hits.map((h) => `<li data-kind="${h.kind}" data-id="${escapeHtml(h.id)}">
    <span class="kind">${t(`kind_${h.kind}`)}</span> <span class="title">${h.highlight}</span>
    <small>${h.project_name ? `${escapeHtml(h.project_name)} · ` : ""}${escapeHtml(h.category)}${h.year ? ` · ${h.year}` : ""}${h.access ? ` · ${t(`access_${h.access}`)}` : ""}</small>
    ${h.download === "read" ? `<button class="link preview">${t("preview")}</button>` : ""}
    ${h.download === "ask" ? `<button class="link ask">${t("ask_for_it")}</button><form class="ask-form" hidden>
      <input class="purpose" required maxlength="500" placeholder="${t("purpose")}" aria-label="${t("purpose")}"><button>${t("send")}</button></form>` : ""}
    ${h.kind === "project" ? `<button class="link open">${t("open_project")}</button>` : ""}</li>`).join("");
  element.innerHTML = `<p id="search-summary">${r.total}${r.total_is_exact ? "" : "+"} ${t("hits_found")} ${facets ? `(${facets})` : ""}</p>
    <ul id="search-hits">${items}</ul><div id="preview"></div>`;
  element.querySelectorAll("#search-hits li").forEach((li, i) => {
    const hit = r.hits[i];
    li.querySelector(".preview")?.addEventListener("click", () =>
      preview({ key, element: element.querySelector("#preview"), path: hit.href, name: hit.title }).catch(() => {}));
    li.querySelector(".open")?.addEventListener("click", () => openProject(hit.id));
    li.querySelector(".ask")?.addEventListener("click", () => { li.querySelector(".ask-form").hidden = false; });
    li.querySelector(".ask-form")?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const purpose = li.querySelector(".purpose").value;
      try {
        await api("/v1/download-requests", { method: "POST", json: { sha256: hit.id, project: hit.project, purpose } });
        li.querySelector(".ask-form").outerHTML = `<small class="asked">${t("asked")}</small>`;
        onRequest();
      } catch (e) {
        li.querySelector(".ask-form").insertAdjacentHTML("beforeend", ` <small>${escapeHtml(e.message)}</small>`);
      }
    });
  });
  return r;
}

// The caller's requests (the office: everyone's), with the link once approved and, for the
// office, approve and refuse on those waiting.
export async function showRequests({ api, key, t, element }) {
  const r = await api("/v1/download-requests?limit=50");
  const now = Date.now();
  const items = r.requests.map((q) => {
    const usable = q.status === "approved" && q.uses < q.max_uses && Date.parse(q.expires_at) > now;
    return `<li data-id="${q.id}"><b>#${q.id}</b> <span class="request-status">${t(`request_${q.status}`)}</span>
      <small>${escapeHtml(q.sha256.slice(0, 12))}… · ${escapeHtml(q.purpose)}${r.office ? ` · ${escapeHtml(q.account)}` : ""}
      ${q.reason ? ` · ${escapeHtml(q.reason)}` : ""}${q.status === "approved" ? ` · ${q.uses}/${q.max_uses} · ${escapeHtml(q.expires_at.slice(0, 16))}` : ""}</small>
      ${usable && !r.office ? `<button class="link fetch">${t("download")}</button>` : ""}
      ${r.office && q.status === "pending" ? `<button class="link approve">${t("approve")}</button>
        <input class="reason" maxlength="500" placeholder="${t("reason")}" aria-label="${t("reason")}"><button class="link refuse">${t("refuse")}</button>` : ""}</li>`;
  }).join("");
  element.innerHTML = r.requests.length ? `<h3>${t(r.office ? "requests_to_decide" : "my_requests")}</h3><ul id="requests">${items}</ul>` : "";
  element.querySelectorAll("#requests li").forEach((li) => {
    const id = li.dataset.id;
    li.querySelector(".fetch")?.addEventListener("click", () =>
      openWithKey(key, `/v1/download-requests/${id}/file`).then(() => showRequests({ api, key, t, element })).catch(() => {}));
    const decide = (approve) => api(`/v1/download-requests/${id}/decision`, { method: "POST",
      json: { approve, reason: li.querySelector(".reason").value || null } })
      .then(() => showRequests({ api, key, t, element }))
      .catch((e) => li.insertAdjacentHTML("beforeend", ` <small>${escapeHtml(e.message)}</small>`));
    li.querySelector(".approve")?.addEventListener("click", () => decide(true));
    li.querySelector(".refuse")?.addEventListener("click", () => decide(false));
  });
}
