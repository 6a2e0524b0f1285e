/// The service page's Code panel: every version with what produced it (a chat, a repair, an upload), a version's
/// files, the diff between two versions or a version and the agent's workspace, and the code-generation sessions.
enum DashboardCode {
    static let js = #"""

// ---- a service's code ----

function bytes(n) { return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`; }

function versionSource(src) {
  const session = src.session ? [" · ", h("a", { href: `#/chat/${src.session}` }, "session")] : [];
  if (src.kind === "chat") return [h("a", { href: `#/chat/${src.chat}` }, `chat ${src.chat.slice(0, 8)}`), ...session];
  if (src.kind === "repair") return [`auto-repair ${src.repair.slice(0, 8)}`, ...session];
  if (src.kind === "codegen") return ["code-generation agent", ...session];
  if (src.kind === "upload") return ["upload (API or CLI)"];
  return ["not recorded"];
}

function diffView(d) {
  if (!d.files.length) return [h("p", { class: "card" }, `No differences (${d.unchanged} files the same).`)];
  return [h("p", { class: "muted" }, `${d.files.length} files differ, ${d.unchanged} the same.`), ...d.files.map((f) => h("div", { class: "card diff-file" },
    h("div", { class: "row" }, h("strong", {}, f.path), h("span", { class: `badge ${f.status}` }, f.status),
      h("span", { class: "muted" }, `+${f.additions} −${f.deletions}`)),
    f.binary ? h("p", { class: "muted" }, "Binary files differ.")
      : h("pre", { class: "diff", "aria-label": `Diff of ${f.path}` }, f.diff.replace(/\n$/, "").split("\n").map((line) => h("span", {
        class: line.startsWith("+++") || line.startsWith("---") || line.startsWith("\\") ? "meta" : line.startsWith("@@") ? "hunk"
          : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx" }, line + "\n")))))];
}

async function codePanel(slug) {
  const [{ versions, current }, { chats: sessions }] = await Promise.all([api("GET", `/api/v1/services/${slug}/versions`),
    api("GET", `/api/v1/chats?agent=codegen&service=${encodeURIComponent(slug)}`)]);
  const viewer = h("div", { "aria-live": "polite" });
  const showFiles = act(async (n) => {
    const { files } = await api("GET", `/api/v1/services/${slug}/versions/${n}/files`);
    viewer.replaceChildren(h("h3", {}, `Files of v${n}`), ...files.map((f, i) => h("details", { class: "card file", open: i === 0 },
      h("summary", {}, `${f.path} (${bytes(f.size)})`), f.binary ? h("p", { class: "muted" }, "Binary file.") : pre(f.text))));
  });
  const options = (extra) => [...versions.map((v) => h("option", { value: String(v.version) }, `v${v.version}`)), extra];
  const from = h("select", {}, options(null));
  const to = h("select", {}, options(h("option", { value: "workspace" }, "agent's workspace")));
  if (versions.length > 1) { from.value = String(versions[versions.length - 2].version); to.value = String(versions[versions.length - 1].version); }
  const compare = h("form", { class: "inline", onsubmit: act(async () => {
    const d = await api("GET", `/api/v1/services/${slug}/diff?from=${encodeURIComponent(from.value)}&to=${encodeURIComponent(to.value)}`);
    viewer.replaceChildren(h("h3", {}, `Changes from v${from.value} to ${to.value === "workspace" ? "the workspace" : `v${to.value}`}`), ...diffView(d));
  }) }, field("From", from), field("To", to), h("button", { type: "submit" }, "Compare"));
  const rows = versions.slice().reverse().map((v) => h("tr", {},
    h("td", {}, `v${v.version}`, v.current ? [" ", h("span", { class: "badge ok" }, "current")] : null),
    h("td", {}, when(v.created)), h("td", { class: "source" }, versionSource(v.source)),
    h("td", {}, h("button", { type: "button", onclick: () => showFiles(v.version) }, `Files of v${v.version}`), " ",
      v.version === current ? null : h("button", { type: "button", onclick: act(async () => { await api("POST", `/api/v1/services/${slug}/rollback`, { version: v.version }); render(); }) }, `Roll back to v${v.version}`))));
  return [
    h("h2", {}, "Code"),
    h("div", { class: "card code-panel" },
      h("div", { class: "scroll" }, h("table", { "aria-label": "Versions" }, h("thead", {}, h("tr", {}, ["Version", "Deployed", "Made by", ""].map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows))),
      compare, viewer),
    h("h2", {}, "Code-generation sessions"),
    sessions.length ? h("ul", { class: "card sessions" }, sessions.map((c) => h("li", {},
      h("a", { href: `#/chat/${c.id}` }, `Transcript ${c.id.slice(0, 8)}`), h("span", { class: "muted" }, ` · updated ${when(c.updated)}`))))
      : h("p", { class: "card muted" }, "None: this service's code was uploaded, not written by the agent."),
  ];
}
"""#
}
