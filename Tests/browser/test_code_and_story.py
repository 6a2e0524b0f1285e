"""A service's code and a chat's whole story, in headless Chromium: the offline engine builds a service from chat,
a change arrives through the API, and the service page shows both versions, what made each (the chat, linked), their
files and the diff; the reopened chat shows the build_service call, its progress and its result; code-generation
sessions are listed under their service, not among the chats. Markdown is checked against hostile input."""
import json, os, urllib.request
from playwright.sync_api import expect

from conftest import ROOT, TOKEN

SHOTS = os.path.join(ROOT, "docs", "screenshots")


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def api(server, method, path, body=None):
    req = urllib.request.Request(server + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def login(page, server):
    page.goto(server + "/login")
    page.get_by_label("Admin token").fill(TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Chat")).to_be_visible()


def test_versions_diff_and_the_reopened_chat(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, server)

    # Built from chat by the offline engine: version 1, made by this chat.
    page.get_by_label("Message").fill("create a notes API with title and body")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.assistant").last).to_contain_text("Built and deployed", timeout=60_000)
    chat_id = page.evaluate("location.hash").split("/")[-1]

    # A change through the API: version 2, an upload.
    files = {f["path"]: f["text"] for f in api(server, "GET", "/api/v1/services/notes-api/versions/1/files")["files"]}
    files["main.ts"] = "// Notes, now with a banner line.\n" + files["main.ts"]
    api(server, "PATCH", "/api/v1/services/notes-api", {"files": files})
    versions = api(server, "GET", "/api/v1/services/notes-api/versions")["versions"]
    assert [v["source"]["kind"] for v in versions] == ["chat", "upload"]
    assert versions[0]["source"]["chat"] == chat_id and versions[0]["source"]["session"]

    # The service page: both versions, who made them, the diff with its added line styled, a version's files.
    page.goto(server + "/#/services/notes-api")
    table = page.get_by_role("table", name="Versions")
    expect(table.locator("tbody tr")).to_have_count(2)
    v1 = table.locator("tr", has_text="v1")
    expect(v1.get_by_role("link", name=f"chat {chat_id[:8]}")).to_have_attribute("href", f"#/chat/{chat_id}")
    expect(table.locator("tr", has_text="v2")).to_contain_text("upload (API or CLI)")
    page.get_by_role("button", name="Compare").click()
    diff = page.get_by_label("Diff of main.ts")
    expect(diff.locator(".add")).to_have_text("+// Notes, now with a banner line.")
    expect(diff.locator(".hunk").first).to_contain_text("@@ -1,")
    expect(diff.locator(".add")).to_have_css("background-color", "rgb(218, 251, 225)")
    shot(page, "service-code-diff")
    # Against the agent's workspace, which still holds what it deployed (version 1).
    page.get_by_label("From").select_option("2")
    page.get_by_label("To").select_option("workspace")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_label("Diff of main.ts").locator(".del")).to_have_text("-// Notes, now with a banner line.")
    page.get_by_role("button", name="Files of v1").click()
    expect(page.locator("details.file summary").first).to_contain_text("main.ts")
    expect(page.locator("details.file").first.locator("pre")).to_contain_text("Deno.serve")
    shot(page, "service-code-files")

    # Its code-generation session is listed here, and reads as a transcript.
    page.get_by_role("link", name="Transcript").click()
    expect(page.get_by_role("heading", name="Code-generation session: notes-api")).to_be_visible()
    expect(page.locator(".tool summary", has_text="tool: write_file").first).to_be_visible()
    expect(page.locator(".tool summary", has_text="tool: deploy")).to_contain_text("ok")
    expect(page.get_by_label("Message")).to_have_count(0)
    shot(page, "codegen-session")

    # The chat link reopens the whole story: the user's message, the tool call with progress and result, the answer.
    page.goto(server + "/#/services/notes-api")
    page.get_by_role("link", name=f"chat {chat_id[:8]}").click()
    expect(page.locator(".msg.user")).to_have_text("create a notes API with title and body")
    call = page.locator(".tool", has_text="tool: build_service")
    expect(call.locator("summary")).to_contain_text("ok (")
    expect(call.locator(".progress").last).to_contain_text("codegen notes-api: deploy ok")
    shot(page, "chat-reopened")
    call.locator("summary").click()
    expect(call.locator("pre").first).to_contain_text('"slug": "notes-api"')
    expect(call.locator("pre").last).to_contain_text('"status": "running"')
    expect(page.locator(".msg.assistant").last).to_contain_text("Built and deployed (version 1)")
    expect(page.locator(".msg.assistant a").first).to_have_attribute("rel", "noopener noreferrer")
    # Only Orchestrator chats are listed.
    expect(page.locator(".chatlist button", has_text="create a notes API")).to_have_count(1)
    expect(page.locator(".chatlist button", has_text="notes-api")).to_have_count(0)
    shot(page, "chat-reopened-tool")

    # 360 px wide: the Code panel and its diff stay inside the page (the diff scrolls on its own).
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(server + "/#/services/notes-api")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_label("Diff of main.ts")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, f"the service page is {width}px wide at 360px"
    shot(page, "mobile-service-code")
    assert errors == [], f"console errors: {errors}"


HOSTILE = """# Title with **bold**

Some *italic*, _also_, `code <b>`, and **strong _nested_**.

- one [ok](https://example.com/a?b=1)
- two [rel](/#/services)
1. first
2. second

```html
<script>window.__pwned = 1</script>
```

<script>window.__pwned = 2</script>
<img src=x onerror="window.__pwned = 3">
[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1)) [z](java\tscript:alert(1)) [d](data:text/html,<b>x</b>) [v](vbscript:x)
see https://example.org/path. and snake_case_name stays"""


def test_markdown_builds_safe_nodes(server, browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, server)
    r = page.evaluate("""(src) => {
        const box = document.createElement("div");
        box.append(...markdown(src));
        document.body.append(box);
        return {
            html: box.innerHTML,
            tags: [...box.querySelectorAll("*")].map((e) => e.tagName.toLowerCase()),
            attrs: [...box.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.name)),
            links: [...box.querySelectorAll("a")].map((a) => [a.textContent, a.getAttribute("href"), a.rel, a.target]),
            text: box.textContent,
            h1: box.querySelector("h3") && box.querySelector("h3").textContent,
            code: box.querySelector("pre code").textContent,
            items: [...box.querySelectorAll("ul li, ol li")].map((li) => [li.parentElement.tagName, li.textContent]),
            pwned: window.__pwned,
        };
    }""", HOSTILE)
    assert r["pwned"] is None
    assert "script" not in r["tags"] and "img" not in r["tags"], r["tags"]
    assert not any(a.startswith("on") for a in r["attrs"]), r["attrs"]
    assert set(r["attrs"]) <= {"href", "target", "rel", "data-lang", "start", "class"}, r["attrs"]
    assert r["h1"] == "Title with bold"
    assert r["code"] == "<script>window.__pwned = 1</script>"
    assert r["items"] == [["UL", "one ok"], ["UL", "two rel"], ["OL", "first"], ["OL", "second"]]
    assert "strong" in r["tags"] and "em" in r["tags"]
    hrefs = {text: href for text, href, rel, target in r["links"]}
    assert hrefs["ok"] == "https://example.com/a?b=1"
    assert hrefs["rel"] == server + "/#/services"
    assert hrefs["https://example.org/path"] == "https://example.org/path"
    assert all(rel == "noopener noreferrer" and target == "_blank" for _, _, rel, target in r["links"])
    assert all(href.startswith("http") for href in hrefs.values()), hrefs
    # The unsafe ones are shown as the text they were.
    for raw in ["[x](javascript:alert(1))", "[y](JAVASCRIPT:alert(1))", "[d](data:text/html,<b>x</b>)", "[v](vbscript:x)"]:
        assert raw in r["text"], raw
    assert "<script>window.__pwned = 2</script>" in r["text"] and "onerror" in r["text"]
    assert "snake_case_name" in r["text"]
    assert errors == []
