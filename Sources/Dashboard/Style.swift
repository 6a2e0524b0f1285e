enum DashboardStyle {
    static let css = #"""
:root { --bg: #f6f8fa; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --card: #fff; --accent: #1f6feb; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #0969da80; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px; z-index: 9; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 10px 16px; background: #24292f; }
.brand { color: #fff; font-weight: 700; text-decoration: none; }
nav { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
nav a, nav .link { color: #d1d9e0; text-decoration: none; font-size: 14px; }
nav a[aria-current="page"] { color: #fff; text-decoration: underline; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 17px; margin: 20px 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px; margin-bottom: 12px; overflow-wrap: anywhere; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { font-size: 13px; color: var(--muted); }
.scroll { overflow-x: auto; }
button, .button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff; cursor: pointer; color: var(--fg); }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); }
button.link { background: none; border: none; padding: 0; cursor: pointer; }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; width: 100%; background: #fff; color: var(--fg); }
textarea { min-height: 80px; font-family: ui-monospace, monospace; font-size: 13px; }
label { display: block; font-size: 13px; color: var(--muted); margin: 8px 0 4px; }
form.inline { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; } form.inline > * { flex: 1 1 160px; } form.inline button { flex: 0 0 auto; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; max-height: 360px; font-size: 12.5px; white-space: pre-wrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; border: 1px solid currentColor; }
.running, .succeeded, .delivered, .ok, .active { color: var(--ok); } .crashed, .failed, .error { color: var(--bad); }
.deploying, .queued, .pending, .stopped, .cancelled, .archived { color: var(--warn); }
.muted { color: var(--muted); font-size: 13px; } .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.chat { display: grid; grid-template-columns: 220px 1fr; gap: 12px; }
.chatlist button { display: block; width: 100%; text-align: left; margin-bottom: 4px; }
.msgs { min-height: 240px; max-height: 60vh; overflow-y: auto; }
.msg { padding: 8px 10px; border-radius: 8px; margin: 6px 0; white-space: pre-wrap; } .msg.user { background: #ddf4ff; } .msg.assistant { background: #fff; border: 1px solid var(--line); }
details { margin: 4px 0; } summary { cursor: pointer; font-size: 13px; color: var(--muted); }
.progress { font-size: 12px; color: var(--muted); margin: 2px 0; }
.tool { margin: 6px 0; } .tool details.failed summary { color: var(--bad); } .progress-lines { padding-left: 12px; border-left: 2px solid var(--line); }
.msg.md { white-space: normal; } .msg.md > :first-child { margin-top: 0; } .msg.md > :last-child { margin-bottom: 0; }
.msg.md p, .msg.md ul, .msg.md ol { margin: 6px 0; } .msg.md h3, .msg.md h4, .msg.md h5, .msg.md h6 { margin: 10px 0 4px; font-size: 15px; }
.msg.md code { font-family: ui-monospace, monospace; font-size: 13px; background: #f6f8fa; padding: 0 3px; border-radius: 4px; }
.msg.md pre code { padding: 0; background: none; } .msg.error { color: var(--bad); }
pre.diff { white-space: pre; max-height: 520px; padding: 0; } pre.diff span { display: block; padding: 0 8px; min-width: 100%; width: max-content; }
pre.diff .add { background: #dafbe1; color: #116329; } pre.diff .del { background: #ffebe9; color: #82071e; }
pre.diff .hunk { background: #ddf4ff; color: #0550ae; } pre.diff .meta { color: var(--muted); font-weight: 600; }
.added { color: var(--ok); } .removed { color: var(--bad); } .changed { color: var(--warn); }
.sessions { list-style: none; } .sessions li { margin: 4px 0; }
.secret { font-family: ui-monospace, monospace; background: #fff8c5; padding: 8px; border-radius: 6px; border: 1px solid #d4a72c; }
#toast { position: fixed; right: 12px; bottom: 12px; max-width: min(480px, 92vw); background: #24292f; color: #fff; padding: 10px 14px; border-radius: 8px; z-index: 10; }
.timeline { list-style: none; padding: 0; } .timeline li { border-left: 3px solid var(--line); padding: 4px 0 8px 12px; }
.timeline li.ok { border-color: var(--ok); } .timeline li.error { border-color: var(--bad); }
.login { max-width: 420px; margin: 10vh auto; }
@media (max-width: 700px) {
  .chat { grid-template-columns: 1fr; } main { padding: 10px; }
  /* Tables become one card per row. */
  table, tbody, tr, td { display: block; width: 100%; } thead { display: none; }
  tr { border-bottom: 1px solid var(--line); padding: 6px 0; } td { border: none; padding: 3px 10px; }
}
"""#
}
