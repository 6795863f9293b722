// The web app in a real browser (Chromium, headless, driven by
// playwright-core) against a real `comity serve` on loopback, seeded with
// the demo world. Usage: node web_app_test.mjs COMITY_BINARY REPO_DIR
//
// Scenarios (issue: the web app):
//   1. An officer files an EPOC for subscriber data with the wizard (live
//      engine), signs it in the browser; a validator validates it with its
//      own signature; the provider acknowledges and produces.
//   2. A content request without a judge shows the failing check and the
//      preservation suggestion, and the EPOC cannot be chosen.
//   3. An emergency order shows its 8-hour countdown.
//   4. A provider cannot open another provider's order, in the UI or the API.
// Every page visited passes axe-core with no serious or critical violation,
// and each desk is saved as a screenshot (COMITY_SCREENSHOTS, else scratch).
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const AXE = require.resolve("axe-core/axe.min.js");

const [comity, repo] = process.argv.slice(2).map((p) => path.resolve(p));
if (!comity || !repo) {
  console.error("usage: node web_app_test.mjs COMITY_BINARY REPO_DIR");
  process.exit(2);
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), "comity-web-"));
// Screenshots go to COMITY_SCREENSHOTS (`make screenshots` points it at
// docs/screenshots/), else into the scratch directory: a test run never
// rewrites tracked files.
const shots = process.env.COMITY_SCREENSHOTS ? path.resolve(process.env.COMITY_SCREENSHOTS) : path.join(work, "screenshots");
fs.mkdirSync(shots, { recursive: true });

let failures = 0;
let checks = 0;
function check(cond, what) {
  checks++;
  if (cond) console.log(`ok   ${what}`);
  else {
    failures++;
    console.log(`FAIL ${what}`);
  }
}

// ---- the server ----
const db = path.join(work, "demo.db");
const seed = execFileSync(comity, ["demo", "seed", "--db", db], { encoding: "utf8" });
const users = {};
{
  const lines = seed.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {2}(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(lines[i]);
    const t = /^ {4}(cmt_\w+)/.exec(lines[i + 1] || "");
    const p = /password: (\S+)/.exec(lines[i + 2] || "");
    if (m && t && p) users[m[1]] = { role: m[2], party: m[3], token: t[1], password: p[1] };
  }
}
check(users.officer && users.validator && users.provider && users["provider-us"], "the demo seed printed users with passwords");
// The demo's own cases, one line each after "Demo cases:".
const demoCases = [...seed.split("Demo cases:")[1].matchAll(/^ {2}([0-9a-f-]{36}) {2}(.+)$/gm)].map((m) => ({ id: m[1], what: m[2] }));
check(demoCases.length === 4, `the demo seed opened its cases (${demoCases.length})`);
const demoCase = (text) => demoCases.find((c) => c.what.includes(text)).id;
const keys = path.join(db + ".keys");

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const base = `http://127.0.0.1:${port}`;
const server = spawn(comity, ["serve", "--db", db, "--listen", `127.0.0.1:${port}`], {
  stdio: ["ignore", "pipe", fs.openSync(path.join(work, "server.log"), "w")],
});
// The server says when it listens; no polling, no sleep.
await new Promise((resolve, reject) => {
  let seen = "";
  server.stdout.on("data", (chunk) => {
    seen += chunk;
    if (seen.includes("Comity listening on")) resolve();
  });
  server.on("exit", (code) => reject(new Error(`the server exited (${code}) before listening`)));
});
server.stdout.resume();
check((await fetch(base + "/healthz")).ok, "the server answers /healthz");

async function apiAs(user, method, route, body) {
  const res = await fetch(base + route, {
    method,
    headers: { Authorization: `Bearer ${users[user].token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get("Content-Type") || "";
  return { status: res.status, body: type.includes("json") ? await res.json() : await res.arrayBuffer() };
}

// ---- the browser ----
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"],
});
const axeSource = fs.readFileSync(AXE, "utf8");

// A logged-in page. bypassCSP lets axe-core's script be injected; the app
// itself runs under the server's policy in every other respect.
const pages = [];
async function loginAs(user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  pages.push([user, page]);
  page.on("pageerror", (e) => check(false, `no script error (${user}): ${e.message}`));
  await page.goto(base + "/");
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password").fill(users[user].password);
  await axe(page, "login page");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { level: 1 }).filter({ hasText: "desk" }).waitFor();
  return page;
}

async function axe(page, what) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe-core: no serious violation on the ${what}${bad.length ? " — " + JSON.stringify(bad) : ""}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });
}

async function openCase(page, id) {
  await page.goto(`${base}/#/desk`);
  await page.getByRole("heading", { level: 1 }).filter({ hasText: "desk" }).waitFor();
  await page.goto(`${base}/#/case/${id}`);
  await page.getByRole("heading", { name: "Timeline" }).waitFor();
}

// Takes a step in the page and waits for the exchange's answer to it (no
// fixed sleep): resolves to the HTTP status of the event's POST.
async function step(page, eventLabel, { reason, key } = {}) {
  const form = page.getByRole("form", { name: eventLabel });
  if (reason) await form.getByLabel(/^Reason for/).fill(reason);
  if (key) await form.getByLabel("Your signing key (signing.pem)").setInputFiles(key);
  const answered = page.waitForResponse(
    (r) => r.request().method() === "POST" && /^\/api\/v1\/cases\/[^/]+\/events$/.test(new URL(r.url()).pathname));
  await form.getByRole("button", { name: eventLabel }).click();
  return (await answered).status();
}

async function caseState(id) {
  return (await apiAs("officer", "GET", `/api/v1/cases/${id}`)).body.state;
}
// Whether the case is now in the state a step just answered should leave it in.
async function stateIs(id, want) {
  return (await caseState(id)) === want;
}

// Opens a case through the API on an order signed with the demo keys
// (`comity order sign`); with validate, takes it to transmission with the
// validator's signature.
async function openSigned(request, pathway, { validate } = {}) {
  const req = path.join(work, `${request.request_id}.json`);
  const order = path.join(work, `${request.request_id}.order.json`);
  fs.writeFileSync(req, JSON.stringify(request));
  execFileSync(comity, ["order", "sign", "--keys", path.join(keys, "officer"), req, order]);
  const opened = await apiAs("officer", "POST", "/api/v1/cases", { signed_order: JSON.parse(fs.readFileSync(order, "utf8")), pathway });
  if (opened.status !== 201) throw new Error(`opening a case: ${opened.status} ${JSON.stringify(opened.body)}`);
  const id = opened.body.id;
  if (validate) {
    const countersigned = path.join(work, `${request.request_id}.validated.json`);
    execFileSync(comity, ["order", "sign", "--role", "validator", "--keys", path.join(keys, "validator"), order, countersigned]);
    const signature = JSON.parse(fs.readFileSync(countersigned, "utf8")).signatures.find((x) => x.role === "validator");
    for (const [user, body] of [["officer", { event: "submit" }], ["officer", { event: "request_validation" }],
                                ["validator", { event: "validate", signature }], ["officer", { event: "transmit" }]]) {
      const r = await apiAs(user, "POST", `/api/v1/cases/${id}/events`, body);
      if (r.status !== 200) throw new Error(`${body.event}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
  return id;
}

const s01 = JSON.parse(fs.readFileSync(path.join(repo, "examples", "s01-eu-subscriber-prosecutor.json"), "utf8"));

try {
  // ---- 1. EPOC for subscriber data: officer → validator → provider ----
  const officer = await loginAs("officer");
  await shot(officer, "officer-desk");
  await officer.getByRole("link", { name: "Start a new request" }).click();
  await officer.getByRole("heading", { name: "New request" }).waitFor();
  const engine = officer.locator("#engine");
  await engine.getByText("To complete").waitFor();
  check((await engine.textContent()).includes("$."), "an incomplete request lists the fields it misses, by path");

  // Step 1: authority and proceedings; validated by the local court.
  await officer.getByLabel("Issuing authority contact").fill("poststelle@sta.berlin.example");
  await officer.getByLabel("Case reference").fill("StA Berlin 254 Js 1234/26");
  await officer.getByLabel("National legal basis").fill("StPO § 100j");
  await officer.getByLabel("The order is issued or validated by a judge, court or investigating judge").check();
  await officer.getByLabel("Validating authority", { exact: true }).selectOption("DE-AG-TIERGARTEN");
  await officer.getByLabel("Validating authority type").selectOption("JUDGE");
  await officer.getByRole("button", { name: "Next" }).click();
  // Step 2: the offence, found with the ICCS search.
  await officer.getByLabel("Search the offence categories (ICCS)").fill("fraud");
  await officer.getByLabel("Offence category (ICCS)", { exact: true }).selectOption("0701");
  await officer.getByLabel("National provision").fill("StGB § 263");
  await officer.getByLabel("Maximum penalty (months)").fill("60");
  await officer.getByLabel("Description of the offence").fill(s01.offences[0].description);
  await officer.getByRole("button", { name: "Next" }).click();
  // Step 3: persons.
  await officer.getByLabel("State of residence").selectOption("DE");
  await officer.getByLabel("Current location").selectOption("DE");
  await officer.getByLabel("Confidence in the location").selectOption("PROBABLE");
  await officer.getByRole("button", { name: "Next" }).click();
  // Step 4: provider and data.
  await officer.getByLabel("Service provider").selectOption("NL-MAILCO");
  await officer.getByLabel("Establishment State").selectOption("NL");
  await officer.getByLabel("Establishment register number").fill("KvK 12345678");
  await officer.getByLabel("States where the service is offered").fill("NL, DE, BE");
  await officer.getByLabel("Where the data are stored").fill("NL");
  await officer.getByLabel("Information society service enabling communication").check();
  await officer.getByLabel("Subscriber data").check();
  await officer.getByLabel("Data items").fill("name; postal address; payment data");
  await officer.getByRole("button", { name: "Next" }).click();
  // Step 5: identifiers.
  await officer.getByLabel("Identifier 1 value").fill("seller-2026@mail.example");
  await officer.getByRole("button", { name: "Next" }).click();
  await officer.getByRole("button", { name: "Next" }).click();  // urgency: none
  // Step 7: justification.
  await officer.getByLabel("Summary of the facts").fill(s01.facts_summary);
  await officer.getByLabel("Why these data are relevant").fill(s01.relevance_statement);
  await officer.getByLabel("Why the measure is necessary and proportionate").fill(s01.necessity_statement);
  await officer.getByLabel("Why the provider holds the data").fill(s01.provider_possession_basis);
  // The live engine: the EPOC is open once the request is complete.
  const epoc = engine.locator('section[data-pathway="P_EU_EPOC"]');
  await epoc.waitFor();
  await epoc.locator(".badge.available").waitFor();
  check(true, "the live engine shows the EPOC available for the completed request");
  // Mailco's published statement (demo seed), beside the law before filing.
  const says = epoc.locator(".provider-says");
  check(await says.count() === 1 && /statement v1, log index \d+/.test(await says.innerText()),
        "the wizard shows the provider's published statement beside the EPOC, with its version and log index");
  await axe(officer, "wizard with the engine's answer");
  await shot(officer, "officer-wizard");
  await officer.getByRole("button", { name: "Next" }).click();
  await officer.getByRole("button", { name: "Next" }).click();  // notification: inform now
  // Step 9: file, signed in the browser with the officer's key.
  await officer.getByLabel(/European Production Order \(EPOC\) · rank/).check();
  await officer.getByLabel("Your signing key (signing.pem)").setInputFiles(path.join(keys, "officer", "signing.pem"));
  await officer.getByRole("button", { name: "Sign and file the request" }).click();
  await officer.getByRole("heading", { name: "Timeline" }).waitFor();
  const caseId = /#\/case\/([\w-]+)/.exec(officer.url())[1];
  check(!!caseId, "filing opens the case");
  const opened = (await apiAs("officer", "GET", `/api/v1/cases/${caseId}`)).body;
  check(opened.signed_order?.signatures?.[0]?.role === "officer" && opened.signed_order.awaiting_validator === true,
        "the exchange verified the officer's browser signature and awaits the validator's");
  check(opened.provider_statement?.version === 1 && Number.isInteger(opened.provider_statement.log_index) &&
        /^[0-9a-f]{64}$/.test(opened.provider_statement.sha256 || "") && opened.provider_statement.says?.length > 0,
        "the case keeps the provider's statement in force when it opened: version, digest, log index, what it said");
  check(/v1, log index \d+/.test(await officer.locator("dd.provider-says").innerText()),
        "the officer's case page shows that statement");
  await step(officer, "Submit");
  check(await stateIs(caseId, "submitted"), "the officer submits");
  await officer.getByRole("form", { name: "Send for validation" }).waitFor();
  check(!(await officer.getByRole("form", { name: "Mark ready" }).count()),
        "an order that names a validator cannot be marked ready by the officer (the workflow's guard)");
  await step(officer, "Send for validation");
  check(await stateIs(caseId, "awaiting_validation"), "the officer sends the order for validation");
  await axe(officer, "officer's case page");

  const validator = await loginAs("validator");
  check(await validator.getByRole("link", { name: caseId.slice(0, 8) }).count() === 1 &&
        await validator.getByRole("link", { name: demoCase("traffic").slice(0, 8) }).count() === 1,
        "the validator's desk lists the case, and the demo's case awaiting validation");
  await shot(validator, "validator-desk");
  await openCase(validator, caseId);
  // Overriding a check without a reason is refused in the page.
  const review = validator.getByRole("form", { name: "Review of the engine's checks" });
  await review.waitFor();
  await review.getByRole("radio", { name: "Override" }).first().check();
  await review.getByRole("button", { name: "Record the review" }).click();
  await review.getByRole("alert").filter({ hasText: "needs a reason" }).waitFor();
  check(true, "overriding an engine check without a reason is refused");
  await review.getByRole("radio", { name: "Agree" }).first().check();
  await review.getByRole("button", { name: "Record the review" }).click();
  await validator.getByRole("heading", { name: "Reviews" }).waitFor();
  check(true, "the validator records one consolidated review");
  await axe(validator, "validator's case page");
  await shot(validator, "validator-case");
  await step(validator, "Validate", { key: path.join(keys, "validator", "signing.pem") });
  check(await stateIs(caseId, "ready"), "the validator validates with a signature made in the browser");
  const validated = (await apiAs("officer", "GET", `/api/v1/cases/${caseId}`)).body;
  check(validated.signed_order.signatures.some((s) => s.role === "validator"), "the validator's signature is on the order");

  await openCase(officer, caseId);
  await step(officer, "Transmit");
  check(await stateIs(caseId, "transmitted"), "the officer transmits the order");

  const provider = await loginAs("provider");
  check(await provider.getByRole("link", { name: caseId.slice(0, 8) }).count() === 1, "the provider's desk lists the order");
  // The queue: the demo's emergency (8 hours) comes before everything due in days.
  const firstRow = await provider.getByRole("region", { name: "Orders addressed to you" }).locator("tbody tr").first().textContent();
  check(firstRow.startsWith(demoCase("emergency").slice(0, 8)), "the provider's queue puts the order due first on top");
  await axe(provider, "provider desk");
  await shot(provider, "provider-desk");
  // The provider publishes version 2 of its statement from its desk, signed
  // with its own key by the CLI; an unsigned file is refused with the reason.
  const statementForm = provider.getByRole("form", { name: "Publish a statement" });
  check(/Version 1 · published .* · log index \d+/.test(await provider.locator(".statement-current").innerText()),
        "the provider's desk shows its statement in force with its log index");
  const v2 = JSON.parse(fs.readFileSync(path.join(repo, "examples", "statements", "nl-mailco.json"), "utf8"));
  v2.version = 2;
  fs.writeFileSync(path.join(work, "statement-v2.json"), JSON.stringify(v2));
  execFileSync(comity, ["provider", "statement", "sign", path.join(work, "statement-v2.json"),
    path.join(work, "statement-v2.signed.json"), "--keys", path.join(keys, "provider"), "--pack", path.join(repo, "rules")]);
  await statementForm.getByLabel(/Signed statement/).setInputFiles(path.join(work, "statement-v2.json"));
  await statementForm.getByRole("button", { name: "Publish this version" }).click();
  await statementForm.getByRole("alert").waitFor();
  check((await apiAs("officer", "GET", "/api/v1/providers/NL-MAILCO/statement")).body.version === 1,
        "an unsigned statement is refused in the page and publishes nothing");
  await statementForm.getByLabel(/Signed statement/).setInputFiles(path.join(work, "statement-v2.signed.json"));
  await statementForm.getByRole("button", { name: "Publish this version" }).click();
  await provider.locator(".statement-current").filter({ hasText: "Version 2" }).waitFor();
  check((await apiAs("officer", "GET", "/api/v1/providers/NL-MAILCO/statement")).body.version === 2,
        "the provider publishes a new signed version from its desk");
  await openCase(provider, caseId);
  const orderText = await provider.locator("main").textContent();
  check(orderText.includes("seller-2026@mail.example") && orderText.includes("Subscriber data") &&
        orderText.includes("name; postal address; payment data"),
        "the provider sees the identifiers, data categories and data items of the order");
  check(!orderText.includes(s01.facts_summary.slice(0, 40)), "the provider does not see the facts (Reg. 2023/1543 Art 9(3))");
  check(await provider.getByRole("link", { name: "Decision memo" }).count() === 0, "the provider gets no decision memo");
  await step(provider, "Acknowledge receipt");
  check(await stateIs(caseId, "acknowledged"), "the provider acknowledges");
  await step(provider, "Produce the data");
  check(await stateIs(caseId, "produced"), "the provider produces");
  await axe(provider, "provider's case page");
  await shot(provider, "provider-case");
  // The reader's language: coded values in French, then German.
  await provider.getByLabel("Language").selectOption("fr");
  await provider.getByText("Données relatives aux abonnés").waitFor();
  check((await provider.locator("main").textContent()).includes("Injonction européenne de production (EPOC)"),
        "in French, the order's coded values read in French");
  await provider.getByLabel("Language").selectOption("de");
  await provider.getByText("Teilnehmerdaten").waitFor();
  check(true, "in German, in German");
  await provider.getByLabel("Language").selectOption("en");

  // The documents in three languages, from coded fields.
  const pdfFr = await apiAs("officer", "GET", `/api/v1/cases/${caseId}/document?lang=fr`);
  check(pdfFr.status === 200 && Buffer.from(pdfFr.body).subarray(0, 5).toString() === "%PDF-", "the EPOC certificate is a PDF");
  const pdfPath = path.join(work, "epoc-fr.pdf");
  fs.writeFileSync(pdfPath, Buffer.from(pdfFr.body));
  const frText = execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" });
  check(frText.includes("Certificat d'injonction européenne de production") && frText.includes("Données relatives aux abonnés") &&
        frText.includes("Fraude"), "the French certificate labels its coded values in French");
  check(frText.includes("Signé par (Agent requérant)") && frText.includes("Signé par (Autorité de validation)") &&
        frText.includes("Amtsgericht Tiergarten"), "…and names both signers with their verified chains");
  const provPdf = await apiAs("provider", "GET", `/api/v1/cases/${caseId}/document?lang=de`);
  fs.writeFileSync(path.join(work, "epoc-de.pdf"), Buffer.from(provPdf.body));
  const deText = execFileSync("pdftotext", [path.join(work, "epoc-de.pdf"), "-"], { encoding: "utf8" });
  check(deText.includes("Teilnehmerdaten") && !deText.includes(s01.facts_summary.slice(0, 30)),
        "the provider's German certificate has the data sought and not the facts");

  // The decision memo, printable.
  await officer.goto(`${base}/#/case/${caseId}/memo`);
  await officer.getByRole("button", { name: "Print" }).waitFor();
  const memo = await officer.locator("main").textContent();
  check(memo.includes("EU.AUTH.P1") && memo.includes("Reg. (EU) 2023/1543"), "the memo shows every check with its citation");
  await axe(officer, "decision memo");
  await officer.emulateMedia({ media: "print" });
  await officer.screenshot({ path: path.join(shots, "decision-memo-print.png") });
  await officer.emulateMedia({ media: "screen" });

  // ---- 2. Content without a judge: the failing check and preservation ----
  const content = structuredClone(s01);
  content.request_id = "0b3e4a52-8f1c-4a8e-9f0e-5d2a1c0000c2";
  content.data_categories = ["CONTENT"];
  content.data_items = ["stored e-mails"];
  const draft = (await apiAs("officer", "POST", "/api/v1/drafts", { request: content })).body;
  await officer.goto(`${base}/#/draft/${draft.id}`);
  const epoc2 = officer.locator('#engine section[data-pathway="P_EU_EPOC"]');
  await epoc2.waitFor();
  const epocText = await epoc2.textContent();
  check(epocText.includes("EU.AUTH.P1") && /Unavailable/.test(epocText), "content without a judge: the EPOC's failing check is shown");
  check(epocText.includes("To make this available"), "…with what would make it available");
  const preserve = officer.locator("#engine .preserve");
  check((await preserve.count()) === 1 && (await preserve.textContent()).includes("European Preservation Order"),
        "…and the suggestion to preserve the data now (EPOC-PR)");
  await officer.getByRole("button", { name: /^9\./ }).click();
  check(await officer.getByLabel(/European Production Order \(EPOC\) · rank/).count() === 0,
        "the EPOC cannot be chosen for filing");
  await shot(officer, "officer-wizard-content-without-judge");

  // ---- 3. Emergency: the 8-hour countdown ----
  const emergency = structuredClone(s01);
  emergency.request_id = "0b3e4a52-8f1c-4a8e-9f0e-5d2a1c0000e1";
  emergency.urgency = { is_emergency: true, emergency_type: "THREAT_TO_LIFE", justification: "A child is held and threatened tonight." };
  emergency.offences[0] = { ...emergency.offences[0], iccs_code: "020221", national_provision: "StGB § 239a", max_penalty_months: 180,
                            description: "Kidnapping for ransom" };
  const draft2 = (await apiAs("officer", "POST", "/api/v1/drafts", { request: emergency })).body;
  await officer.goto(`${base}/#/draft/${draft2.id}`);
  await officer.locator('#engine section[data-pathway="P_EU_EPOC"] .badge.available').waitFor();
  await officer.getByRole("button", { name: /^9\./ }).click();
  await officer.getByLabel(/European Production Order \(EPOC\) · rank/).check();
  await officer.getByLabel("Your signing key (signing.pem)").setInputFiles(path.join(keys, "officer", "signing.pem"));
  await officer.getByRole("button", { name: "Sign and file the request" }).click();
  await officer.getByRole("heading", { name: "Timeline" }).waitFor();
  const emergencyId = /#\/case\/([\w-]+)/.exec(officer.url())[1];
  await step(officer, "Submit");
  // A prosecutor may issue this order itself (Art 4(1)(b)): no validation is
  // skipped, so the Art 4(5) emergency track is not offered — it goes out at once.
  await officer.getByRole("form", { name: "Mark ready" }).waitFor();
  check(await officer.getByRole("form", { name: "Transmit as an emergency" }).count() === 0,
        "the emergency track without prior validation is not offered where no validation is skipped");
  await step(officer, "Mark ready");
  await officer.getByRole("form", { name: "Transmit" }).waitFor();
  await step(officer, "Transmit");
  check(await stateIs(emergencyId, "transmitted"), "the emergency order is transmitted at once");
  const big = officer.locator(".countdown.big").first();
  await big.waitFor();
  const clocks = (await apiAs("officer", "GET", `/api/v1/cases/${emergencyId}`)).body.clocks;
  const eight = clocks.find((k) => Date.parse(k.due) - Date.parse(k.started) === 8 * 3600 * 1000);
  check(!!eight, "the emergency case runs an 8-hour clock");
  const countdowns = await officer.locator(".countdown.big").allTextContents();
  check(countdowns.some((t) => /^7 h 5\d min \d\d s left$/.test(t)), `the page counts the 8 hours down (${countdowns.join(" | ")})`);
  await axe(officer, "emergency case page");
  await shot(officer, "officer-emergency-case");

  // ---- 4. A provider cannot open another provider's order ----
  const other = await loginAs("provider-us");
  check(await other.getByRole("link", { name: caseId.slice(0, 8) }).count() === 0, "another provider's desk does not list the order");
  await other.goto(`${base}/#/case/${caseId}`);
  await other.getByRole("heading", { name: "Not found" }).waitFor();
  check(true, "another provider opening the order's page gets Not found");
  const viaCookie = await other.evaluate(async (id) => (await fetch(`/api/v1/cases/${id}`)).status, caseId);
  check(viaCookie === 404, `…and the API answers its session 404 (${viaCookie})`);
  const viaToken = await apiAs("provider-us", "GET", `/api/v1/cases/${caseId}/document?lang=en`);
  check(viaToken.status === 404, `…and its token 404 for the order's document (${viaToken.status})`);

  // ---- 5. Central authorities: outgoing and incoming mutual assistance ----
  const mla = structuredClone(s01);
  mla.request_id = "0b3e4a52-8f1c-4a8e-9f0e-5d2a1c0000a1";
  mla.provider = { id: "US-CLOUDCO", legal_name: "Cloudco Inc.", hq_state: "US", establishments: [{ state: "US", type: "HQ" }],
                   services: ["ISS_COMMUNICATION"], offers_services_in: ["US"], role_for_data: "CONTROLLER", data_location: ["US"] };
  mla.data_categories = ["CONTENT"];
  mla.data_items = ["stored e-mails"];
  mla.identifiers = [{ type: "EMAIL", value: "seller@cloud.example" }];
  const mlaId = await openSigned(mla, "P_MLAT");
  for (const event of ["submit", "send_to_central_authority"])
    check((await apiAs("officer", "POST", `/api/v1/cases/${mlaId}/events`, { event })).status === 200, `officer: ${event} (MLA)`);
  const ca = await loginAs("central-authority");
  const outgoing = ca.getByRole("region", { name: "Outgoing requests" });
  check(await outgoing.getByRole("link", { name: mlaId.slice(0, 8) }).count() === 1, "the requesting central authority sees the request as outgoing");
  await openCase(ca, mlaId);
  await step(ca, "Transmit");
  check(await stateIs(mlaId, "transmitted"), "the requesting central authority transmits it");
  await openCase(ca, mlaId);
  await axe(ca, "central authority's case page");
  await ca.goto(`${base}/#/desk`);
  await ca.getByRole("heading", { name: "Outgoing requests" }).waitFor();
  await axe(ca, "central authority desk");
  await shot(ca, "central-authority-desk-outgoing");
  const caUs = await loginAs("central-authority-us");
  const incoming = caUs.getByRole("region", { name: "Incoming requests" });
  check(await incoming.getByRole("link", { name: mlaId.slice(0, 8) }).count() === 1, "the requested central authority sees it as incoming");
  await shot(caUs, "central-authority-desk-incoming");
  await openCase(caUs, mlaId);
  check(await caUs.getByRole("form", { name: "Transmit" }).count() === 0, "the requested side cannot transmit");
  await step(caUs, "Receive");
  check(await stateIs(mlaId, "requested_review"), "the requested central authority receives it");
  await caUs.getByRole("form", { name: "Refuse with a ground" }).waitFor();
  const grounds = await caUs.getByRole("form", { name: "Refuse with a ground" }).getByLabel("Coded ground").locator("option").allTextContents();
  check(grounds.length > 0 && !grounds.some((g) => /fiscal|bank secrecy/i.test(g)), "a refusal offers coded grounds only, none fiscal");
  await shot(caUs, "central-authority-incoming-case");

  // ---- 6. The enforcing authority of a notified order ----
  const notified = structuredClone(s01);
  notified.request_id = "0b3e4a52-8f1c-4a8e-9f0e-5d2a1c0000b1";
  notified.data_categories = ["TRAFFIC"];
  notified.data_items = ["connection logs"];
  notified.subject = { ...notified.subject, residence_state: "NL", current_location_state: "NL" };
  notified.validating_authority = { id: "DE-AG-TIERGARTEN", name: "Amtsgericht Tiergarten", state: "DE", type: "JUDGE" };
  const notifiedId = await openSigned(notified, "P_EU_EPOC", { validate: true });
  const enf = await loginAs("enforcing-authority");
  check(await enf.getByRole("link", { name: notifiedId.slice(0, 8) }).count() === 1, "the enforcing authority's desk lists the notified order");
  await axe(enf, "enforcing authority desk");
  await shot(enf, "enforcing-authority-desk");
  await openCase(enf, notifiedId);
  const refuse = enf.getByRole("form", { name: "Refuse with a ground" });
  const refusalGrounds = await refuse.getByLabel("Coded ground").locator("option").allTextContents();
  check(refusalGrounds.length === 4 && refusalGrounds.every((g) => /Art 12\(1\)/.test(g)), "its refusal grounds are the four of Art 12(1)");
  await step(enf, "Confirm no ground for refusal");
  await enf.getByText("Confirm no ground for refusal ·").waitFor();
  check(true, "the enforcing authority confirms there is no ground for refusal");
  await axe(enf, "enforcing authority's case page");
  await shot(enf, "enforcing-authority-case");

  // ---- the oversight desk ----
  const ov = await loginAs("oversight");
  await axe(ov, "oversight desk");
  await shot(ov, "oversight-desk");
  await openCase(ov, caseId);
  check(await ov.getByRole("heading", { name: "Actions" }).count() === 0 && !(await ov.locator("main").textContent()).includes("seller-2026"),
        "oversight sees the case's metadata, no facts and no actions");
  check(await ov.getByRole("heading", { name: "Between nodes" }).count() === 0, "a case that never left its node has no “Between nodes” panel");

  // ---- between nodes ----
  // This server is a single node, so no case of it travels; the real answer
  // for the case gets a `federation` member in the shape the home node of a
  // federation gives it (docs/api.md; the server side is checked across two
  // real nodes in tests/server/federation_test.cpp), to check the panel.
  const caseRoute = `${base}/api/v1/cases/${caseId}`;
  await ov.route(caseRoute, async (route) => {
    const real = await route.fetch();
    const body = await real.json();
    body.federation = {
      case_ref: "fc-0123456789abcdef0123456789abcdef",
      where: "notification queued for nl-ca at nl-node (peer suspended: its log forked); order delivered to NL-MAILCO at nl-node",
      messages: [
        { id: "msg-n", kind: "notification.send", to: "nl-node", to_party: "nl-ca", seq: 1, state: "pending", attempts: 3,
          queued_at: "2026-11-23T10:00:00Z", receipt: null, peer_suspended: true },
        { id: "msg-o", kind: "order.transmit", to: "nl-node", to_party: "NL-MAILCO", seq: 2, state: "delivered", attempts: 1,
          queued_at: "2026-11-23T10:00:00Z",
          receipt: { status: "delivered", rem_event: "ContentHandover", at: "2026-11-23T10:00:01Z", leaf_index: 4711, checkpoint_size: 4712 },
          peer_suspended: true },
      ],
    };
    await route.fulfill({ response: real, json: body });
  });
  await openCase(ov, caseId);
  const between = ov.getByRole("region", { name: "Between nodes" });
  await between.waitFor();
  const betweenText = await between.textContent();
  check(betweenText.includes("Order: Delivered, for NL-MAILCO at nl-node") && betweenText.includes("Notification: Queued, for nl-ca at nl-node"),
        "the case says where it is between nodes, message by message");
  const headers = await between.locator("thead th[scope=col]").allTextContents();
  check(headers.join("|") === "Message|To|State|Receipt|Log leaf|Checkpoint size", `the messages' table has column headers (${headers.join("|")})`);
  const orderRow = between.locator('tr[data-message="msg-o"]');
  const rowText = (await orderRow.textContent()).replace(/\s+/g, " ");
  check(/Delivered/.test(rowText) && rowText.includes("2026-11-23 10:00:01 UTC") && rowText.includes("4711") && rowText.includes("4712"),
        `each message shows its receipt with its time, log leaf and checkpoint size (${rowText})`);
  check((await between.locator('tr[data-message="msg-n"]').textContent()).includes("No receipt yet"), "a message without a receipt says so");
  check((await between.textContent()).includes("Peer suspended: its log forked"), "a suspended peer is marked in words, not by colour alone");
  await axe(ov, "case page with its messages between nodes");
  await shot(ov, "oversight-case-between-nodes");
  await ov.getByLabel("Language").selectOption("fr");
  await ov.getByRole("region", { name: "Entre les nœuds" }).waitFor();
  check((await ov.getByRole("region", { name: "Entre les nœuds" }).textContent()).includes("Injonction : Remis, pour NL-MAILCO sur nl-node"),
        "the panel reads in French");
  await ov.getByLabel("Language").selectOption("en");
  await ov.unroute(caseRoute);

  // ---- tablet width ----
  await officer.setViewportSize({ width: 768, height: 1024 });
  await officer.goto(`${base}/#/draft/${draft.id}`);
  await officer.locator('#engine section[data-pathway="P_EU_EPOC"]').waitFor();
  const overflow = await officer.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `the wizard fits a tablet's width (overflow ${overflow}px)`);
  await shot(officer, "officer-wizard-tablet");
  // Keyboard only: the login form is reachable and usable with Tab and Enter.
  const kb = await browser.newContext({ bypassCSP: true });
  const kp = await kb.newPage();
  await kp.goto(base + "/");
  await kp.getByLabel("User").waitFor();
  let focused = "";
  for (let i = 0; i < 12 && focused !== "login-user"; i++) {
    await kp.keyboard.press("Tab");
    focused = await kp.evaluate(() => document.activeElement?.id || "");
  }
  check(focused === "login-user", "the user field is reached with the keyboard");
  await kp.keyboard.type("oversight");
  await kp.keyboard.press("Tab");
  await kp.keyboard.type(users.oversight.password);
  await kp.keyboard.press("Enter");
  await kp.getByRole("heading", { name: "Oversight desk" }).waitFor();
  check(true, "logging in with the keyboard alone works");
  const outline = await kp.evaluate(() => {
    const a = document.querySelector("nav a");
    a.focus();
    return getComputedStyle(a).outlineStyle;
  });
  check(outline !== "none", `focus is visible (${outline})`);
} catch (e) {
  failures++;
  console.log(`FAIL ${e.stack || e}`);
  // What each page showed, for the log.
  for (const [user, p] of pages) {
    const engineText = await p.locator("#engine").textContent({ timeout: 1000 }).catch(() => "");
    if (engineText) console.log(`--- ${user} engine: ${engineText.slice(0, 3000)}`);
    const shown = await p.locator("main").textContent().catch(() => "");
    console.log(`--- ${user} at ${p.url()}:\n${shown.slice(0, 3000)}`);
    await p.screenshot({ path: path.join(work, `failure-${user}.png`), fullPage: true }).catch(() => {});
  }
} finally {
  await browser.close();
  server.kill("SIGTERM");
}

console.log(`${checks - failures} of ${checks} checks passed`);
if (failures) {
  console.log("server log: " + path.join(work, "server.log"));
  process.exit(1);
}
fs.rmSync(work, { recursive: true, force: true });
