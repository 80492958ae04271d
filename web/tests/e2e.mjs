// The web map as a person uses it, in headless Chromium (Debian's, driven by playwright-core):
// sign in, see the layers, draw a dig area and get the same hits as the API, click a pipe and
// see the valves to close, open the printable ticket. Screenshots go to docs/screenshots/.
//
//   node tests/e2e.mjs '{"url": "...", "key": "...", "dig": {...}, "incident": {...}}'
//
// Started by the Rust test tests/web.rs, which runs the server and computes the expected
// answers through the API. Exits 1 with the reason on the first failure.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";

const spec = JSON.parse(process.argv[2]);
const shots = spec.screenshots;
mkdirSync(shots, { recursive: true });
const problems = [];
const fail = (message) => { throw new Error(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
});
try {
  // A phone's GPS, for the field report: the dig's centre.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "zh-CN",
    geolocation: { longitude: spec.dig.centre[0], latitude: spec.dig.centre[1], accuracy: 5 }, permissions: ["geolocation"] });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page: ${e.message}`));

  // Sign in.
  await page.goto(spec.url);
  await page.fill("#login-key", spec.key);
  await page.click("#login-form button");
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  const layers = await page.$$eval("#layer-list li", (items) => items.length);
  if (layers < 5) fail(`only ${layers} layers in the switcher`);

  // Layers render: features drawn from the server's tiles.
  // Features drawn from the server's tiles once every requested tile has come in.
  const drawn = async (pg = page) => {
    await pg.waitForTimeout(200);
    return pg.evaluate(() => new Promise((resolve, reject) => {
      const map = window.undermapMap;
      const until = Date.now() + 20000;
      const poll = () => {
        if (map.loaded() && map.areTilesLoaded()) {
          resolve(map.queryRenderedFeatures().filter((f) => f.source === "undermap").length);
        } else if (Date.now() > until) {
          reject(new Error("tiles did not load within 20 s"));
        } else {
          setTimeout(poll, 100);
        }
      };
      poll();
    }));
  };
  await page.evaluate(([lng, lat]) => window.undermapMap.jumpTo({ center: [lng, lat], zoom: 17 }), spec.dig.centre);
  const rendered = await drawn();
  if (rendered === 0) fail("no features rendered");
  await page.screenshot({ path: `${shots}/map.png` });

  // The map as it stood the day before the demo was loaded: nothing; today again: everything.
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await page.fill("#at", yesterday);
  await page.dispatchEvent("#at", "change");
  const past = await drawn();
  if (past !== 0) fail(`${past} features drawn on ${yesterday}, before anything was loaded`);
  await page.fill("#at", "");
  await page.dispatchEvent("#at", "change");
  if ((await drawn()) === 0) fail("the present map did not come back");

  // A dig check drawn on the map gives the hits the API gives.
  await page.click("#mode-dig");
  const box = await page.locator("#map canvas").boundingBox();
  for (const corner of spec.dig.corners) {
    const p = await page.evaluate((c) => window.undermapMap.project(c), corner);
    await page.mouse.click(box.x + p.x, box.y + p.y);
  }
  await page.fill("#dig-depth", String(spec.dig.depth_m));
  await page.click("#dig-submit");
  await page.waitForSelector("#ticket-id", { timeout: 15000 });
  const ids = await page.$$eval("#hits-table tbody tr", (rows) => rows.map((r) => r.dataset.id).sort());
  const expected = [...spec.dig.expected].sort();
  if (JSON.stringify(ids) !== JSON.stringify(expected)) fail(`hits ${ids} but the API found ${expected}`);
  const ticket = await page.textContent("#ticket-id");
  // The account's ticket list, from the server, shows it.
  await page.waitForSelector(`#tickets a[href="/tickets/${ticket}"]`, { timeout: 10000 });
  // The ticket's owners and their answers, as the API has them.
  await page.waitForSelector("#ticket-state", { timeout: 15000 });
  const api = (path, init = {}) => page.evaluate(async ([path, key, init]) => {
    const r = await fetch(path, { ...init, headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" } });
    return r.json();
  }, [path, spec.key, init]);
  const status = await api(`/v1/excavation-checks/${ticket}/status`);
  const shownOwners = await page.$$eval("#ticket-owners li[data-owner]", (items) => items.map((li) => li.dataset.owner).sort());
  if (JSON.stringify(shownOwners) !== JSON.stringify(status.owners.map((o) => o.id).sort())) fail(`owners ${shownOwners} but the ticket asked ${status.owners.map((o) => o.id)}`);
  if (!status.owners.length) fail("the demo dig asks no registered owner");
  await page.screenshot({ path: `${shots}/dig-check.png` });
  // An orientation ticket for the same area: no planned start asked, and it says no dig may
  // rely on it.
  await page.selectOption("#dig-type", "orientation");
  if (!(await page.isHidden("#dig-start-label"))) fail("an orientation asks for a planned start");
  await page.click("#dig-submit");
  await page.waitForSelector("#no-dig", { timeout: 15000 });
  await page.selectOption("#dig-type", "dig");

  // An emergency: the owners' emergency phones at once.
  await page.selectOption("#dig-type", "emergency");
  await page.click("#dig-submit");
  await page.waitForSelector("#emergency li", { timeout: 15000 });
  await page.selectOption("#dig-type", "dig");

  // A field report from site: an asset the map does not have, at the phone's GPS position,
  // with a photo; the API has it, with the photo.
  await page.selectOption("#report-type", "unknown_asset");
  await page.click("#report-gps");
  await page.waitForFunction(() => /\d+\.\d+, \d+\.\d+/.test(document.getElementById("report-position").textContent), null, { timeout: 15000 });
  await page.fill("#report-note", "路边发现未登记的电缆井 an unrecorded cable pit");
  await page.setInputFiles("#report-photo", { name: "pit.jpg", mimeType: "image/jpeg", buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) });
  await page.click("#report-submit");
  await page.waitForSelector("#report-number", { timeout: 15000 });
  const number = await page.textContent("#report-number");
  const filed = await api(`/v1/field-reports/${number}`);
  if (filed.report_type !== "unknown_asset" || filed.photos.length !== 1) fail(`report ${JSON.stringify(filed)}`);
  if (!filed.position) fail("the report has no position");
  await page.screenshot({ path: `${shots}/field-report.png` });

  // The owner's inbox: the ticket waits there; answering it moves the ticket's state on.
  const asked = status.owners[0].id;
  await page.click("#mode-inbox");
  await page.waitForSelector("#inbox-owner", { timeout: 15000 });
  await page.selectOption("#inbox-owner", asked);
  const item = `#inbox-list li[data-ticket="${ticket}"]`;
  await page.waitForSelector(item, { timeout: 15000 });
  await page.screenshot({ path: `${shots}/inbox.png` });
  await page.selectOption(`${item} .code`, "marked");
  await page.fill(`${item} .note`, "东侧已标示 marked east");
  await page.click(`${item} .answer`);
  await page.waitForSelector(item, { state: "detached", timeout: 15000 });
  const answered = await api(`/v1/excavation-checks/${ticket}/status`);
  const code = answered.owners.find((o) => o.id === asked)?.code;
  if (code !== "marked") fail(`the inbox answer was not stored: ${JSON.stringify(answered.owners)}`);
  if (answered.versions.length !== status.versions.length + 1) fail("the answer did not append a version");
  await page.click("#mode-inbox");

  // The archive: the projects listed and drawn, the overdue one marked, its page with timeline
  // and checklist as the API has them.
  if (spec.archive) {
    await page.click("#mode-archive");
    await page.waitForSelector("#project-list li", { timeout: 15000 });
    const codes = await page.$$eval("#project-list li", (items) => items.map((li) => li.dataset.code));
    if (JSON.stringify(codes) !== JSON.stringify(spec.archive.codes)) fail(`projects ${codes} but the API lists ${spec.archive.codes}`);
    const late = await page.$$eval("#project-list li", (items) => items.filter((li) => li.querySelector(".late")).map((li) => li.dataset.code));
    if (JSON.stringify(late.sort()) !== JSON.stringify([...spec.archive.overdue].sort())) fail(`overdue ${late} but the API says ${spec.archive.overdue}`);
    const rate = await page.textContent("#digitisation");
    if (!rate.includes(spec.archive.digitisation)) fail(`digitisation "${rate}" but the API says ${spec.archive.digitisation}`);
    await page.click(`#project-list li[data-code="${spec.archive.open}"] button`);
    await page.waitForSelector("#project-page", { timeout: 15000 });
    const steps = await page.$$eval("#timeline li", (items) => items.length);
    if (steps !== spec.archive.events) fail(`${steps} timeline entries but the project has ${spec.archive.events} events`);
    const owed = await page.$$eval("#checklist tr.owed", (rows) => rows.length);
    if (owed !== spec.archive.missing) fail(`${owed} categories owed but the checklist misses ${spec.archive.missing}`);
    if ((await page.$("#print-notice")) === null && spec.archive.noticed) fail("the project has a filing notice but no print button");
    // Every file of the project as one ZIP.
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }), page.click("#bundle")]);
    if (download.suggestedFilename() !== `${spec.archive.open}.zip`) fail(`the bundle is named ${download.suggestedFilename()}`);
    const zip = readFileSync(await download.path());
    if (zip.subarray(0, 4).toString("latin1") !== "PK\u0003\u0004" || !zip.includes("SHA256SUMS")) fail(`the bundle is not a ZIP with its checksums (${zip.length} bytes)`);
    if ((await page.$("#deliveries")) === null) fail("the project page lists no deliveries section");
    await page.screenshot({ path: `${shots}/archive.png` });

    // The archive search: the hits are the API's, marked; a PDF previews in the panel.
    await page.fill("#search-q", spec.search.q);
    await page.click("#archive-search button");
    await page.waitForSelector("#search-hits li", { timeout: 15000 });
    const found = await api(`/v1/archive/search?q=${encodeURIComponent(spec.search.q)}&limit=50`);
    const shown = await page.$$eval("#search-hits li", (items) => items.map((li) => li.dataset.id));
    if (JSON.stringify(shown) !== JSON.stringify(found.hits.map((h) => h.id))) fail(`search hits ${shown} but the API ranks ${found.hits.map((h) => h.id)}`);
    if ((await page.$$("#search-hits mark")).length < shown.length) fail("a hit has no marked match");
    await page.click("#search-hits li[data-kind=file] .preview");
    await page.waitForSelector("#preview iframe#preview-view", { timeout: 15000 });
    await page.screenshot({ path: `${shots}/search.png` });

    // A subscription to the map's view: its feed address reads without the key.
    await page.fill("#subscribe-title", "城南管线动态");
    await page.click("#subscribe button");
    await page.waitForSelector("#feed-link", { timeout: 15000 });
    const feedUrl = await page.getAttribute("#feed-link", "href");
    const atom = await (await fetch(feedUrl)).text();
    if (!atom.includes("<feed") || !atom.includes("城南管线动态")) fail(`the feed is not an Atom feed: ${atom.slice(0, 200)}`);
    const subs = await api("/v1/subscriptions");
    if (!subs.subscriptions.some((s) => s.title === "城南管线动态")) fail("the subscription is not the API's");
    await page.click("#mode-archive");
  }

  // A contractor finds the drawings on request, asks for them; once the office approves, the
  // link downloads them.
  if (spec.contractor_key) {
    const contractor = await context.newPage();
    contractor.on("console", (m) => { if (m.type() === "error") problems.push(`contractor console: ${m.text()}`); });
    await contractor.goto(spec.url);
    await contractor.fill("#login-key", spec.contractor_key);
    await contractor.click("#login-form button");
    await contractor.waitForSelector("body[data-ready=true]", { timeout: 30000 });
    await contractor.click("#mode-archive");
    await contractor.fill("#search-q", spec.search.q);
    await contractor.click("#archive-search button");
    await contractor.waitForSelector("#search-hits li .ask", { timeout: 15000 });
    const asked = contractor.locator("#search-hits li:has(.ask)").first();
    const sha = await asked.getAttribute("data-id");
    await asked.locator(".ask").click();
    await asked.locator(".purpose").fill("开挖前核对管位 check before digging");
    await asked.locator(".ask-form button").click();
    await contractor.waitForSelector("#requests li .request-status", { timeout: 15000 });
    const origin = new URL(spec.url).origin;
    const office = { Authorization: `Bearer ${spec.staff_key}`, "Content-Type": "application/json" };
    const pending = await (await fetch(`${origin}/v1/download-requests?status=pending`, { headers: office })).json();
    const request = pending.requests.find((r) => r.sha256 === sha);
    if (!request) fail(`the contractor's request for ${sha} is not pending: ${JSON.stringify(pending)}`);
    const decided = await fetch(`${origin}/v1/download-requests/${request.id}/decision`, { method: "POST", headers: office, body: JSON.stringify({ approve: true }) });
    if (!decided.ok) fail(`approving failed: ${decided.status}`);
    await contractor.click("#mode-archive");
    await contractor.click("#mode-archive");
    await contractor.waitForSelector(`#requests li[data-id="${request.id}"] .fetch`, { timeout: 15000 });
    await contractor.locator("#download-requests").scrollIntoViewIfNeeded();
    await contractor.screenshot({ path: `${shots}/download-request.png` });
    const [tab] = await Promise.all([context.waitForEvent("page", { timeout: 15000 }), contractor.click(`#requests li[data-id="${request.id}"] .fetch`)]);
    await tab.close();
    const used = await (await fetch(`${origin}/v1/download-requests/${request.id}`, { headers: office })).json();
    if (used.uses !== 1) fail(`the link was used ${used.uses} times, not once`);
    await contractor.close();
  }

  // A visit to the archive's window: the first bookable slot, booked through the form, is the
  // API's appointment; cancelled from the list, the API has it cancelled.
  await page.click("#mode-visit");
  await page.waitForSelector("#window-slots button:not([disabled])", { timeout: 15000 });
  const slot = await page.$eval("#window-slots button:not([disabled])", (b) => b.dataset.slot);
  await page.click(`#window-slots button[data-slot="${slot}"]`);
  await page.fill("#visit-name", "张三");
  await page.fill("#visit-purpose", "查阅竣工图");
  await page.click("#visit-book");
  await page.waitForSelector("#visit-number", { timeout: 15000 });
  const visitNumber = (await page.textContent("#visit-number")).trim();
  const booked = await api(`/v1/appointments/${visitNumber}`);
  if (booked.status !== "booked" || `${booked.date}T${booked.start}` !== slot) fail(`booked ${slot} but the API has ${JSON.stringify(booked)}`);
  const slots = await api(`/v1/appointments/slots?from=${booked.date}&to=${booked.date}`);
  const places = slots.days[0].slots.find((s) => s.slot === slot);
  const shown = await page.$eval(`#window-slots button[data-slot="${slot}"] small`, (s) => s.textContent);
  if (shown !== `${places.free}/${places.capacity}`) fail(`the slot shows ${shown} but the API has ${places.free}/${places.capacity}`);
  await page.screenshot({ path: `${shots}/visit.png` });
  // Rated from the list with the questionnaire's answers: the server has it (a second rating of
  // the same visit is refused).
  await page.click(`#visits li[data-number="${visitNumber}"] .rate`);
  await page.waitForSelector(`#visits li[data-number="${visitNumber}"] .feedback-form`, { timeout: 15000 });
  await page.check(`#visits li[data-number="${visitNumber}"] .overall input[value="4"]`);
  await page.selectOption(`#visits li[data-number="${visitNumber}"] select[data-q="found"]`, "true");
  await page.fill(`#visits li[data-number="${visitNumber}"] .feedback-form textarea`, "预约方便");
  await page.screenshot({ path: `${shots}/feedback.png` });
  await page.click(`#visits li[data-number="${visitNumber}"] .feedback-form button`);
  await page.waitForSelector(`#visits li[data-number="${visitNumber}"] .feedback-thanks`, { timeout: 15000 });
  // From outside the page, so that the refusal is no console error there.
  const again = await fetch(`${new URL(spec.url).origin}/v1/feedback`, { method: "POST",
    headers: { Authorization: `Bearer ${spec.key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ service: "appointment", subject: visitNumber, rating: 5 }) });
  if (again.status !== 409) fail(`the visit's rating was not stored: a second one got ${again.status}`);
  await page.click(`#visits li[data-number="${visitNumber}"] .cancel`);
  await page.waitForSelector(`#visits li[data-number="${visitNumber}"]:not(:has(.cancel))`, { timeout: 15000 });
  const cancelled = await api(`/v1/appointments/${visitNumber}`);
  if (cancelled.status !== "cancelled") fail(`cancelled in the page but the API has ${cancelled.status}`);
  await page.click("#mode-visit");

  // The window's staff see a day's visitors with buttons to mark who came: a visit booked by
  // the staff account (outside the page) is on its day's list.
  {
    const origin = new URL(spec.url).origin;
    const headers = { Authorization: `Bearer ${spec.staff_key}`, "Content-Type": "application/json" };
    const visit = await (await fetch(`${origin}/v1/appointments`, { method: "POST", headers,
      body: JSON.stringify({ slot, name: "窗口测试", purpose: "移交档案" }) })).json();
    if (!visit.number) fail(`the staff's booking failed: ${JSON.stringify(visit)}`);
    const staff = await context.newPage();
    staff.on("console", (m) => { if (m.type() === "error") problems.push(`staff console: ${m.text()}`); });
    await staff.goto(spec.url);
    await staff.fill("#login-key", spec.staff_key);
    await staff.click("#login-form button");
    await staff.waitForSelector("body[data-ready=true]", { timeout: 30000 });
    await staff.click("#mode-visit");
    await staff.click(`#window-days button[data-date="${visit.date}"]`);
    await staff.waitForSelector(`#day-list li[data-number="${visit.number}"] .came`, { timeout: 15000 });
    await staff.locator("#day-list").scrollIntoViewIfNeeded();
    await staff.screenshot({ path: `${shots}/day-list.png` });
    await staff.close();
  }

  // A planned sewer 1.2 m beside the water main WS-E10: the clearance report the page shows is
  // the API's (verdict, the conflicts), its failing stretches are drawn; a cut across the street
  // shows the section the API gives for the same cut.
  if (spec.planner_key) {
    const planner = await context.newPage();
    planner.on("console", (m) => { if (m.type() === "error") problems.push(`planner console: ${m.text()}`); });
    planner.on("pageerror", (e) => problems.push(`planner page: ${e.message}`));
    await planner.goto(spec.url);
    await planner.fill("#login-key", spec.planner_key);
    await planner.click("#login-form button");
    await planner.waitForSelector("body[data-ready=true]", { timeout: 30000 });
    const pbox = await planner.locator("#map canvas").boundingBox();
    const papi = (path) => planner.evaluate(async ([path, key]) =>
      (await fetch(path, { headers: { Authorization: `Bearer ${key}` } })).json(), [path, spec.planner_key]);
    await planner.click("#mode-plan");
    const main = await papi("/v1/features/WS-E10");
    const [a, b] = [main.geometry.coordinates[0], main.geometry.coordinates.at(-1)];
    const lat = (a[1] + b[1]) / 2;
    const m = [111320 * Math.cos((lat * Math.PI) / 180), 110574];
    const [dx, dy] = [(b[0] - a[0]) * m[0], (b[1] - a[1]) * m[1]];
    const len = Math.hypot(dx, dy);
    // Metres east and north from the main's middle, as a position.
    const at = (along, side) => [
      (a[0] + b[0]) / 2 + ((dx / len) * along + (dy / len) * side) / m[0],
      lat + ((dy / len) * along - (dx / len) * side) / m[1],
    ];
    await planner.evaluate((c) => window.undermapMap.jumpTo({ center: c, zoom: 18 }), at(0, 0));
    await drawn(planner);
    const click = async (c, count = 1) => {
      const p = await planner.evaluate((c) => window.undermapMap.project(c), c);
      await planner.mouse.click(pbox.x + p.x, pbox.y + p.y, { clickCount: count });
    };
    await click(at(-40, 1.2));
    await click(at(40, 1.2), 2);
    await planner.selectOption("#plan-type", "sewer");
    await planner.fill("#plan-diameter", "400");
    await planner.fill("#plan-depth", "2.2");
    await planner.click("#plan-submit");
    await planner.waitForSelector("#plan-number", { timeout: 15000 });
    const number = (await planner.textContent("#plan-number")).trim();
    const report = await papi(`/v1/clearance-checks/${number}`);
    const rows = await planner.$$eval("#plan-conflicts tbody tr", (r) => r.length);
    if (rows !== report.conflicts.length) fail(`${rows} conflicts shown but the report has ${report.conflicts.length}`);
    const main1 = report.conflicts.find((c) => c.feature_id === "WS-E10");
    if (!main1 || main1.verdict !== "fail") fail(`the sewer 1.2 m beside WS-E10 does not fail: ${JSON.stringify(main1)}`);
    if (Math.abs(report.length_m - 80) > 1) fail(`the route drawn is ${report.length_m} m, not 80 m`);
    const red = await planner.evaluate(() => window.undermapMap.getSource("plan-result").serialize().data.features
      .filter((f) => f.properties.width === 7).length);
    if (red !== report.failing_spans.length || red === 0) fail(`${red} failing stretches drawn, the report has ${report.failing_spans.length}`);
    await planner.locator("#plan-result").scrollIntoViewIfNeeded();
    await planner.screenshot({ path: `${shots}/clearance.png` });
    const printed = await planner.evaluate(async ([n, key]) => (await fetch(`/clearance/${n}`, { headers: { Authorization: `Bearer ${key}` } })).text(), [number, spec.planner_key]);
    if (!printed.includes("class=\"failing\"")) fail("the printable report draws no failing stretch");

    await planner.check("input[name=plan-tool][value=cut]");
    await click(at(0, -18));
    await click(at(0, 18));
    await planner.waitForSelector("#section-drawing", { timeout: 15000 });
    const cut = await planner.evaluate(() => window.undermapMap.getSource("plan-draw").serialize().data.features[0].geometry.coordinates);
    const section = await papi(`/v1/cross-section?line=${cut.flat().map((v) => v.toFixed(8)).join(",")}`);
    const shownItems = await planner.$$eval("#section-items tbody tr", (r) => r.map((tr) => tr.cells[1].textContent));
    if (JSON.stringify(shownItems) !== JSON.stringify(section.items.map((i) => i.feature_id))) fail(`section ${shownItems} but the API has ${section.items.map((i) => i.feature_id)}`);
    if (!shownItems.includes("WS-E10")) fail(`the cut across the street misses WS-E10: ${shownItems}`);
    await planner.locator("#plan-result").scrollIntoViewIfNeeded();
    await planner.screenshot({ path: `${shots}/cross-section.png` });
    await planner.close();
  }

  // Click a pipe: the valves to close are the trace's.
  await page.click("#mode-incident");
  await page.evaluate(([lng, lat]) => window.undermapMap.jumpTo({ center: [lng, lat], zoom: 17 }), spec.incident.point);
  await drawn();
  const p = await page.evaluate((c) => window.undermapMap.project(c), spec.incident.point);
  await page.mouse.click(box.x + p.x, box.y + p.y);
  await page.waitForSelector("#valves", { timeout: 15000 });
  const valves = (await page.textContent("#valves")).split(",").map((v) => v.trim()).sort();
  if (JSON.stringify(valves) !== JSON.stringify([...spec.incident.valves].sort())) {
    fail(`valves ${valves} but the trace closes ${spec.incident.valves}`);
  }
  await page.screenshot({ path: `${shots}/incident.png` });

  // English, on a phone.
  await page.click("#lang");
  if ((await page.textContent("#mode-dig")) !== "Dig check") fail("the language switch did not switch");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/phone.png` });

  // The printable ticket.
  const print = await context.newPage();
  await print.setExtraHTTPHeaders({ Authorization: `Bearer ${spec.key}` });
  await print.goto(`${new URL(spec.url).origin}/tickets/${ticket}`);
  const title = await print.title();
  if (!title.includes(ticket)) fail(`print view title ${title}`);
  await print.screenshot({ path: `${shots}/ticket-print.png`, fullPage: true });

  if (problems.length) fail(problems.join("\n"));
  console.log(JSON.stringify({ ok: true, layers, rendered, hits: ids.length, ticket, valves }));
} finally {
  await browser.close();
}
