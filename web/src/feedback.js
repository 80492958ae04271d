// Rating a service of one's own (a ticket, a visit, a download): 1 to 5, a comment and the
// questions the archive asks after that service, fetched from the server; sent once.

import { escapeHtml } from "./html.js";

const stars = (name) => [1, 2, 3, 4, 5].map((n) =>
  `<label class="star"><input type="radio" name="${name}" value="${n}">${n}</label>`).join("");

// Opens the form in `element`; `done` runs after the server took it.
export async function feedbackForm({ api, t, element, service, subject, done }) {
  const { questions } = await api(`/v1/feedback/questions?service=${service}`);
  const zh = document.documentElement.lang.startsWith("zh");
  const field = (q) => {
    const label = escapeHtml(zh ? q.zh : q.en);
    if (q.kind === "yes_no") {
      return `<label>${label} <select data-q="${q.id}" data-kind="yes_no"><option value="">—</option>
        <option value="true">${t("yes")}</option><option value="false">${t("no")}</option></select></label>`;
    }
    if (q.kind === "choice") {
      return `<label>${label} <select data-q="${q.id}" data-kind="choice"><option value="">—</option>
        ${q.options.map((o) => `<option value="${escapeHtml(o)}">${escapeHtml(t(`option_${o}`))}</option>`).join("")}</select></label>`;
    }
    return `<fieldset data-q="${q.id}" data-kind="rating"><legend>${label}</legend>${stars(`q-${q.id}`)}</fieldset>`;
  };
  element.innerHTML = `<form class="feedback-form"><fieldset class="overall"><legend>${t("your_rating")}</legend>${stars("rating")}</fieldset>
    ${questions.map(field).join("")}
    <label>${t("comment")} <textarea name="comment" rows="2" maxlength="2000"></textarea></label>
    <button>${t("send_feedback")}</button><span class="feedback-result" role="status"></span></form>`;
  const form = element.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".feedback-result");
    const rating = form.querySelector("input[name=rating]:checked");
    if (!rating) {
      out.textContent = t("rate_first");
      return;
    }
    const answers = {};
    for (const el of form.querySelectorAll("[data-q]")) {
      if (el.dataset.kind === "rating") {
        const r = el.querySelector("input:checked");
        if (r) answers[el.dataset.q] = Number(r.value);
      } else if (el.value) {
        answers[el.dataset.q] = el.dataset.kind === "yes_no" ? el.value === "true" : el.value;
      }
    }
    try {
      await api("/v1/feedback", { method: "POST", json: {
        service, subject, rating: Number(rating.value), answers,
        comment: form.querySelector("textarea").value.trim() || undefined,
      } });
      element.innerHTML = `<p class="feedback-thanks">${t("feedback_thanks")}</p>`;
      done?.();
    } catch (e) {
      if (e.message !== "401") out.textContent = e.message;
    }
  });
}
