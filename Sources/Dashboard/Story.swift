/// A chat's whole story, drawn by one function for the live stream and for a reopened chat: user messages, the
/// assistant's text (Markdown), its tool calls with their arguments and results (collapsible), and the
/// code-generation progress reported while a tool ran. A stored chat is replayed as the live stream's events.
enum DashboardStory {
    static let js = #"""

// ---- chat story ----

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return String(text ?? ""); }
}

// Returns emit(name, data) that draws one event of a turn into `container` (the names of the SSE stream).
function story(container) {
  const calls = {};
  let bubble = null, answer = "", open = null;
  const say = (text) => {
    if (!bubble) { bubble = h("div", { class: "msg assistant md" }); answer = ""; container.append(bubble); }
    answer = text;
    bubble.replaceChildren(...markdown(answer));
  };
  return (name, d) => {
    if (name === "user") { bubble = null; container.append(h("div", { class: "msg user" }, d.text)); }
    else if (name === "text") say((bubble ? answer : "") + d.text);
    else if (name === "done") { if (d.text) say(d.text); bubble = null; }
    else if (name === "tool_call") {
      bubble = null;
      const summary = h("summary", {}, `tool: ${d.name}`);
      const body = h("div", { class: "tool-body" }, h("div", { class: "muted" }, "Arguments"), pre(pretty(d.arguments)));
      const progress = h("div", { class: "progress-lines" });
      calls[d.id] = open = { summary, body, progress };
      container.append(h("div", { class: "tool" }, h("details", {}, summary, body), progress));
    } else if (name === "progress") {
      const call = (d.id && calls[d.id]) || open;
      (call ? call.progress : container).append(h("div", { class: "progress" }, d.message));
    } else if (name === "tool_result") {
      const call = calls[d.id];
      if (call) {
        call.summary.textContent = `tool: ${d.name} — ${d.ok ? "ok" : "failed"}${d.ms != null ? ` (${d.ms} ms)` : ""}`;
        call.summary.parentElement.classList.toggle("failed", !d.ok);
        call.body.append(h("div", { class: "muted" }, "Result"), pre(pretty(d.output)));
      }
      if (open === call) open = null;
    } else if (name === "budget") {
      bubble = null;
      container.append(h("div", { class: "msg assistant error", role: "status" }, `Stopped: this turn used ${d.reason}. Say "continue" to go on.`));
    } else if (name === "error") { bubble = null; container.append(h("div", { class: "msg assistant error" }, `Error: ${d.message}`)); }
    container.scrollTop = container.scrollHeight;
  };
}

// A stored chat as the events its turns streamed.
function replay(messages, emit) {
  const names = {};
  for (const m of messages || []) {
    if (m.role === "user") emit("user", { text: m.content || "" });
    else if (m.role === "assistant") {
      if (m.content) emit("done", { text: m.content });
      for (const c of m.toolCalls || []) { names[c.id] = c.name; emit("tool_call", c); }
    } else if (m.role === "tool") {
      const detail = m.detail || {};
      for (const line of detail.progress || []) emit("progress", { id: m.toolCallId, message: line });
      // Results stored before outcomes were kept: an error envelope means it failed.
      let ok = detail.ok;
      if (ok == null) { try { ok = !JSON.parse(m.content).error; } catch { ok = true; } }
      emit("tool_result", { id: m.toolCallId, name: names[m.toolCallId] || "tool", output: m.content || "", ok, ms: detail.ms });
    }
  }
}
"""#
}
