enum DashboardScript {
    static let js = #"""
"use strict";
// OpenPieces dashboard: hash routes, one function per page, everything through /api/v1 with the session cookie.
const main = () => document.getElementById("main");
let csrf = "";
let cleanup = [];

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else if (k === "value") e.value = v;
    else if (v === true) e.setAttribute(k, "");
    else if (v !== false && v != null) e.setAttribute(k, v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) e.append(kid.nodeType ? kid : String(kid));
  return e;
}

function toast(message) {
  const t = document.getElementById("toast");
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

async function api(method, path, body) {
  const r = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401 && !path.startsWith("/api/v1/auth/")) { location.hash = "#/login"; throw new Error("Please log in."); }
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { text }; }
  if (!r.ok) throw new Error((data && data.error && data.error.message) || `HTTP ${r.status}`);
  return data;
}

// Runs an action, showing its error instead of failing silently.
function act(fn) {
  return async (event) => {
    if (event && event.preventDefault) event.preventDefault();
    try { await fn(event); } catch (e) { toast(e.message); }
  };
}

function badge(status) { return h("span", { class: `badge ${status || ""}` }, status || "—"); }
function pre(value) { return h("pre", {}, typeof value === "string" ? value : JSON.stringify(value, null, 2)); }
function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }
function page(title, ...kids) {
  main().replaceChildren(h("h1", {}, title), ...kids.flat(Infinity).filter((k) => k != null && k !== false));
  document.title = `${title} · OpenPieces`;
}
function field(label, input) { const id = "f" + Math.random().toString(36).slice(2); input.id = id; return h("div", {}, h("label", { for: id }, label), input); }

// Server-Sent Events from a fetch response (POST streams cannot use EventSource).
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) { let parsed; try { parsed = JSON.parse(data); } catch { parsed = data; } onEvent(name, parsed); }
    }
  }
}

// ---- pages ----

async function loginPage() {
  document.getElementById("nav").hidden = true;
  const token = h("input", { type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login", onsubmit: act(async () => {
    const r = await api("POST", "/api/v1/auth/login", { token: token.value });
    csrf = r.csrf;
    location.hash = "#/chat";
  }) },
    h("h1", {}, "Log in"),
    h("p", { class: "muted" }, "Use the admin token printed when the server first started."),
    field("Admin token", token),
    h("p", {}, h("button", { class: "primary", type: "submit" }, "Log in")));
  main().replaceChildren(form);
  token.focus();
}

async function chatPage(id) {
  const [{ chats }, chat] = await Promise.all([api("GET", "/api/v1/chats?agent=orchestrator"), id ? api("GET", `/api/v1/chats/${id}`) : null]);
  const msgs = h("div", { class: "msgs card", "aria-live": "polite" });
  const draw = story(msgs);
  if (chat) replay(chat.messages, draw);
  // A code-generation session is read, not continued: the agent is reached through its service.
  if (chat && chat.agent !== "orchestrator") {
    page(`Code-generation session: ${chat.title}`, h("p", {}, "The agent's transcript for ", h("a", { href: `#/services/${chat.title}` }, chat.title), "."), msgs);
    return;
  }
  // A new chat may run on a model of its own; its usage (calls, tokens, cost) shows under it.
  const model = h("input", { placeholder: "configured model", value: (chat && chat.model) || "", disabled: !!chat });
  const usage = chat && chat.usage ? h("p", { class: "muted", "aria-label": "Usage" },
    `${chat.model || "configured model"} · ${chat.usage.calls} model calls · ${chat.usage.tokens.toLocaleString()} tokens`
      + (chat.usage.cost === null ? "" : ` · cost ${chat.usage.cost.toFixed(4)}`)) : null;
  const list = h("div", { class: "chatlist" },
    h("button", { class: "primary", type: "button", onclick: act(async () => {
      const c = await api("POST", "/api/v1/chats", model.value ? { model: model.value } : {});
      location.hash = `#/chat/${c.id}`;
    }) }, "New chat"), field("Model", model),
    chats.map((c) => h("button", { type: "button", "aria-current": c.id === id ? "true" : false, onclick: () => { location.hash = `#/chat/${c.id}`; } }, c.title)));
  const input = h("textarea", { rows: 2, placeholder: "e.g. create a notes API with title and body", required: true });
  const send = h("button", { class: "primary", type: "submit" }, "Send");
  const form = h("form", { class: "inline", onsubmit: act(async () => {
    let chatID = id;
    if (!chatID) { chatID = (await api("POST", "/api/v1/chats", model.value ? { model: model.value } : {})).id; history.replaceState(null, "", `#/chat/${chatID}`); id = chatID; }
    const text = input.value;
    input.value = "";
    draw("user", { text });
    send.disabled = true;
    try {
      const r = await fetch(`/api/v1/chats/${chatID}/messages`, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ content: text }) });
      if (!r.ok) { const e = await r.json().catch(() => ({})); throw new Error((e.error && e.error.message) || `HTTP ${r.status}`); }
      await readEvents(r, draw);
    } finally { send.disabled = false; }
  }) }, field("Message", input), send);
  page("Chat", h("div", { class: "chat" }, list, h("div", {}, usage, msgs, form)));
  input.focus();
}

async function servicesPage() {
  const { services } = await api("GET", "/api/v1/services");
  const rows = services.map((s) => h("tr", {},
    h("td", {}, h("a", { href: `#/services/${s.slug}` }, s.slug), h("div", { class: "muted" }, s.title)),
    h("td", {}, s.kind), h("td", {}, badge(s.status)), h("td", {}, `v${s.version}`),
    h("td", {}, h("a", { href: s.url, target: "_blank", rel: "noopener" }, s.url), " ",
      h("button", { type: "button", onclick: act(async () => { await navigator.clipboard.writeText(s.url); toast("URL copied"); }) }, "Copy")),
    h("td", {}, s.status === "running"
      ? h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/services/${s.slug}/stop`); render(); }) }, "Stop")
      : h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/services/${s.slug}/start`); render(); }) }, "Start"))));
  page("Services", services.length ? h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Service", "Kind", "Status", "Version", "URL", ""].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, rows)))
    : h("p", { class: "card" }, "No services yet. Ask for one in ", h("a", { href: "#/chat" }, "Chat"), "."));
}

function tryForm(slug, e) {
  const props = (e.inputSchema && e.inputSchema.properties) || null;
  const inputs = {};
  const out = h("div");
  let raw = null;
  const fields = [];
  if (props) for (const [name, schema] of Object.entries(props)) {
    const type = schema.type;
    const input = type === "boolean" ? h("select", {}, h("option", { value: "" }, "—"), h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"))
      : (type === "object" || type === "array") ? h("textarea", { rows: 2, placeholder: "JSON" }) : h("input", { type: type === "integer" || type === "number" ? "number" : "text", step: "any" });
    inputs[name] = [input, type];
    fields.push(field(`${name}${(e.inputSchema.required || []).includes(name) ? " (required)" : ""}`, input));
  } else { raw = h("textarea", { rows: 3, value: "{}" }); fields.push(field("Input (JSON)", raw)); }
  return h("form", { onsubmit: act(async () => {
    let input = {};
    if (raw) input = JSON.parse(raw.value || "{}");
    else for (const [name, [el, type]] of Object.entries(inputs)) {
      if (el.value === "") continue;
      input[name] = type === "integer" || type === "number" ? Number(el.value) : type === "boolean" ? el.value === "true" : (type === "object" || type === "array") ? JSON.parse(el.value) : el.value;
    }
    const r = await api("POST", `/api/v1/services/${slug}/endpoints/${e.id}/call`, { input });
    out.replaceChildren(h("div", { class: "muted" }, `HTTP ${r.status} in ${r.ms} ms`), pre(r.output));
  }) }, fields, h("p", {}, h("button", { class: "primary", type: "submit" }, "Try it")), out);
}

async function serviceDetailPage(slug) {
  const s = await api("GET", `/api/v1/services/${slug}`);
  const logs = h("pre", { "aria-label": "Logs" });
  const source = new EventSource(`/api/v1/services/${slug}/logs?follow=1&tail=100`);
  source.onmessage = (m) => { logs.textContent += m.data + "\n"; logs.scrollTop = logs.scrollHeight; };
  source.onerror = () => source.close();
  cleanup.push(() => source.close());
  const code = await codePanel(slug);
  const control = (label, action) => h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/services/${slug}/${action}`); render(); }) }, label);
  page(s.title || s.slug,
    h("div", { class: "card" },
      h("div", { class: "row" }, badge(s.status), h("span", {}, `${s.kind} · version ${s.version}`), control("Start", "start"), control("Stop", "stop"), control("Restart", "restart"),
        s.placement && s.placement.pinned && !s.placement.live ? control("Move", "move") : null),
      s.reason ? h("p", { class: "muted" }, s.reason) : null,
      s.placement ? h("p", { class: "muted", "aria-label": "Placement" }, s.placement.pinned
        ? `Pinned to replica ${s.placement.node}: its data/ lives on that replica's disk, so it runs only there${s.placement.live ? "" : " (which does not answer now: it runs again when that replica is back; if it is gone for good, Move starts it elsewhere without that data)"}. A --services-root every replica mounts lets it move.`
        : `Runs on replica ${s.placement.node}${s.placement.live ? "" : " (not answering: another replica takes it over)"}.`) : null,
      h("p", {}, h("a", { href: s.url, target: "_blank", rel: "noopener" }, s.url)),
      (s.secrets || []).length ? h("p", {}, "Secrets: ", s.secrets.map((x) => h("span", { class: `badge ${x.set ? "ok" : "error"}` }, `${x.name} ${x.set ? "set" : "missing"}`)), " ", h("a", { href: "#/secrets" }, "fill them")) : null),
    h("h2", {}, "Endpoints"),
    (s.endpoints || []).map((e) => h("details", { class: "card" }, h("summary", {}, `${e.method} ${e.path} — ${e.description || ""}`),
      e.outputSchema ? h("details", {}, h("summary", {}, "answers (output schema)"), pre(e.outputSchema)) : null, tryForm(slug, e))),
    code,
    h("h2", {}, "Logs (live)"), logs);
}

async function workflowsPage() {
  const { workflows } = await api("GET", "/api/v1/workflows");
  page("Workflows", workflows.length ? workflows.map((w) => h("div", { class: "card" },
    h("div", { class: "row" }, h("strong", {}, w.title), badge(w.status), h("span", { class: "muted" }, w.slug)),
    w.description ? h("p", {}, w.description) : null,
    h("p", { class: "muted" }, `Trigger: ${w.trigger || "none"} · Actions: ${(w.actions || []).join(", ") || "none"}`),
    h("ol", {}, (w.steps || []).map((s) => h("li", {}, s))),
    h("div", { class: "row" },
      h("button", { type: "button", onclick: act(async () => { const r = await api("POST", `/api/v1/workflows/${w.slug}/run`, { input: {} }); location.hash = `#/runs/${r.id}`; }) }, "Run now"),
      h("a", { href: `#/runs?workflow=${w.slug}` }, "Runs")))) : h("p", { class: "card" }, "No workflows yet."));
}

async function tasksPage() {
  const [{ tasks }, { workflows }] = await Promise.all([api("GET", "/api/v1/tasks"), api("GET", "/api/v1/workflows")]);
  const wf = h("select", { required: true }, workflows.map((w) => h("option", { value: w.slug }, w.slug)));
  const schedule = h("input", { placeholder: "0 8 * * MON-FRI" });
  const at = h("input", { type: "datetime-local", step: 1 });
  const zone = h("input", { value: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
  const create = h("form", { class: "card inline", onsubmit: act(async () => {
    if (!schedule.value && !at.value) throw new Error("Give a cron schedule, or a time to run once.");
    const body = { workflow: wf.value, timezone: zone.value };
    if (schedule.value) body.schedule = schedule.value; else body.at = new Date(at.value).toISOString();
    const t = await api("POST", "/api/v1/tasks", body);
    toast(`Next runs: ${(t.preview || []).map(when).join(", ")}`);
    render();
  }) }, field("Workflow", wf), field("Cron schedule", schedule), field("…or run once at", at), field("Time zone", zone), h("button", { class: "primary", type: "submit" }, "Create task"));
  const rows = await Promise.all(tasks.map(async (t) => {
    const detail = await api("GET", `/api/v1/tasks/${t.id}?next=3`);
    return h("tr", {}, h("td", {}, t.workflow), h("td", {}, h("code", {}, t.schedule || t.at), h("div", { class: "muted" }, t.description)),
      h("td", {}, (detail.preview || []).map((p) => h("div", {}, when(p)))), h("td", {}, badge(t.enabled ? "active" : "stopped"), " ", t.enabled ? "enabled" : "disabled"),
      h("td", {}, h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/tasks/${t.id}/${t.enabled ? "disable" : "enable"}`); render(); }) }, t.enabled ? "Disable" : "Enable"), " ",
        h("button", { type: "button", class: "danger", onclick: act(async () => { await api("DELETE", `/api/v1/tasks/${t.id}`); render(); }) }, "Delete")));
  }));
  page("Tasks", workflows.length ? create : h("p", { class: "card" }, "Create a workflow first (in Chat)."),
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Workflow", "Schedule", "Next runs", "State", ""].map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows))));
}

async function runsPage(query) {
  const workflow = new URLSearchParams(query).get("workflow");
  const { runs } = await api("GET", `/api/v1/runs?limit=100${workflow ? `&workflow=${encodeURIComponent(workflow)}` : ""}`);
  page(workflow ? `Runs of ${workflow}` : "Runs", runs.length ? h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Run", "Workflow", "Status", "Cause", "Created", "Result"].map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, runs.map((r) => h("tr", {}, h("td", {}, h("a", { href: `#/runs/${r.id}` }, r.id.slice(0, 8))), h("td", {}, r.workflow), h("td", {}, badge(r.status)),
      h("td", {}, r.cause), h("td", {}, when(r.created)), h("td", {}, r.error || r.report || ""))))))
    : h("p", { class: "card" }, "No runs yet."));
}

async function runDetailPage(id) {
  const run = await api("GET", `/api/v1/runs/${id}`);
  const steps = h("ol", { class: "timeline" });
  const addStep = (s) => steps.append(h("li", { class: s.status }, h("strong", {}, `${s.seq}. ${s.tool}`), " ", badge(s.status), ` ${s.ms} ms`,
    h("details", {}, h("summary", {}, "input"), pre(s.input)), h("details", {}, h("summary", {}, "output"), pre(s.output))));
  (run.steps || []).forEach(addStep);
  const status = h("span", {}, badge(run.status));
  const result = h("p", {}, run.error || run.report || "");
  if (!["succeeded", "failed", "cancelled"].includes(run.status)) {
    const source = new EventSource(`/api/v1/runs/${id}/events`);
    const seen = new Set((run.steps || []).map((s) => s.seq));
    source.addEventListener("step", (m) => { const s = JSON.parse(m.data); if (!seen.has(s.seq)) { seen.add(s.seq); addStep(s); } });
    source.addEventListener("status", (m) => status.replaceChildren(badge(JSON.parse(m.data).status)));
    source.addEventListener("done", (m) => { const r = JSON.parse(m.data); status.replaceChildren(badge(r.status)); result.textContent = r.error || r.report || ""; source.close(); });
    source.onerror = () => source.close();
    cleanup.push(() => source.close());
  }
  page(`Run ${id.slice(0, 8)}`,
    h("div", { class: "card" }, h("div", { class: "row" }, status, h("span", {}, `${run.workflow} · ${run.cause} · attempt ${run.attempts}`),
      ["succeeded", "failed", "cancelled"].includes(run.status) ? null
        : h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/runs/${id}/cancel`); render(); }) }, "Cancel"),
      h("button", { type: "button", onclick: act(async () => { const r = await api("POST", `/api/v1/runs/${id}/rerun`); location.hash = `#/runs/${r.id}`; }) }, "Re-run")),
      result, run.usage && run.usage.calls ? h("p", { class: "muted" }, `${run.usage.calls} model calls · ${run.usage.tokens.toLocaleString()} tokens`
        + (run.usage.cost === null ? "" : ` · cost ${run.usage.cost.toFixed(4)}`)) : null,
      h("details", {}, h("summary", {}, "input"), pre(run.input))),
    h("h2", {}, "Steps"), steps);
}

async function secretsPage() {
  const { secrets } = await api("GET", "/api/v1/secrets");
  const name = h("input", { placeholder: "NAME", pattern: "[A-Z][A-Z0-9_]*", required: true });
  const value = h("input", { type: "password", autocomplete: "off", required: true });
  const add = h("form", { class: "card inline", onsubmit: act(async () => { await api("PUT", `/api/v1/secrets/${name.value}`, { value: value.value }); toast(`${name.value} set`); render(); }) },
    field("Name", name), field("Value (never shown again)", value), h("button", { class: "primary", type: "submit" }, "Save"));
  const rows = secrets.map((s) => {
    const v = h("input", { type: "password", autocomplete: "off", "aria-label": `Value of ${s.name}` });
    return h("tr", {}, h("td", {}, h("code", {}, s.name)), h("td", {}, badge(s.set ? "ok" : "error"), s.set ? " set" : " missing"),
      h("td", {}, (s.services || []).join(", ")),
      h("td", {}, h("form", { class: "inline", onsubmit: act(async () => { await api("PUT", `/api/v1/secrets/${s.name}`, { value: v.value }); toast(`${s.name} set`); render(); }) },
        v, h("button", { type: "submit" }, s.set ? "Replace" : "Fill"))),
      h("td", {}, s.set ? h("button", { type: "button", class: "danger", onclick: act(async () => { await api("DELETE", `/api/v1/secrets/${s.name}`); render(); }) }, "Delete") : ""));
  });
  page("Secrets", add, h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Name", "State", "Needed by", "Value", ""].map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows))));
}

async function brainPage(query) {
  const q = new URLSearchParams(query).get("q") || "";
  const { entries } = await api("GET", `/api/v1/brain${q ? `?query=${encodeURIComponent(q)}` : ""}`);
  const search = h("input", { type: "search", value: q, placeholder: "Search memory" });
  page("Brain", h("form", { class: "inline card", role: "search", onsubmit: act(async () => { location.hash = `#/brain?q=${encodeURIComponent(search.value)}`; }) },
    field("Search", search), h("button", { type: "submit" }, "Search")),
    entries.map((e) => {
      const text = h("textarea", { rows: 2, value: e.text, "aria-label": "Entry text" });
      return h("div", { class: "card" }, h("div", { class: "row" }, badge(e.kind), h("span", { class: "muted" }, `confidence ${Number(e.confidence).toFixed(2)} · ${(e.tags || []).join(", ")}`)), text,
        h("div", { class: "row" }, h("button", { type: "button", onclick: act(async () => { await api("PATCH", `/api/v1/brain/${e.id}`, { text: text.value }); toast("Saved"); }) }, "Save"),
          h("button", { type: "button", class: "danger", onclick: act(async () => { await api("DELETE", `/api/v1/brain/${e.id}`); render(); }) }, "Delete")));
    }));
}

async function assetsPage(query) {
  const q = new URLSearchParams(query).get("q") || "";
  const { snippets } = await api("GET", `/api/v1/assets${q ? `?query=${encodeURIComponent(q)}` : ""}`);
  const search = h("input", { type: "search", value: q, placeholder: "Search snippets" });
  page("Assets", h("form", { class: "inline card", role: "search", onsubmit: act(async () => { location.hash = `#/assets?q=${encodeURIComponent(search.value)}`; }) },
    field("Search", search), h("button", { type: "submit" }, "Search")),
    snippets.length ? snippets.map((s) => h("details", { class: "card" }, h("summary", {}, `${s.name} (${s.language})`), pre(s.text))) : h("p", { class: "card" }, "No snippets."));
}

async function settingsPage() {
  const [s, pub] = await Promise.all([api("GET", "/api/v1/settings/llm"), api("GET", "/api/v1/settings/public-url")]);
  const publicUrl = h("input", { type: "url", value: pub.publicUrl, required: true });
  const base = h("input", { value: s.baseUrl || "", placeholder: "https://api.openai.com/v1" });
  const model = h("input", { value: s.model || "", placeholder: "gpt-4o-mini" });
  const key = h("input", { type: "password", autocomplete: "off", placeholder: s.apiKey && s.apiKey.set ? `(set: ${s.apiKey.hint || "…"}; leave empty to keep)` : "" });
  page("Settings",
    h("form", { class: "card", onsubmit: act(async () => {
      const body = {};
      if (base.value) body.baseUrl = base.value;
      if (model.value) body.model = model.value;
      if (key.value) body.apiKey = key.value;
      await api("PUT", "/api/v1/settings/llm", body);
      toast("Model settings saved");
      render();
    }) }, h("h2", {}, "Model provider"), h("p", { class: "muted" }, s.baseUrl ? `Using ${s.baseUrl}` : "Using the embedded offline engine (the families in the README's Offline engine section)."),
      field("Base URL (OpenAI-compatible)", base), field("Model", model), field("API key", key),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit" }, "Save"),
        h("button", { type: "button", onclick: act(async () => { await api("DELETE", "/api/v1/settings/llm"); toast("Back to the offline engine"); render(); }) }, "Use the offline engine"))),
    h("form", { class: "card", onsubmit: act(async () => { await api("PUT", "/api/v1/settings/public-url", { publicUrl: publicUrl.value }); toast("Public URL saved"); render(); }) },
      h("h2", {}, "Public URL"), h("p", { class: "muted" }, `Service URLs are shown under it (now from ${pub.source === "flag" ? "--public-url" : pub.source}).`),
      field("Public URL", publicUrl), h("p", {}, h("button", { class: "primary", type: "submit", disabled: pub.source === "flag" }, "Save public URL"))));
}

async function keysPage() {
  const { keys } = await api("GET", "/api/v1/api-keys");
  const name = h("input", { required: true, placeholder: "ci" });
  const scopes = ["read", "write", "admin"].map((s) => h("label", { class: "row" }, h("input", { type: "checkbox", value: s, checked: s === "read", style: false }), s));
  const shown = h("div");
  page("API keys",
    h("form", { class: "card", onsubmit: act(async () => {
      const chosen = scopes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      const k = await api("POST", "/api/v1/api-keys", { name: name.value, scopes: chosen });
      shown.replaceChildren(h("p", {}, "Copy this key now; it is not shown again:"), h("div", { class: "secret" }, k.key));
    }) }, field("Name", name), h("fieldset", {}, h("legend", {}, "Scopes"), scopes), h("p", {}, h("button", { class: "primary", type: "submit" }, "Create key")), shown),
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ["Name", "Key", "Scopes", "Created", "Last used", ""].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, keys.map((k) => h("tr", {}, h("td", {}, k.name), h("td", {}, h("code", {}, `${k.prefix}…`)), h("td", {}, k.scopes.join(", ")), h("td", {}, when(k.created)),
        h("td", {}, when(k.lastUsed)), h("td", {}, k.revoked ? badge("cancelled") : h("button", { type: "button", class: "danger", onclick: act(async () => { await api("DELETE", `/api/v1/api-keys/${k.id}`); render(); }) }, "Revoke"))))))));
}

async function webhooksPage() {
  const { webhooks, events } = await api("GET", "/api/v1/webhooks");
  const url = h("input", { type: "url", required: true, placeholder: "https://example.com/hooks/openpieces" });
  const boxes = events.map((e) => h("label", { class: "row" }, h("input", { type: "checkbox", value: e, checked: true }), e));
  const shown = h("div");
  const cards = await Promise.all(webhooks.map(async (w) => {
    const { deliveries } = await api("GET", `/api/v1/webhooks/${w.id}/deliveries`);
    return h("div", { class: "card" }, h("div", { class: "row" }, h("strong", {}, w.url),
      h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/webhooks/${w.id}/test`); toast("Test delivery queued"); }) }, "Send test"),
      h("button", { type: "button", class: "danger", onclick: act(async () => { await api("DELETE", `/api/v1/webhooks/${w.id}`); render(); }) }, "Delete")),
      h("p", { class: "muted" }, w.events.join(", ")),
      h("details", {}, h("summary", {}, `${deliveries.length} recent deliveries`), h("ul", {}, deliveries.map((d) => h("li", {}, `${d.event} `, badge(d.status),
        ` ${d.attempts.map((a) => a.status || a.error).join(" → ")} · ${when(d.created)}`)))));
  }));
  page("Webhooks",
    h("form", { class: "card", onsubmit: act(async () => {
      const w = await api("POST", "/api/v1/webhooks", { url: url.value, events: boxes.map((l) => l.querySelector("input")).filter((i) => i.checked).map((i) => i.value) });
      shown.replaceChildren(h("p", {}, "Signing secret (shown once; deliveries carry X-OpenPieces-Signature: t=…,v1=HMAC-SHA256):"), h("div", { class: "secret" }, w.secret));
    }) }, field("URL", url), h("fieldset", {}, h("legend", {}, "Events"), boxes), h("p", {}, h("button", { class: "primary", type: "submit" }, "Add webhook")), shown),
    cards);
}

// ---- routing ----

const routes = [
  [/^#\/login$/, loginPage], [/^#\/chat(?:\/([\w-]+))?$/, chatPage], [/^#\/services$/, servicesPage], [/^#\/services\/([\w-]+)$/, serviceDetailPage],
  [/^#\/workflows$/, workflowsPage], [/^#\/tasks$/, tasksPage], [/^#\/runs(?:\?(.*))?$/, runsPage], [/^#\/runs\/([\w-]+)$/, runDetailPage],
  [/^#\/secrets$/, secretsPage], [/^#\/brain(?:\?(.*))?$/, brainPage], [/^#\/assets(?:\?(.*))?$/, assetsPage], [/^#\/settings$/, settingsPage],
  [/^#\/keys$/, keysPage], [/^#\/webhooks$/, webhooksPage],
];

async function render() {
  for (const f of cleanup.splice(0)) f();
  const hash = location.hash || "#/chat";
  if (hash !== "#/login" && !csrf) {
    const s = await api("GET", "/api/v1/auth/session");
    if (!s.authenticated) { location.hash = "#/login"; return; }
    csrf = s.csrf || "";
  }
  document.getElementById("nav").hidden = hash === "#/login";
  for (const a of document.querySelectorAll("nav a")) {
    const section = a.getAttribute("href");
    if (hash === section || hash.startsWith(section + "/") || hash.startsWith(section + "?")) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const route = routes.find(([re]) => re.test(hash));
  if (!route) { location.hash = "#/chat"; return; }
  const args = hash.match(route[0]).slice(1);
  try { await route[1](...args); } catch (e) { toast(e.message); }
  // Move focus to the new page for keyboard and screen-reader users, unless the page focused a field itself.
  if (!main().contains(document.activeElement)) main().focus({ preventScroll: true });
}

window.addEventListener("hashchange", render);
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("logout").addEventListener("click", act(async () => { await api("POST", "/api/v1/auth/logout"); csrf = ""; location.hash = "#/login"; }));
  if (location.pathname === "/login") history.replaceState(null, "", "/#/login");
  render();
});
"""#
}
