// Subscriptions: "tell me what is new here" for the map's current view — a feed address to put
// in any feed reader (shown once: only the server's hash of its key is kept) — and one's
// subscriptions with their last webhook outcome, each deletable.

import { escapeHtml } from "./html.js";

export async function showSubscriptions({ api, map, t, element }) {
  const { subscriptions } = await api("/v1/subscriptions");
  const items = subscriptions.map((s) => `<li data-id="${s.id}"><b>${escapeHtml(s.title)}</b>
    <small>${(s.kinds.length ? s.kinds : ["delivery", "project", "file", "field_report"]).map((k) => t(`event_${k}`)).join(", ")}
    ${s.bbox ? "" : ` · ${t("everywhere")}`}${s.last_push ? ` · webhook ${escapeHtml(s.last_push)}` : ""}</small>
    <button class="link unsubscribe">${t("unsubscribe")}</button></li>`).join("");
  element.innerHTML = `<h3>${t("subscriptions")}</h3>
    <form id="subscribe" class="row"><input id="subscribe-title" required maxlength="200" aria-label="${t("subscription_title")}" placeholder="${t("subscription_title")}">
      <button>${t("subscribe_here")}</button></form>
    <p id="feed-address" role="status"></p><ul id="subscription-list">${items}</ul>`;
  element.querySelector("#subscribe").addEventListener("submit", async (event) => {
    event.preventDefault();
    const b = map.getBounds();
    const out = element.querySelector("#feed-address");
    try {
      const made = await api("/v1/subscriptions", { method: "POST", json: {
        title: element.querySelector("#subscribe-title").value,
        bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => Math.round(v * 1e6) / 1e6) } });
      await showSubscriptions({ api, map, t, element });
      const address = new URL(made.feed, location.href).href;
      element.querySelector("#feed-address").innerHTML = `${t("feed_address")}: <a id="feed-link" href="${escapeHtml(address)}">${escapeHtml(address)}</a>`;
    } catch (e) {
      out.textContent = e.message;
    }
  });
  element.querySelectorAll("#subscription-list li").forEach((li) =>
    li.querySelector(".unsubscribe").addEventListener("click", async () => {
      await api(`/v1/subscriptions/${li.dataset.id}`, { method: "DELETE" }).catch(() => {});
      await showSubscriptions({ api, map, t, element });
    }));
}
