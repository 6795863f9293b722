// Comity web app: login, the officer's guided request wizard with the live
// engine, the decision memo, the formal documents and the role desks
// (docs/web-app.md). Plain ES modules, no framework and no network beyond
// this exchange: every view is a function of the API's answers, and the
// server decides every permission again.
import { loadSigningKey, makeOrder, signOrder } from "./sign.js";

const main = document.getElementById("main");
const live = document.getElementById("live");
// beforeLeave: what the current view must do before another replaces it (the wizard saves its draft).
const state = { session: null, labels: null, lang: localStorage.getItem("comity.lang") || "en", beforeLeave: null };

// ---------- small helpers ----------

// Builds an element; text is always set as text, never parsed as HTML.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces an element's children; arrays are flattened, nulls skipped.
function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

function langIndex() {
  const i = (state.labels?.languages || ["en"]).indexOf(state.lang);
  return i < 0 ? 0 : i;
}
function label(group, code) {
  const v = state.labels?.codes?.[group]?.[code];
  return v ? v[langIndex()] : code;
}
function text(key) {
  const v = state.labels?.text?.[key];
  return v ? v[langIndex()] : key;
}
function announce(msg) {
  live.textContent = "";
  setTimeout(() => (live.textContent = msg), 50);
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf_token;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : null;
  if (!res.ok) {
    const e = new Error(data?.detail || `${res.status} ${res.statusText}`);
    e.status = res.status;
    e.problem = data;
    throw e;
  }
  return data;
}

// An error as the user reads it: the message, and every field at fault
// when the server's problem details name them.
function problemBox(err) {
  const errors = err.problem?.errors || [];
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", { text: err.message }),
    errors.length ? h("ul", {}, errors.map((e) => h("li", {}, h("code", { text: e.path }), " — ", e.message))) : null,
  );
}

// ---------- countdowns ----------

function formatLeft(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const hh = Math.floor(s / 3600);
  s -= hh * 3600;
  const mm = Math.floor(s / 60);
  s -= mm * 60;
  const parts = d ? `${d} d ${hh} h ${mm} min` : `${hh} h ${String(mm).padStart(2, "0")} min ${String(s).padStart(2, "0")} s`;
  return neg ? `overdue by ${parts}` : `${parts} left`;
}
function countdown(dueIso, big) {
  const el = h("span", { class: "countdown" + (big ? " big" : ""), "data-due": dueIso });
  const tick = () => {
    const left = Date.parse(dueIso) - Date.now();
    el.textContent = formatLeft(left);
    el.classList.toggle("overdue", left < 0);
  };
  tick();
  return el;
}
setInterval(() => {
  for (const el of document.querySelectorAll(".countdown[data-due]")) {
    const left = Date.parse(el.dataset.due) - Date.now();
    el.textContent = formatLeft(left);
    el.classList.toggle("overdue", left < 0);
  }
}, 1000);

// ---------- shell ----------

const deskTitles = {
  officer: "Officer desk",
  validator: "Validator desk",
  central_authority: "Central authority desk",
  provider: "Provider desk",
  enforcing_authority: "Enforcing authority desk",
  oversight: "Oversight desk",
  admin: "Administrator desk",
};

function renderShell() {
  const nav = document.getElementById("nav");
  nav.replaceChildren();
  const who = document.getElementById("whoami");
  const logout = document.getElementById("logout");
  if (state.session) {
    nav.append(h("a", { href: "#/desk" }, deskTitles[state.session.user.role] || "Desk"));
    if (state.session.user.role === "officer") nav.append(h("a", { href: "#/new" }, "New request"));
    who.textContent = `${state.session.user.name} · ${label("role", state.session.user.role)} · ${state.session.party?.name || ""}`;
    logout.hidden = false;
  } else {
    who.textContent = "";
    logout.hidden = true;
  }
  document.documentElement.lang = state.lang;
}

function page(title, ...content) {
  document.title = `${title} — Comity`;
  fill(main, h("h1", { text: title }), content);
  main.focus();
}

// ---------- login ----------

function viewLogin() {
  const err = h("div");
  const user = h("input", { id: "login-user", name: "user", autocomplete: "username", required: true });
  const pass = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    {
      onsubmit: async (e) => {
        e.preventDefault();
        err.replaceChildren();
        try {
          await api("POST", "/api/v1/session", { user: user.value, password: pass.value });
          state.session = await api("GET", "/api/v1/session");
          renderShell();
          location.hash = "#/desk";
        } catch (x) {
          err.replaceChildren(problemBox(x));
        }
      },
    },
    h("label", { for: "login-user" }, "User"),
    user,
    h("label", { for: "login-password" }, "Password"),
    pass,
    h("p", {}, h("button", { type: "submit" }, "Log in")),
    err,
  );
  page("Log in", h("p", { class: "hint" }, "Sign in with the user and password your administrator gave you."), form);
}

// ---------- desks ----------

// Every item of a paginated list (at most `pages` pages of 200).
async function allPages(route, pages) {
  const out = [];
  let cursor = "";
  for (let i = 0; i < pages; i++) {
    const batch = await api("GET", `${route}?limit=200${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
    out.push(...batch.items);
    if (!batch.next_cursor) break;
    cursor = batch.next_cursor;
  }
  return out;
}

async function allCases() {
  const out = await allPages("/api/v1/cases", 20);
  // Deadline first (the queue), then the most recently changed.
  out.sort((a, b) => {
    const da = a.next_deadline ? Date.parse(a.next_deadline.due) : Infinity;
    const db = b.next_deadline ? Date.parse(b.next_deadline.due) : Infinity;
    return da - db || b.updated_at.localeCompare(a.updated_at);
  });
  return out;
}

function caseTable(caption, cases) {
  const headingId = nextId("queue");
  return h("section", { "aria-labelledby": headingId },
    h("h2", { id: headingId, text: caption }),
    !cases.length
      ? h("p", { class: "hint" }, "Nothing here.")
      : h(
          "table",
          {},
          h("caption", { class: "sr-only" }, caption + ", sorted by deadline"),
          h("thead", {}, h("tr", {}, ["Case", "Pathway", "State", "Next deadline", "Updated"].map((t) => h("th", { scope: "col", text: t })))),
          h(
            "tbody",
            {},
            cases.map((c) =>
              h(
                "tr",
                {},
                h("td", {}, h("a", { href: `#/case/${c.id}` }, c.id.slice(0, 8))),
                h("td", { text: label("pathway", c.pathway) }),
                h("td", { text: label("case_state", c.state) }),
                h("td", {}, c.next_deadline ? [c.next_deadline.deadline, " · ", countdown(c.next_deadline.due)] : "—"),
                h("td", { text: c.updated_at.replace("T", " ").replace("Z", " UTC") }),
              ),
            ),
          ),
        ));
}

async function viewDesk() {
  const role = state.session.user.role;
  const cases = await allCases();
  const parts = [];
  if (role === "officer") {
    parts.push(h("p", {}, h("a", { class: "button", href: "#/new" }, "Start a new request")));
    const drafts = await api("GET", "/api/v1/drafts?limit=20");
    if (drafts.items.length)
      parts.push(
        h("h2", { text: "Drafts" }),
        h(
          "ul",
          {},
          drafts.items.map((d) =>
            h("li", {}, h("a", { href: `#/draft/${d.id}` }, d.request?.case_reference || d.id), ` · saved ${d.updated_at}`),
          ),
        ),
      );
  }
  if (role === "central_authority") {
    const own = state.session.party.state;
    parts.push(caseTable("Outgoing requests", cases.filter((c) => c.requesting_state === own)));
    parts.push(caseTable("Incoming requests", cases.filter((c) => c.requesting_state !== own)));
  } else {
    parts.push(caseTable(role === "provider" ? "Orders addressed to you" : "Cases", cases));
  }
  if (role === "provider") parts.push(await statementSection(viewDesk));
  page(deskTitles[role] || "Desk", ...parts);
}

// The provider's published statement (docs/provider-statements.md): the
// version in force, with the log index that commits to it, and publishing a
// new version signed with "comity provider statement sign" — the key stays
// with its holder; the exchange verifies the signature, the chain and the
// content again, and refuses a version that is not newer.
async function statementSection(rerender) {
  const party = state.session.party;
  const at = `/api/v1/providers/${encodeURIComponent(party.id)}/statement`;
  let current = null;
  try {
    current = await api("GET", at);
  } catch (x) {
    if (x.status !== 404) throw x;
  }
  const err = h("div");
  const fileId = nextId("statement");
  const form = h(
    "form",
    {
      "aria-label": "Publish a statement",
      onsubmit: async (e) => {
        e.preventDefault();
        err.replaceChildren();
        try {
          const f = form.querySelector(`#${fileId}`).files?.[0];
          if (!f) throw new Error("choose the signed statement file");
          let doc;
          try {
            doc = JSON.parse(await f.text());
          } catch {
            throw new Error("the file is not JSON: choose the signed statement that “comity provider statement sign” wrote");
          }
          const r = await api("POST", at, doc);
          announce(`Statement version ${r.version} published, log index ${r.log_index}`);
          rerender();
        } catch (x) {
          err.replaceChildren(problemBox(x));
        }
      },
    },
    h("label", { for: fileId }, "Signed statement (written by “comity provider statement sign”)"),
    h("input", { id: fileId, type: "file", accept: ".json,application/json", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Publish this version")),
    err,
  );
  return [
    h("h2", { text: "Your published statement" }),
    current
      ? h("p", { class: "statement-current" },
          `Version ${current.version} · published ${current.published_at} · log index ${current.log_index} · `,
          h("a", { href: `${at}?version=${current.version}` }, "the signed document"))
      : h("p", { class: "hint" }, "None published yet."),
    h("p", { class: "hint" },
      "What you publish is public: requesting authorities see it beside the law, never instead of it, and each version is committed to the transparency log."),
    form,
  ];
}

// ---------- case ----------

function clockList(c) {
  if (!c.clocks.length) return null;
  return [
    h("h2", { text: "Legal clocks" }),
    h(
      "ul",
      {},
      c.clocks.map((k) =>
        h(
          "li",
          {},
          h("strong", { text: k.label }),
          ` (${k.deadline}) · due ${k.due} · `,
          h("span", { class: `badge ${k.status}`, text: label("clock_status", k.status) }),
          k.status === "stopped" ? null : [" · ", countdown(k.due, true)],
        ),
      ),
    ),
  ];
}

function timeline(c) {
  return [
    h("h2", { text: "Timeline" }),
    h(
      "ol",
      { class: "timeline" },
      h("li", {}, h("strong", {}, "Opened"), ` · ${c.created_at}`),
      c.history.map((e) =>
        h(
          "li",
          {},
          h("strong", { text: label("event", e.event) }),
          ` · ${label("role", e.by)} · ${e.at} · ${label("case_state", e.from)} → ${label("case_state", e.to)}`,
          e.ground ? [" · ", h("em", { text: label("ground", e.ground) })] : null,
          e.reason ? h("div", { class: "hint", text: e.reason }) : null,
        ),
      ),
    ),
  ];
}

function keyInput(id) {
  return [
    h("label", { for: id }, "Your signing key (signing.pem)"),
    h("input", { id, type: "file", accept: ".pem,application/x-pem-file", required: true }),
    h("p", { class: "hint" }, "Read in this browser only; the exchange receives the signature, never the key."),
  ];
}

async function readKey(input) {
  const f = input.files?.[0];
  if (!f) throw new Error("choose your signing key file (signing.pem)");
  return loadSigningKey(await f.text());
}

function actionForms(c, rerender) {
  if (!c.allowed_events.length) return null;
  const forms = c.allowed_events.map((ev) => {
    const grounds = c.grounds[ev] || [];
    const err = h("div");
    const reasonId = nextId("reason");
    const groundId = nextId("ground");
    const keyId = nextId("key");
    const needsSignature = (ev === "validate" || ev === "validate_ex_post") && c.signed_order?.awaiting_validator;
    const form = h(
      "form",
      {
        "aria-label": label("event", ev),
        onsubmit: async (e) => {
          e.preventDefault();
          err.replaceChildren();
          const body = { event: ev };
          const reason = form.querySelector(`#${reasonId}`).value.trim();
          if (reason) body.reason = reason;
          if (grounds.length) body.ground = form.querySelector(`#${groundId}`).value;
          try {
            if (needsSignature) {
              const signing = await readKey(form.querySelector(`#${keyId}`));
              body.signature = await signOrder(c.signed_order.order, "validator", signing);
            }
            await api("POST", `/api/v1/cases/${c.id}/events`, body);
            announce(`${label("event", ev)}: done`);
            rerender();
          } catch (x) {
            err.replaceChildren(problemBox(x));
          }
        },
      },
      h("h3", { text: label("event", ev) }),
      grounds.length
        ? [
            h("label", { for: groundId }, "Coded ground"),
            h(
              "select",
              { id: groundId, required: true },
              grounds.map((g) => h("option", { value: g.code }, `${label("ground", g.code)} — ${g.citation} [${g.tag}]`)),
            ),
          ]
        : null,
      h("label", { for: reasonId }, `Reason for “${label("event", ev)}”`),
      h("textarea", { id: reasonId }),
      needsSignature ? keyInput(keyId) : null,
      h("p", {}, h("button", { type: "submit", class: /refuse|reject|withdraw|object/.test(ev) ? "danger" : "" }, label("event", ev))),
      err,
    );
    return form;
  });
  return [h("h2", { text: "Actions" }), h("div", { class: "actions" }, forms)];
}

// The side's one consolidated review: a verdict on every check of the
// chosen pathway; an override needs a reason.
async function reviewSection(c, rerender) {
  const role = state.session.user.role;
  if (!["validator", "central_authority", "enforcing_authority"].includes(role) || c.view !== "full") return null;
  if ((c.reviews || []).some((r) => r.reviewer.endsWith(`:${state.session.user.id}`))) return null;  // one per side
  const decision = await api("GET", c.decision_url);
  const entry =
    decision.pathways.find((p) => p.pathway === c.pathway && p.rank != null) ||
    decision.pathways.find((p) => p.pathway === c.pathway);
  if (!entry) return null;
  const err = h("div");
  const rows = entry.checks.map((k) => {
    const name = nextId("verdict");
    const reasonId = nextId("why");
    return { k, name, reasonId };
  });
  const form = h(
    "form",
    {
      "aria-label": "Review of the engine's checks",
      onsubmit: async (e) => {
        e.preventDefault();
        err.replaceChildren();
        const verdicts = [];
        for (const r of rows) {
          const v = form.querySelector(`input[name="${r.name}"]:checked`).value;
          const reason = form.querySelector(`#${r.reasonId}`).value.trim();
          if ((v === "override" || r.k.result === "needs_review") && !reason) {
            const why = v === "override" ? `Overriding ${r.k.predicate} needs a reason.`
                                         : `${r.k.predicate} is a check the engine could not decide: give the reason for your verdict.`;
            err.replaceChildren(problemBox(new Error(why)));
            form.querySelector(`#${r.reasonId}`).focus();
            return;
          }
          verdicts.push(reason ? { predicate: r.k.predicate, verdict: v, reason } : { predicate: r.k.predicate, verdict: v });
        }
        try {
          await api("POST", `/api/v1/cases/${c.id}/review`, { verdicts });
          announce("Review recorded");
          rerender();
        } catch (x) {
          err.replaceChildren(problemBox(x));
        }
      },
    },
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Checks of the chosen pathway"),
      h("thead", {}, h("tr", {}, ["Check", "Engine", "Your verdict", "Reason"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        rows.map(({ k, name, reasonId }) =>
          h(
            "tr",
            {},
            h("td", {}, h("strong", { text: k.predicate }), " ", k.title, h("div", { class: "hint" }, `${k.citation} [${k.tag}]`)),
            h("td", {}, h("span", { class: `badge ${k.result}`, text: label("check_result", k.result) })),
            h(
              "td",
              {},
              h("fieldset", {}, h("legend", { class: "sr-only" }, `Verdict on ${k.predicate}`),
                h("label", { class: "inline" }, h("input", { type: "radio", name, value: "agree", checked: true }), "Agree"),
                h("label", { class: "inline" }, h("input", { type: "radio", name, value: "override" }), "Override")),
            ),
            h("td", {}, h("label", { for: reasonId, class: "sr-only" }, `Reason for the verdict on ${k.predicate}`), h("textarea", { id: reasonId })),
          ),
        ),
      ),
    ),
    h("p", {}, h("button", { type: "submit" }, "Record the review")),
    err,
  );
  return [h("h2", { text: "Review the engine's checks" }), h("p", { class: "hint" }, "One review per side. Overriding a check, or deciding one the engine could not, needs a reason; each override is audited."), form];
}

function certificateSection(cert) {
  if (!cert) return null;
  const rows = [
    ["Issuing authority", `${cert.issuing_authority?.name || ""} (${label("AuthorityType", cert.issuing_authority?.type)}, ${label("state", cert.issuing_authority?.state)})`],
    ["Validating authority", cert.validating_authority ? `${cert.validating_authority.name} (${label("AuthorityType", cert.validating_authority.type)})` : "—"],
    ["Case reference", cert.case_reference || "—"],
    ["Measure", label("Measure", cert.measure)],
    ["Data categories", (cert.data_categories || []).map((d) => label("DataCategory", d)).join("; ")],
    ["Data items", (cert.data_items || []).join("; ") || "—"],
    ["Identifiers", (cert.identifiers || []).map((i) => `${label("IdentifierType", i.type)}: ${i.value}`).join("; ")],
    ["Emergency", cert.urgency?.is_emergency ? `${text("doc.yes")} — ${label("EmergencyType", cert.urgency.emergency_type)}` : text("doc.no")],
    ["Offences", (cert.offences || []).map((o) => `${o.national_provision} (ICCS ${o.iccs_code} ${label("iccs", o.iccs_code)})`).join("; ")],
  ];
  return [h("h2", { text: "The order" }), h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]))];
}

function documentLinks(c) {
  if (c.view !== "full" && c.view !== "order") return null;
  return h(
    "p",
    { class: "row noprint" },
    "Formal document (PDF): ",
    state.labels.languages.map((l) =>
      h("a", { class: "button secondary", href: `/api/v1/cases/${c.id}/document?lang=${l}`, target: "_blank", rel: "noopener", lang: l },
        state.labels.language_names[l]),
    ),
    c.view === "full" ? h("a", { class: "button secondary", href: `#/case/${c.id}/memo` }, "Decision memo") : null,
  );
}

// ---------- between nodes ----------

// A label with {name} placeholders filled in.
function textWith(key, values) {
  return text(key).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}
const when = (iso) => (iso ? iso.replace("T", " ").replace("Z", " UTC") : "—");

// Where the case is between nodes (the issuing side and oversight on the
// case's home node; docs/api.md): a one-line summary, then each message
// this node sent with the peer's receipt. A message's body is never shown.
function federationSection(c) {
  const f = c.federation;
  if (!f) return null;
  const headingId = nextId("between");
  const whom = (m) => textWith("fed.at_node", { party: m.to_party || "—", node: m.to });
  // The latest message of each kind to each party, in the order first sent.
  const latest = new Map();
  for (const m of f.messages) latest.set(`${m.kind}\n${m.to}\n${m.to_party}`, m);
  const clauses = [...latest.values()].map((m) => {
    const code = m.state === "refused" && m.receipt?.code ? ` (${label("fed_refusal", m.receipt.code)})` : "";
    const line = textWith("fed.clause", { kind: label("fed_kind", m.kind), state: label("outbox_state", m.state) + code, whom: whom(m) });
    return m.peer_suspended ? `${line} — ${text("fed.suspended.short")}` : line;
  });
  const suspended = [...new Set(f.messages.filter((m) => m.peer_suspended).map((m) => m.to))];
  const receiptCell = (r) => {
    if (!r) return h("td", {}, h("span", { class: "hint" }, text("fed.no_receipt")));
    return h(
      "td",
      {},
      h("span", { class: `badge receipt-${r.status}`, text: label("receipt_status", r.status) }),
      r.code ? [" ", h("span", { text: label("fed_refusal", r.code) }), " ", h("code", { text: r.code })] : null,
      h("div", { class: "hint" }, when(r.at)),
    );
  };
  const proofCell = (r, key) =>
    r && r[key] !== null && r[key] !== undefined ? h("td", { class: "num", text: String(r[key]) }) : h("td", {}, h("span", { class: "hint" }, r ? text("fed.no_proof") : "—"));
  return h(
    "section",
    { class: "between-nodes", "aria-labelledby": headingId },
    h("h2", { id: headingId, text: text("fed.heading") }),
    h("p", { class: "where" }, h("strong", { text: `${text("fed.where")}: ` }), clauses.join("; ") || "—"),
    suspended.map((node) => h("p", { class: "error", role: "note" }, h("strong", { text: `⚠ ${node}: ` }), text("fed.suspended"))),
    h(
      "table",
      { class: "messages" },
      h("caption", { class: "sr-only" }, text("fed.caption")),
      h(
        "thead",
        {},
        h("tr", {}, ["fed.col.message", "fed.col.to", "fed.col.state", "fed.col.receipt", "fed.col.leaf", "fed.col.checkpoint"].map((k) => h("th", { scope: "col", text: text(k) }))),
      ),
      h(
        "tbody",
        {},
        f.messages.map((m) =>
          h(
            "tr",
            { "data-message": m.id, class: m.peer_suspended ? "suspended" : null },
            h("th", { scope: "row" }, label("fed_kind", m.kind), h("div", { class: "hint" }, `${text("fed.queued")} ${when(m.queued_at)}`)),
            h("td", {}, whom(m), m.peer_suspended ? h("div", {}, h("strong", { class: "fail", text: `⚠ ${text("fed.suspended.short")}` })) : null),
            h("td", {}, label("outbox_state", m.state), h("div", { class: "hint" }, `${m.attempts} ${text("fed.attempts")}`)),
            receiptCell(m.receipt),
            proofCell(m.receipt, "leaf_index"),
            proofCell(m.receipt, "checkpoint_size"),
          ),
        ),
      ),
    ),
    f.messages.length >= 200 ? h("p", { class: "hint" }, textWith("fed.earlier", { n: f.messages.length })) : null,
  );
}

async function viewCase(id) {
  const rerender = () => viewCase(id);
  const c = await api("GET", `/api/v1/cases/${id}`);
  const emergency = (c.request?.urgency || c.certificate?.urgency)?.is_emergency;
  const facts = h("dl", { class: "kv" },
    h("dt", {}, "Pathway"), h("dd", { text: label("pathway", c.pathway) }),
    h("dt", {}, "State"), h("dd", {}, h("span", { class: "badge", text: label("case_state", c.state) })),
    h("dt", {}, "Requesting State"), h("dd", { text: label("state", c.requesting_state) }),
    h("dt", {}, "Counterpart"), h("dd", { text: c.counterpart_state ? label("state", c.counterpart_state) : "—" }),
    h("dt", {}, "Emergency"), h("dd", { text: emergency ? text("doc.yes") : text("doc.no") }),
    c.signed_order ? [h("dt", {}, "Signed order"), h("dd", {}, `${c.signed_order.id} · `,
      c.signed_order.signatures.map((s) => `${label("role", s.role)}: ${s.chain.map((x) => x.name).join(" → ")}`).join("; "),
      c.signed_order.awaiting_validator ? h("strong", {}, " · awaiting the validator's signature") : null)] : null,
    c.data_marked_for_deletion ? [h("dt", {}, "Data"), h("dd", { class: "fail" }, "marked for deletion")] : null,
    c.provider_statement ? [h("dt", {}, "Provider's statement"), h("dd", { class: "provider-says" },
      h("a", { href: c.provider_statement.url, text: `v${c.provider_statement.version}, log index ${c.provider_statement.log_index}` }),
      " · in force when the case opened",
      c.provider_statement.says?.length ? h("ul", {}, c.provider_statement.says.map((n) => h("li", { text: n.says }))) : null)] : null,
  );
  const review = await reviewSection(c, rerender).catch(() => null);
  const reviews = (c.reviews || []).map((r) => h("li", {}, `${r.side} side · ${r.reviewer} · ${r.at} · ${r.overrides} override(s)`));
  page(
    `${label("pathway", c.pathway)} · ${c.id.slice(0, 8)}`,
    h("div", { class: "layout" },
      h("div", {}, facts, documentLinks(c), federationSection(c), certificateSection(c.certificate), actionForms(c, rerender), review,
        reviews.length ? [h("h2", { text: "Reviews" }), h("ul", {}, reviews)] : null),
      h("div", {}, clockList(c), timeline(c),
        c.productions?.length ? [h("h2", { text: "Evidence productions" }), h("ul", {}, c.productions.map((p) => h("li", {}, `${p.id} · ${p.complete_files} of ${p.files} file(s) received · kept until ${p.expires_at}`)))] : null,
        c.view === "order" ? h("p", { class: "hint" },
          "Evidence: seal it to the requesting authority's keys with “comity evidence seal”, then register the signed manifest and upload it with “comity evidence upload” (docs/evidence-encryption.md). The exchange never holds a key.") : null),
    ),
  );
}

// ---------- decision memo ----------

function checkRows(checks) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ["Check", "Result", "Reason", "Citation", "Tag"].map((t) => h("th", { scope: "col", text: t })))),
    h(
      "tbody",
      {},
      checks.map((k) =>
        h(
          "tr",
          {},
          h("td", {}, h("strong", { text: k.predicate }), h("div", { text: k.title })),
          h("td", {}, h("span", { class: `badge ${k.result}`, text: label("check_result", k.result) })),
          h("td", { text: k.reason }),
          h("td", { text: k.citation }),
          h("td", { title: label("tag", k.tag), text: `${k.tag} · ${label("tag", k.tag)}` }),
        ),
      ),
    ),
  );
}

function pathwayBlock(p, opts = {}) {
  const failing = p.checks.filter((k) => k.result === "fail" || k.result === "needs_review");
  return h(
    "section",
    { class: "pathway", "data-pathway": p.pathway, "aria-label": label("pathway", p.pathway) },
    h("h3", {}, label("pathway", p.pathway), " ", h("span", { class: `badge ${p.status}`, text: label("pathway_status", p.status) }),
      p.role === "preservation_companion" ? h("span", { class: "hint" }, " (preservation companion)") : null,
      p.rank ? h("span", { class: "hint" }, ` · rank ${p.rank}`) : null),
    p.unverified_basis?.length
      ? h("p", { class: "hint" }, `Needs legal confirmation: rests on rules not fully verified — ${p.unverified_basis.map((u) => `${u.predicate} [${u.tag}]`).join(", ")}`)
      : null,
    failing.length
      ? h("ul", {}, failing.map((k) => h("li", { class: k.result },
          h("strong", { text: `${k.predicate} — ${label("check_result", k.result)}: ` }), k.reason,
          h("div", { class: "hint" }, `${k.citation} [${k.tag} · ${label("tag", k.tag)}]`))))
      : null,
    p.to_make_available?.length
      ? h("div", { class: "notice" }, h("strong", {}, "To make this available: "), h("ul", {}, p.to_make_available.map((t) => h("li", { text: `${t.predicate}: ${t.hint}` }))))
      : null,
    p.provider_says?.length
      ? h("div", { class: "provider-says" },
          h("strong", {}, "What the provider says", opts.statement ? ` (statement v${opts.statement.version}${opts.statement.log_index !== undefined ? `, log index ${opts.statement.log_index}` : ""})` : "", ": "),
          h("ul", {}, p.provider_says.map((n) => h("li", { text: n.says }))),
          h("div", { class: "hint" }, "Beside the law, never instead of it: the checks above decide."))
      : null,
    opts.allChecks ? checkRows(p.checks) : h("details", {}, h("summary", {}, `All ${p.checks.length} checks`), checkRows(p.checks)),
  );
}

// The safeguards every pathway depends on: each one that does not pass, or
// how many passed.
function gateLine(gate) {
  const open = gate.filter((g) => g.result !== "pass" && g.result !== "not_applicable");
  if (!open.length) return h("p", {}, h("strong", {}, "Safeguards: "), `all ${gate.length} checks pass or do not apply.`);
  return h("div", {}, h("strong", {}, "Safeguards: "),
    h("ul", {}, open.map((g) => h("li", { class: g.result }, h("strong", { text: `${g.predicate} — ${label("check_result", g.result)}: ` }), g.reason,
      h("div", { class: "hint" }, `${g.citation} [${g.tag} · ${label("tag", g.tag)}]`)))));
}

function summaryBlock(d) {
  return h("div", { class: "panel" },
    h("p", {}, h("strong", {}, "Outcome: "), d.outcome.replace(/_/g, " ")),
    d.summary?.recommended ? h("p", {}, h("strong", {}, "Recommended: "), label("pathway", d.summary.recommended)) : null,
    d.summary?.preserve_now
      ? h("p", { class: "notice preserve" }, h("strong", {}, "Preserve the data now: "), label("pathway", d.summary.preserve_now),
          " — the data can be preserved while the production route is obtained.")
      : null,
    gateLine(d.gate || []),
  );
}

async function viewMemo(id) {
  const d = await api("GET", `/api/v1/cases/${id}/decision`);
  const c = await api("GET", `/api/v1/cases/${id}`);
  const shown = d.pathways.filter((p) => p.status !== "not_applicable");
  const na = d.pathways.filter((p) => p.status === "not_applicable");
  page(
    `Decision memo · ${id.slice(0, 8)}`,
    h("p", { class: "noprint row" }, h("button", { type: "button", onclick: () => window.print() }, "Print"), h("a", { href: `#/case/${id}` }, "Back to the case")),
    h("p", {}, `Chosen pathway: ${label("pathway", c.pathway)} · evaluated ${d.evaluated_at} · rule pack ${d.pack?.version || ""} ${d.pack?.content_hash || ""}`),
    summaryBlock(d),
    shown.map((p) => pathwayBlock(p, { allChecks: true })),
    na.length ? [h("h2", { text: "Not applicable" }), h("ul", {}, na.map((p) => h("li", {}, `${label("pathway", p.pathway)}: ${p.checks.map((k) => k.reason).join(" ")}`)))] : null,
    h("p", { class: "hint" }, "Tags: V verified against the legal text, P partly verified, U unverified. A decision resting on P or U rules needs legal confirmation."),
  );
}

// ---------- the request wizard ----------

const stateCodes = () => Object.keys(state.labels.codes.state).sort((a, b) => label("state", a).localeCompare(label("state", b)));
const codesOf = (group) => Object.keys(state.labels.codes[group]);
// Codes are separated by commas, semicolons or spaces; free-text items by semicolons.
const splitList = (s, sep = /[,;\s]+/) => s.split(sep).map((x) => x.trim()).filter(Boolean);

function blankRequest(party) {
  return {
    format: "comity.request/1",
    request_id: crypto.randomUUID(),
    created_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    requesting_state: party.state,
    case_reference: "",
    proceedings_type: "CRIMINAL_INVESTIGATION",
    proceedings_instituted: true,
    language: { DE: "de", FR: "fr", BE: "fr", AT: "de" }[party.state] || "en",
    issuing_authority: { id: party.id, name: party.name, state: party.state, type: "PUBLIC_PROSECUTOR", contact: "" },
    domestic_legal_basis: [],
    domestic_parity_confirmed: true,
    offences: [{ national_provision: "", description: "", iccs_code: "", max_penalty_months: null, locus_states: [party.state] }],
    facts_summary: "",
    relevance_statement: "",
    necessity_statement: "",
    provider_possession_basis: "",
    measure: "PRODUCE_STORED",
    data_categories: [],
    data_items: [],
    identifiers: [{ type: "EMAIL", value: "" }],
    subject: { known: false, role: "SUSPECT", nationality: ["UNKNOWN"], residence_state: "UNKNOWN", current_location_state: "UNKNOWN", location_confidence: "UNKNOWN" },
    provider: { id: "", legal_name: "", hq_state: "", establishments: [{ state: "", type: "DESIGNATED_ESTABLISHMENT", legal_entity_id: "" }], services: [], offers_services_in: [], role_for_data: "CONTROLLER", data_location: [] },
    urgency: { is_emergency: false },
    user_notification_plan: { mode: "NOTIFY_NOW" },
    intended_use: ["EVIDENCE_IN_PROSECUTION"],
    retention_period_days: 730,
    sensitive_data_expected: [],
    automated_decision_use: false,
  };
}

// The request as sent: empty strings and nulls are absent, so the engine
// names what is missing.
function cleaned(v) {
  if (Array.isArray(v)) return v.map(cleaned).filter((x) => x !== undefined);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      const c = cleaned(x);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return v === "" || v === null ? undefined : v;
}

function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] == null) o[k] = /^\d+$/.test(k) ? [] : {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

async function viewWizard(draftId) {
  const party = state.session.party;
  let draft = null;
  let req;
  if (draftId) {
    draft = await api("GET", `/api/v1/drafts/${draftId}`);
    req = draft.request;
  } else {
    req = blankRequest(party);
  }
  const parties = await allPages("/api/v1/parties", 10);
  const providers = parties.filter((p) => p.kind === "provider");
  const validators = parties.filter((p) => p.kind === "validating_authority" && p.state === party.state);

  let lastDecision = null;
  let lastEvaluated = "";
  const panel = h("div", { class: "panel", id: "engine", "aria-live": "polite" }, h("p", {}, "Fill in the request; the engine evaluates it as you go."));
  const saveStatus = h("span", { class: "hint", role: "status" });
  const submitArea = h("div");

  // --- field builders bound to req ---
  const changed = () => schedule();
  function field(labelText, path, opts = {}) {
    const id = nextId("f");
    const cur = getPath(req, path);
    let input;
    if (opts.options) {
      input = h("select", { id }, opts.blank ? h("option", { value: "" }, opts.blank) : null,
        opts.options.map(([v, t]) => h("option", { value: v }, t)));
      input.value = cur ?? "";
    } else if (opts.textarea) {
      input = h("textarea", { id, value: cur ?? "" });
    } else if (opts.list) {
      input = h("input", { id, value: (cur || []).join(opts.keepCase ? "; " : ", ") });
    } else {
      input = h("input", { id, type: opts.type || "text", value: cur ?? "" });
    }
    input.addEventListener("input", () => {
      let v = input.value;
      if (opts.list) v = opts.keepCase ? splitList(v, /;/) : splitList(v).map((x) => x.toUpperCase());
      else if (opts.type === "number") v = v === "" ? null : Number(v);
      setPath(req, path, v);
      opts.after?.(v);
      changed();
    });
    return h("div", {}, h("label", { for: id }, labelText), opts.hint ? h("p", { class: "hint", id: id + "-hint" }, opts.hint) : null, input);
  }
  function checkbox(labelText, path, after) {
    const input = h("input", { type: "checkbox", checked: !!getPath(req, path) });
    input.addEventListener("change", () => {
      setPath(req, path, input.checked);
      after?.(input.checked);
      changed();
    });
    return h("label", { class: "inline" }, input, labelText);
  }
  function checkboxes(legendText, path, group) {
    const cur = new Set(getPath(req, path) || []);
    return h("fieldset", {}, h("legend", { text: legendText }),
      codesOf(group).map((code) => {
        const input = h("input", { type: "checkbox", value: code, checked: cur.has(code) });
        input.addEventListener("change", () => {
          const set = new Set(getPath(req, path) || []);
          input.checked ? set.add(code) : set.delete(code);
          setPath(req, path, codesOf(group).filter((c) => set.has(c)));
          changed();
        });
        return h("label", { class: "inline" }, input, label(group, code));
      }));
  }
  const opts = (group) => codesOf(group).map((c) => [c, label(group, c)]);
  const stateOpts = (unknown) => [...(unknown ? [["UNKNOWN", "Unknown"]] : []), ...stateCodes().map((c) => [c, `${label("state", c)} (${c})`])];

  // ICCS picker: search, then choose from the filtered list.
  function iccsPicker() {
    const searchId = nextId("iccs-search");
    const listId = nextId("iccs");
    const search = h("input", { id: searchId, type: "search", autocomplete: "off" });
    const list = h("select", { id: listId, size: 8 });
    const fill = () => {
      const q = search.value.trim().toLowerCase();
      const cur = req.offences[0].iccs_code;
      list.replaceChildren(
        ...codesOf("iccs")
          .filter((c) => !q || c.startsWith(q) || label("iccs", c).toLowerCase().includes(q) || state.labels.codes.iccs[c][0].toLowerCase().includes(q))
          .map((c) => h("option", { value: c, selected: c === cur }, `${"\u00a0\u00a0".repeat(Math.max(0, c.length - 2))}${c} ${label("iccs", c)}`)),
      );
    };
    search.addEventListener("input", fill);
    list.addEventListener("change", () => {
      req.offences[0].iccs_code = list.value;
      chosen.textContent = `${list.value} ${label("iccs", list.value)}`;
      changed();
    });
    const chosen = h("p", { class: "hint", role: "status" }, req.offences[0].iccs_code ? `${req.offences[0].iccs_code} ${label("iccs", req.offences[0].iccs_code)}` : "No category chosen yet.");
    fill();
    return h("div", { class: "picker" },
      h("label", { for: searchId }, "Search the offence categories (ICCS)"), search,
      h("label", { for: listId }, "Offence category (ICCS)"), list, chosen);
  }

  function identifierRows() {
    const box = h("div");
    const draw = () => {
      box.replaceChildren(
        ...req.identifiers.map((idf, i) => {
          const tId = nextId("idtype");
          const vId = nextId("idval");
          const t = h("select", { id: tId }, opts("IdentifierType").map(([v, tx]) => h("option", { value: v }, tx)));
          t.value = idf.type;
          t.addEventListener("change", () => { idf.type = t.value; changed(); });
          const v = h("input", { id: vId, value: idf.value });
          v.addEventListener("input", () => { idf.value = v.value; changed(); });
          return h("div", { class: "row" },
            h("div", {}, h("label", { for: tId }, `Identifier ${i + 1} type`), t),
            h("div", {}, h("label", { for: vId }, `Identifier ${i + 1} value`), v),
            h("button", { type: "button", class: "secondary", "aria-label": `Remove identifier ${i + 1}`,
              onclick: () => { req.identifiers.splice(i, 1); draw(); changed(); } }, "Remove"));
        }),
        h("button", { type: "button", class: "secondary", onclick: () => { req.identifiers.push({ type: "ACCOUNT_ID", value: "" }); draw(); changed(); } }, "Add an identifier"),
      );
    };
    draw();
    return box;
  }

  const validation = h("div", { hidden: !req.validating_authority });
  if (req.validating_authority === undefined) req.validating_authority = null;
  function validatorFields() {
    const va = req.validating_authority || {};
    req.validating_authority = va;
    return [
      field("Validating authority", "validating_authority.id", {
        options: validators.map((p) => [p.id, p.name]), blank: "Choose…",
        after: (v) => { const p = validators.find((x) => x.id === v); if (p) Object.assign(va, { name: p.name, state: p.state, type: va.type || "JUDGE" }); },
      }),
      field("Validating authority type", "validating_authority.type", { options: opts("AuthorityType") }),
      field("Validating authority contact", "validating_authority.contact"),
    ];
  }
  const validationToggle = h("input", { type: "checkbox", checked: !!req.validating_authority });
  validationToggle.addEventListener("change", () => {
    if (validationToggle.checked) {
      fill(validation, validatorFields());
      validation.hidden = false;
    } else {
      req.validating_authority = null;
      validation.hidden = true;
    }
    changed();
  });
  if (req.validating_authority) fill(validation, validatorFields());

  const emergencyBox = h("div", { hidden: !req.urgency.is_emergency },
    field("Nature of the emergency", "urgency.emergency_type", { options: opts("EmergencyType"), blank: "Choose…" }),
    field("Why it is an emergency", "urgency.justification", { textarea: true }));

  const steps = [
    ["Authority and proceedings", [
      h("p", { class: "hint" }, `Issuing authority: ${party.name} (${party.id}), ${label("state", party.state)}.`),
      h("div", { class: "grid" },
        field("Issuing authority type", "issuing_authority.type", { options: opts("AuthorityType") }),
        field("Issuing authority contact", "issuing_authority.contact", { type: "email" }),
        field("Case reference", "case_reference"),
        field("Type of proceedings", "proceedings_type", { options: opts("ProceedingsType") }),
        field("National legal basis", "domestic_legal_basis", { list: true, keepCase: true, hint: "Provisions, separated by semicolons" })),
      checkbox("Proceedings have been instituted", "proceedings_instituted"),
      h("label", { class: "inline" }, validationToggle, "The order is issued or validated by a judge, court or investigating judge"),
      validation,
    ]],
    ["Offence", [
      iccsPicker(),
      h("div", { class: "grid" },
        field("National provision", "offences.0.national_provision", { hint: "e.g. StGB § 263" }),
        field("Maximum penalty (months)", "offences.0.max_penalty_months", { type: "number" }),
        field("States where the offence was committed", "offences.0.locus_states", { list: true, hint: "ISO codes, e.g. DE, FR" })),
      field("Description of the offence", "offences.0.description", { textarea: true }),
    ]],
    ["Persons", [
      checkbox("The person is identified", "subject.known"),
      h("div", { class: "grid" },
        field("Role of the person", "subject.role", { options: opts("SubjectRole") }),
        field("Nationality", "subject.nationality", { list: true, hint: "ISO codes, or UNKNOWN" }),
        field("State of residence", "subject.residence_state", { options: stateOpts(true) }),
        field("Current location", "subject.current_location_state", { options: stateOpts(true) }),
        field("Confidence in the location", "subject.location_confidence", { options: opts("LocationConfidence") }),
        field("Professional privilege", "subject.professional_privilege", { options: opts("Privilege") })),
    ]],
    ["Provider and data", [
      h("div", { class: "grid" },
        field("Service provider", "provider.id", {
          options: providers.map((p) => [p.id, p.name]), blank: "Choose…",
          after: (v) => { const p = providers.find((x) => x.id === v); if (p) { req.provider.legal_name = p.name; req.provider.hq_state = p.state; } },
        }),
        field("Establishment State", "provider.establishments.0.state", { options: stateOpts(false), blank: "Choose…" }),
        field("Establishment type", "provider.establishments.0.type", { options: opts("EstablishmentType") }),
        field("Establishment register number", "provider.establishments.0.legal_entity_id"),
        field("States where the service is offered", "provider.offers_services_in", { list: true }),
        field("Where the data are stored", "provider.data_location", { list: true, hint: "ISO codes, or UNKNOWN" }),
        field("The provider's role for the data", "provider.role_for_data", { options: opts("RoleForData") }),
        field("Measure", "measure", { options: opts("Measure") })),
      checkboxes("Services", "provider.services", "Service"),
      checkboxes("Data categories", "data_categories", "DataCategory"),
      field("Data items", "data_items", { list: true, keepCase: true, hint: "e.g. name; postal address" }),
    ]],
    ["Identifiers", [identifierRows()]],
    ["Urgency", [
      checkbox("This is an emergency: an imminent threat to life, physical integrity or safety, or to critical infrastructure", "urgency.is_emergency",
        (on) => { emergencyBox.hidden = !on; }),
      emergencyBox,
    ]],
    ["Justification and necessity", [
      field("Summary of the facts", "facts_summary", { textarea: true }),
      field("Why these data are relevant", "relevance_statement", { textarea: true }),
      field("Why the measure is necessary and proportionate", "necessity_statement", { textarea: true }),
      field("Why the provider holds the data", "provider_possession_basis", { textarea: true }),
      field("Retention period (days)", "retention_period_days", { type: "number" }),
    ]],
    ["User notification", [
      field("User-notification plan", "user_notification_plan.mode", { options: opts("NoticeMode") }),
      field("Reasons for a delay, restriction or omission", "user_notification_plan.justification", { textarea: true }),
      field("Review date of the delay", "user_notification_plan.review_date", { type: "date" }),
    ]],
    ["Review and file", [submitArea]],
  ];

  let current = 0;
  const stepNav = h("ol", { class: "steps", "aria-label": "Steps" });
  const sections = steps.map(([title, content], i) =>
    h("fieldset", { hidden: i !== 0, "data-step": String(i) }, h("legend", { text: `${i + 1}. ${title}` }), content));
  const go = (i) => {
    current = i;
    sections.forEach((s, j) => (s.hidden = j !== i));
    drawNav();
    if (i === steps.length - 1) drawSubmit();
    sections[i].querySelector("input, select, textarea, button")?.focus();
    save();
  };
  function drawNav() {
    stepNav.replaceChildren(...steps.map(([title], i) =>
      h("li", {}, h("button", { type: "button", "aria-current": i === current ? "step" : null, onclick: () => go(i) }, `${i + 1}. ${title}`))));
  }
  drawNav();

  // --- drafts ---
  let saving = Promise.resolve();
  function save() {
    saving = saving.then(async () => {
      try {
        if (!draft) draft = await api("POST", "/api/v1/drafts", { request: req });
        else draft = await api("POST", `/api/v1/drafts/${draft.id}`, { version: draft.version, request: req });
        saveStatus.textContent = `Draft saved (version ${draft.version}).`;
        if (!draftId) history.replaceState(null, "", `#/draft/${draft.id}`);
      } catch (x) {
        saveStatus.textContent = `Draft not saved: ${x.message}`;
      }
    });
    return saving;
  }

  // --- live engine ---
  // Every change: the engine after a short pause, the draft after a longer one.
  let timer = null;
  let saveTimer = null;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(evaluate, 250);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 2000);
  }
  // Leaving the wizard (another page, another language) saves first.
  state.beforeLeave = () => {
    clearTimeout(saveTimer);
    return save();
  };
  async function evaluate() {
    const body = cleaned(req);
    const sent = JSON.stringify(body);
    try {
      const d = await api("POST", "/api/v1/evaluate", body);
      if (JSON.stringify(cleaned(req)) !== sent) return;  // the request moved on meanwhile
      lastDecision = d;
      lastEvaluated = sent;
      const applicable = d.pathways.filter((p) => p.status !== "not_applicable");
      fill(panel,
        h("h2", { text: "Lawful pathways" }),
        summaryBlock(d),
        applicable.map((p) => pathwayBlock(p, { statement: d.provider_statement })),
        h("p", { class: "hint" }, `${d.pathways.length - applicable.length} pathways do not apply to this request.`),
      );
    } catch (x) {
      if (JSON.stringify(cleaned(req)) !== sent) return;
      lastDecision = null;
      lastEvaluated = "";
      fill(panel, h("h2", { text: "To complete" }),
        x.status === 422
          ? h("ul", { class: "missing" }, (x.problem.errors || []).map((e) => h("li", {}, h("code", { text: e.path }), " — ", e.message)))
          : problemBox(x));
    }
    if (current === steps.length - 1) drawSubmit();
  }

  function drawSubmit() {
    const d = lastDecision && lastEvaluated === JSON.stringify(cleaned(req)) ? lastDecision : null;
    const err = h("div");
    if (!d) {
      submitArea.replaceChildren(h("p", { class: "error" }, "The request is not complete: see “To complete” beside the form."));
      return;
    }
    const open = d.pathways.filter((p) => p.rank !== null && p.rank !== undefined);  // lawful = ranked, as the server decides
    if (!open.length) {
      submitArea.replaceChildren(h("p", { class: "error" }, "No lawful pathway is open for this request as it stands: see the failing checks and what would make one available."));
      return;
    }
    const name = nextId("pathway");
    const keyId = nextId("key");
    const daysId = nextId("days");
    const button = h("button", { type: "submit" }, "Sign and file the request");
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        err.replaceChildren();
        const pick = form.querySelector(`input[name="${name}"]:checked`);
        // Filed only as evaluated: the chosen pathway must be open for exactly this request.
        const now = JSON.stringify(cleaned(req));
        if (!pick || now !== lastEvaluated) {
          err.replaceChildren(problemBox(new Error("Choose an open pathway for the request as it stands.")));
          return;
        }
        const [pathway, role] = pick.value.split("|");
        button.disabled = true;
        try {
          const signing = await readKey(form.querySelector(`#${keyId}`));
          const order = makeOrder(cleaned(req), Number(form.querySelector(`#${daysId}`).value) || 30);
          const signed = { order, signatures: [await signOrder(order, "officer", signing)] };
          const c = await api("POST", "/api/v1/cases", { signed_order: signed, pathway, role });
          state.beforeLeave = null;
          clearTimeout(saveTimer);
          await saving;
          if (draft) await api("POST", `/api/v1/drafts/${draft.id}/delete`, {}).catch(() => {});
          announce("Request filed");
          location.hash = `#/case/${c.id}`;
        } catch (x) {
          err.replaceChildren(problemBox(x));
          button.disabled = false;
        }
      },
    },
      h("fieldset", {}, h("legend", {}, "Pathway"),
        open.map((p) => h("label", { class: "inline" },
          h("input", { type: "radio", name, value: `${p.pathway}|${p.role}`, required: true }),
          `${label("pathway", p.pathway)}${p.role === "preservation_companion" ? " (preservation)" : ""} · rank ${p.rank}`))),
      h("label", { for: daysId }, "The order is valid for (days)"),
      h("input", { id: daysId, type: "number", min: 1, max: 365, value: 30 }),
      keyInput(keyId),
      h("p", {}, button),
      err);
    submitArea.replaceChildren(form);
  }

  page(
    draftId ? "Request draft" : "New request",
    h("div", { class: "row noprint" }, h("button", { type: "button", class: "secondary", onclick: () => save() }, "Save draft"), saveStatus),
    stepNav,
    h("div", { class: "layout" },
      h("form", { onsubmit: (e) => e.preventDefault(), "aria-label": "Request" }, sections,
        h("p", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: () => current > 0 && go(current - 1) }, "Back"),
          h("button", { type: "button", onclick: () => current < steps.length - 1 && go(current + 1) }, "Next"))),
      h("aside", { "aria-label": "Engine" }, panel)),
  );
  evaluate();
}

// ---------- router ----------

const routes = [
  [/^#\/login$/, viewLogin],
  [/^#\/desk$/, viewDesk],
  [/^#\/new$/, () => viewWizard(null)],
  [/^#\/draft\/([\w-]+)$/, viewWizard],
  [/^#\/case\/([\w-]+)$/, viewCase],
  [/^#\/case\/([\w-]+)\/memo$/, viewMemo],
];

async function route() {
  const leave = state.beforeLeave;
  state.beforeLeave = null;
  if (leave) await leave();
  const hash = location.hash || "#/desk";
  if (!state.session && hash !== "#/login") {
    location.hash = "#/login";
    return;
  }
  for (const [re, view] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    try {
      await view(...m.slice(1));
    } catch (x) {
      if (x.status === 401) {
        state.session = null;
        renderShell();
        location.hash = "#/login";
        return;
      }
      page(x.status === 404 ? "Not found" : "Something went wrong", problemBox(x), h("p", {}, h("a", { href: "#/desk" }, "Back to the desk")));
    }
    return;
  }
  page("Not found", h("p", {}, h("a", { href: "#/desk" }, "Back to the desk")));
}

async function start() {
  state.labels = await (await fetch("/app/labels.json")).json();
  const langSelect = document.getElementById("lang");
  langSelect.value = state.lang;
  langSelect.addEventListener("change", () => {
    state.lang = langSelect.value;
    localStorage.setItem("comity.lang", state.lang);
    renderShell();
    route();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await api("POST", "/api/v1/session/logout", {}).catch(() => {});
    state.session = null;
    renderShell();
    location.hash = "#/login";
  });
  try {
    state.session = await api("GET", "/api/v1/session");
  } catch {
    state.session = null;
  }
  renderShell();
  window.addEventListener("hashchange", route);
  route();
}

start();
