// Owners and the dig workflow in the web map: a ticket's state with its owners' answers, an
// emergency's phones and dangers, and an owner's inbox with the answer form. Everything comes
// from the same API with the account's key.

import { escapeHtml } from "./html.js";

const CODES = ["clear", "marked", "records_provided", "site_meeting_required", "standby_required", "conflict"];

// What an emergency ticket says at once.
export function emergencyHtml(ticket, t) {
  const e = ticket.emergency;
  if (!e) return "";
  const danger = (on, key) => (on ? `<li class="late">${t(key)}</li>` : "");
  return `<div id="emergency"><h4>${t("emergency_phones")}</h4><ul>${e.owners.map((o) =>
    `<li><b>${escapeHtml(o.name)}</b> <a href="tel:${escapeHtml(o.emergency_phone)}">${escapeHtml(o.emergency_phone ?? "—")}</a></li>`).join("")}
    ${danger(e.high_pressure_gas, "high_pressure_gas")}${danger(e.high_voltage, "high_voltage")}</ul>
    <p>${t("justify_by")} ${escapeHtml(e.justify_by.slice(0, 16).replace("T", " "))} UTC</p></div>`;
}

// The precaution zones a ticket touches: each owner's requirement and whom to call.
export function precautionsHtml(ticket, t) {
  const zones = ticket.precautions || [];
  if (!zones.length) return "";
  const zh = document.documentElement.lang.startsWith("zh");
  return `<div id="precautions"><h4>${t("precautions")}</h4><ul>${zones.map((z) =>
    `<li data-zone="${escapeHtml(z.feature_id)}"><b>${escapeHtml(zh ? z.says.zh : z.says.en)}</b>`
    + `${z.note ? ` ${escapeHtml(z.note)}` : ""} · ${escapeHtml(z.owner ?? "—")} `
    + `<a href="tel:${escapeHtml(z.contact)}">${escapeHtml(z.contact ?? "")}</a></li>`).join("")}</ul></div>`;
}

// A ticket's state with its owners: who answered what, who is still silent.
export async function showStatus({ api, t, element, id }) {
  const s = await api(`/v1/excavation-checks/${encodeURIComponent(id)}/status`);
  element.innerHTML = `<h4>${t("owners_answers")} <span id="ticket-state" class="state-${escapeHtml(s.state)}">${t(s.state)}</span></h4>`
    + (s.answer_by ? `<p>${t("answer_by")} ${escapeHtml(s.answer_by.slice(0, 16).replace("T", " "))} UTC · ${t("versions")} ${s.versions.length}</p>` : "")
    + `<ul id="ticket-owners">${s.owners.map((o) => `<li data-owner="${escapeHtml(o.id)}"><b>${escapeHtml(o.name)}</b> · `
      + `${o.code ? t(`code_${o.code}`) : `<i>${t("no_answer")}</i>`}</li>`).join("") || `<li>${t("no_owner_asked")}</li>`}</ul>`;
  return s;
}

// An owner's inbox: the open tickets, each with the answer form.
export async function showInbox({ api, t, element }) {
  const owners = await api("/v1/owners");
  const mine = owners.owners.filter((o) => owners.mine.includes(o.id));
  if (!mine.length) {
    element.innerHTML = `<p>${t("no_owner_account")}</p>`;
    return;
  }
  element.innerHTML = `<label>${t("owner")} <select id="inbox-owner">${mine.map((o) =>
    `<option value="${escapeHtml(o.id)}">${escapeHtml(o.name)}</option>`).join("")}</select></label><ul id="inbox-list"></ul>`;
  const list = element.querySelector("#inbox-list");
  const select = element.querySelector("#inbox-owner");
  const load = async () => {
    const owner = select.value;
    const inbox = await api(`/v1/owners/${encodeURIComponent(owner)}/tickets?status=open`);
    list.innerHTML = inbox.tickets.map((i) => `<li data-ticket="${escapeHtml(i.ticket_id)}">
      <b>${escapeHtml(i.ticket_id)}</b> <small>${escapeHtml(i.issued_at.slice(0, 10))} · ${i.assets} ${t("hits")}`
      + ` · ${t("answer_by")} ${escapeHtml(i.answer_by.slice(0, 16).replace("T", " "))}${i.overdue ? ` · <b class="late">${t("overdue")}</b>` : ""}</small>
      <div class="row"><select class="code">${CODES.map((c) => `<option value="${c}">${t(`code_${c}`)}</option>`).join("")}</select>
      <input class="note" placeholder="${t("note")}"><button class="answer">${t("answer")}</button></div></li>`).join("")
      || `<li id="inbox-empty">${t("inbox_empty")}</li>`;
    list.querySelectorAll("li[data-ticket]").forEach((li) => li.querySelector(".answer").addEventListener("click", async () => {
      await api(`/v1/excavation-checks/${encodeURIComponent(li.dataset.ticket)}/responses`, { method: "POST", json: {
        owner, code: li.querySelector(".code").value, note: li.querySelector(".note").value || undefined } });
      load();
    }));
  };
  select.addEventListener("change", load);
  await load();
}
