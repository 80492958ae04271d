// Filing a field report from site, on a phone: what was found, the phone's GPS position, a
// photo, the ticket the work is on. Sent as a form (the report as JSON, then the photo) with the
// account's key; the answer gives the report's number and the owner's deadlines.

import { escapeHtml } from "./html.js";

const CAUSES = ["mismarked", "records_wrong", "no_ticket", "excavation_practice", "other"];

export function setupReports({ api, t }) {
  const $ = (id) => document.getElementById(id);
  const position = { at: null };
  $("report-cause").innerHTML = CAUSES.map((c) => `<option value="${c}">${t(`cause_${c}`)}</option>`).join("");
  const strikeOnly = () => {
    const strike = $("report-type").value === "strike";
    $("report-cause-label").hidden = !strike;
    $("report-damage-label").hidden = !strike;
  };
  $("report-type").addEventListener("change", strikeOnly);
  strikeOnly();
  $("report-gps").addEventListener("click", () => {
    if (!navigator.geolocation) {
      $("report-position").textContent = t("no_gps");
      return;
    }
    $("report-position").textContent = "…";
    navigator.geolocation.getCurrentPosition((p) => {
      position.at = [p.coords.longitude, p.coords.latitude];
      $("report-position").textContent = `${p.coords.longitude.toFixed(6)}, ${p.coords.latitude.toFixed(6)} ±${Math.round(p.coords.accuracy)} m`;
    }, (e) => { $("report-position").textContent = e.message; }, { enableHighAccuracy: true, timeout: 15000 });
  });
  $("report-submit").addEventListener("click", async () => {
    const result = $("report-result");
    const type = $("report-type").value;
    const report = {
      type,
      ticket: $("report-ticket").value || undefined,
      feature_id: $("report-feature").value.trim() || undefined,
      position: position.at || undefined,
      crs: position.at ? "OGC:CRS84" : undefined,
      cause: type === "strike" ? $("report-cause").value : undefined,
      damage: type === "strike" ? ($("report-damage").value.trim() || undefined) : undefined,
      note: $("report-note").value.trim() || undefined,
    };
    const form = new FormData();
    form.append("report", JSON.stringify(report));
    for (const file of $("report-photo").files) form.append("photo", file, file.name);
    try {
      result.textContent = "…";
      const r = await api("/v1/field-reports", { method: "POST", body: form });
      result.innerHTML = `<p><b id="report-number">${escapeHtml(r.number)}</b> · ${t(r.status)} · `
        + `${t("claim_by")} ${escapeHtml(r.claim_by.slice(0, 10))}${r.photos.length ? ` · ${r.photos.length} ${t("photos")}` : ""}</p>`;
    } catch (e) {
      if (e.message !== "401") result.textContent = e.message;
    }
  });
}

// The account's tickets to report on.
export function reportTickets(tickets) {
  const select = document.getElementById("report-ticket");
  const keep = select.value;
  select.innerHTML = `<option value="">—</option>${tickets.map((s) => `<option>${escapeHtml(s.id)}</option>`).join("")}`;
  select.value = keep;
}
