// Booking a visit to the archive's service window: the next two weeks' days and slots with the
// places left, the booking form (who, why, what to have ready), the confirmation with its
// number and calendar file, one's appointments with cancel, and the staff's printable day list.

import { feedbackForm } from "./feedback.js";
import { escapeHtml, openWithKey } from "./html.js";

// One wanted item per line: a project code, a file's SHA-256, else a paper record's number.
function wantedOf(text) {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map((l) =>
    /^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$/.test(l) ? { project: l }
      : /^[0-9a-fA-F]{64}$/.test(l) ? { file: l } : { record: l });
}

export async function showWindow({ api, key, t, element }) {
  const state = { day: null, slot: null };
  const [window_, mine] = await Promise.all([api("/v1/appointments/slots"), api("/v1/appointments")]);
  const days = window_.days;
  state.day = days.find((d) => d.slots.some((s) => s.bookable)) || days[0];
  const render = () => {
    const dayButtons = days.map((d) => {
      const free = d.slots.filter((s) => s.bookable).reduce((n, s) => n + s.free, 0);
      return `<button class="day${d === state.day ? " chosen" : ""}" data-date="${d.date}" ${d.open ? "" : "disabled"}
        title="${escapeHtml(d.reason || "")}">${d.date.slice(5)}<small>${d.open ? `${free} ${t("free")}` : t("closed")}</small></button>`;
    }).join("");
    const slots = state.day.slots.map((s) => `<button class="slot${s.slot === state.slot ? " chosen" : ""}" data-slot="${s.slot}"
      ${s.bookable ? "" : "disabled"}>${s.start}<small>${s.free}/${s.capacity}</small></button>`).join("");
    const list = mine.appointments.map((a) => `<li data-number="${escapeHtml(a.number)}"><b>${escapeHtml(a.number)}</b>
      ${escapeHtml(a.date)} ${escapeHtml(a.start)}–${escapeHtml(a.end)} · <span class="appointment-status">${t(`appointment_${a.status}`)}</span>
      <button class="link ics">${t("add_to_calendar")}</button>
      ${a.status === "booked" ? `<button class="link cancel">${t("cancel_visit")}</button>` : ""}
      <button class="link rate">${t("rate")}</button><div class="rating-form"></div></li>`).join("");
    element.innerHTML = `<p><b>${escapeHtml(window_.name)}</b><br><small>${escapeHtml(window_.address)}</small></p>
      <div id="window-days" class="chips">${dayButtons}</div>
      <div id="window-slots" class="chips">${slots || `<small>${escapeHtml(state.day.reason || "")}</small>`}</div>
      <form id="visit-form">
        <label><span>${t("visitor_name")}</span> <input id="visit-name" required maxlength="100"></label>
        <label><span>${t("contact")}</span> <input id="visit-phone" type="tel" maxlength="30"></label>
        <label><span>${t("visit_purpose")}</span> <input id="visit-purpose" required maxlength="500"></label>
        <label><span>${t("visit_wanted")}</span> <textarea id="visit-wanted" rows="2"></textarea></label>
        <button id="visit-book" ${state.slot ? "" : "disabled"}>${t("book_visit")}${state.slot ? ` ${state.slot.replace("T", " ")}` : ""}</button>
      </form>
      <div id="visit-result" role="status"></div>
      <h3>${t("my_visits")}</h3><ul id="visits">${list || "<li>—</li>"}</ul>
      ${window_.staff ? `<h3>${t("day_list")} ${state.day.date}</h3><ul id="day-list"></ul>
      <p><button id="day-sheet" class="link">${t("day_sheet")} ${state.day.date}</button></p>` : ""}`;
    element.querySelectorAll("#window-days button").forEach((b) => b.addEventListener("click", () => {
      state.day = days.find((d) => d.date === b.dataset.date);
      state.slot = null;
      render();
    }));
    element.querySelectorAll("#window-slots button").forEach((b) => b.addEventListener("click", () => {
      state.slot = b.dataset.slot;
      const keep = ["visit-name", "visit-phone", "visit-purpose", "visit-wanted"].map((id) => element.querySelector(`#${id}`).value);
      render();
      ["visit-name", "visit-phone", "visit-purpose", "visit-wanted"].forEach((id, i) => { element.querySelector(`#${id}`).value = keep[i]; });
    }));
    element.querySelector("#visit-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = element.querySelector("#visit-result");
      try {
        const a = await api("/v1/appointments", { method: "POST", json: {
          slot: state.slot,
          name: element.querySelector("#visit-name").value,
          phone: element.querySelector("#visit-phone").value.trim() || undefined,
          purpose: element.querySelector("#visit-purpose").value,
          wanted: wantedOf(element.querySelector("#visit-wanted").value),
        } });
        await showWindow({ api, key, t, element });
        element.querySelector("#visit-result").innerHTML = `<p>${t("visit_booked")}: <b id="visit-number">${escapeHtml(a.number)}</b>
          ${escapeHtml(a.date)} ${escapeHtml(a.start)}–${escapeHtml(a.end)}</p>`;
      } catch (e) {
        if (e.message !== "401") out.textContent = e.message;
      }
    });
    element.querySelectorAll("#visits li[data-number]").forEach((li) => {
      const number = li.dataset.number;
      li.querySelector(".ics").addEventListener("click", () =>
        openWithKey(key, `/v1/appointments/${encodeURIComponent(number)}/calendar.ics`, `${number}.ics`));
      li.querySelector(".rate").addEventListener("click", () =>
        feedbackForm({ api, t, element: li.querySelector(".rating-form"), service: "appointment", subject: number })
          .catch((e) => { li.querySelector(".rating-form").textContent = e.message; }));
      li.querySelector(".cancel")?.addEventListener("click", async () => {
        try {
          await api(`/v1/appointments/${encodeURIComponent(number)}/cancel`, { method: "POST", json: {} });
          await showWindow({ api, key, t, element });
        } catch (e) {
          element.querySelector("#visit-result").textContent = e.message;
        }
      });
    });
    if (window_.staff) dayList(state.day.date);
    element.querySelector("#day-sheet")?.addEventListener("click", () =>
      openWithKey(key, `/v1/appointments/day/${state.day.date}/print`).catch((e) => {
        element.querySelector("#visit-result").textContent = e.message === "403" ? t("staff_only") : e.message;
      }));
  };
  // The staff's list for a day: who comes, and buttons to mark who came (from the day on).
  const dayList = async (date) => {
    const list = element.querySelector("#day-list");
    const { appointments } = await api(`/v1/appointments/day/${date}`);
    list.innerHTML = appointments.map((a) => `<li data-number="${escapeHtml(a.number)}">${escapeHtml(a.start)} <b>${escapeHtml(a.name)}</b>
      <small>${escapeHtml(a.number)} · ${escapeHtml(a.purpose)}</small> · <span>${t(`appointment_${a.status}`)}</span>
      ${a.status === "booked" ? `<button class="link came">${t("came")}</button> <button class="link absent">${t("no_show")}</button>` : ""}</li>`).join("") || "<li>—</li>";
    list.querySelectorAll("li[data-number]").forEach((li) => {
      for (const [cls, attended] of [["came", true], ["absent", false]]) {
        li.querySelector(`.${cls}`)?.addEventListener("click", async () => {
          try {
            await api(`/v1/appointments/${encodeURIComponent(li.dataset.number)}/attendance`, { method: "POST", json: { attended } });
            await dayList(date);
          } catch (e) {
            element.querySelector("#visit-result").textContent = e.message;
          }
        });
      }
    });
  };
  render();
}
