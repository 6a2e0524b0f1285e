/// Markdown for assistant messages, built as DOM nodes: text only ever enters through text nodes (never HTML), and
/// a link keeps only an http(s) or relative target, as the browser itself resolves it; anything else stays text.
enum DashboardMarkdown {
    static let js = #"""

// ---- markdown ----

// The absolute http(s) URL a link may point to, or null. Control characters and spaces are refused outright, since
// browsers strip some of them before reading a scheme ("java\tscript:").
function safeHref(raw) {
  if (/[\u0000-\u0020\u007f]/.test(raw)) return null;
  let url;
  try { url = new URL(raw, location.href); } catch { return null; }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

function mdLink(href, ...kids) { return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, ...kids); }

const MD_INLINE = /`([^`\n]+)`|\[([^\]\n]+)\]\(([^()\s]+)\)|\*\*(?=\S)([^\n]*?\S)\*\*|__(?=\S)([^\n]*?\S)__|(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])?\*(?![\w*])|(?<![\w_])_(?=[^\s_])([^_\n]*?[^\s_])?_(?![\w_])|(https?:\/\/[^\s<>"'`)\]]+)/g;

// Inline spans: code, links, bold, italic, bare URLs.
function mdInline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(MD_INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] != null) out.push(h("code", {}, m[1]));
    else if (m[2] != null) { const href = safeHref(m[3]); out.push(href ? mdLink(href, ...mdInline(m[2])) : m[0]); }
    else if (m[4] != null || m[5] != null) out.push(h("strong", {}, ...mdInline(m[4] ?? m[5])));
    else if (m[8] != null) {
      const url = m[8].replace(/[.,;:!?]+$/, ""), href = safeHref(url);
      out.push(href ? mdLink(href, url) : url, m[8].slice(url.length));
    } else {
      const inner = m[0].slice(1, -1);
      out.push(h("em", {}, ...mdInline(inner)));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const MD_ITEM = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/;

// Blocks: fenced code, headings, ordered and unordered lists, paragraphs (single newlines kept as line breaks).
function markdown(source) {
  const lines = String(source ?? "").replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let para = [];
  const flush = () => {
    if (!para.length) return;
    const p = h("p");
    para.forEach((line, i) => { if (i) p.append(h("br")); p.append(...mdInline(line)); });
    out.push(p);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if ((m = line.match(/^\s*(`{3,}|~{3,})\s*([\w+#.-]*)\s*$/))) {
      flush();
      const body = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(m[1]); i++) body.push(lines[i]);
      const code = h("code", {}, body.join("\n"));
      if (m[2]) code.setAttribute("data-lang", m[2]);
      out.push(h("pre", { class: "code" }, code));
    } else if ((m = line.match(/^\s{0,3}(#{1,6})\s+(.*?)(\s+#+)?\s*$/))) {
      flush();
      out.push(h(`h${Math.min(6, m[1].length + 2)}`, {}, ...mdInline(m[2])));
    } else if ((m = line.match(MD_ITEM))) {
      flush();
      const ordered = /\d/.test(m[1]);
      const list = h(ordered ? "ol" : "ul");
      if (ordered && parseInt(m[1], 10) !== 1) list.setAttribute("start", String(parseInt(m[1], 10)));
      for (; i < lines.length; i++) {
        const item = lines[i].match(MD_ITEM);
        if (item && /\d/.test(item[1]) === ordered) list.append(h("li", {}, ...mdInline(item[2])));
        else if (!item && /^\s{2,}\S/.test(lines[i]) && list.lastChild) list.lastChild.append(" ", ...mdInline(lines[i].trim()));
        else { i--; break; }
      }
      out.push(list);
    } else if (!line.trim()) flush();
    else para.push(line);
  }
  flush();
  return out;
}
"""#
}
