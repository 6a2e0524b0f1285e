"""Browser-side attacks on a logged-in admin, in headless Chromium: a page served by a service (one a model wrote, or
one showing user-supplied HTML) tries to read the dashboard's CSRF token and create an admin API key, and to forge a
Pieces API write. It must fail on the service's own origin (<slug>.localhost) and on the sandboxed /s/<slug>/ form."""
import json, os, urllib.request
from conftest import ROOT, TOKEN

FIXTURE = os.path.join(ROOT, "Tests", "ServicesTests", "fixtures", "page")


def api(server, method, path, body=None):
    req = urllib.request.Request(server + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def report(page, url):
    page.goto(url)
    page.wait_for_selector("#out[data-done]", timeout=20_000)
    return json.loads(page.inner_text("#out"))


def test_a_service_page_cannot_act_with_the_admins_session(server, browser):
    files = {name: open(os.path.join(FIXTURE, name)).read() for name in ("main.ts", "service.json")}
    created = api(server, "POST", "/api/v1/services", {"slug": "hostile", "files": files})
    assert created["status"] == "running"
    port = server.rsplit(":", 1)[1]
    assert created["url"] == f"http://hostile.localhost:{port}/", "people are shown the service's own origin"

    context = browser.new_context()
    page = context.new_page()
    # The admin is logged in to the dashboard, under both of its loopback names.
    for dashboard in (server, f"http://localhost:{port}"):
        page.goto(dashboard + "/login")
        page.get_by_label("Admin token").fill(TOKEN)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Chat").wait_for()
    assert any(c["name"] == "op_session" for c in context.cookies())

    own_origin = report(page, created["url"])
    sandboxed = report(page, server + "/s/hostile/")
    for where, result in (("own origin", own_origin), ("/s/ form", sandboxed)):
        for base, r in result.items():
            assert r.get("csrf") != "read", f"{where} {base}: read the CSRF token: {r}"
            assert r.get("key") not in (200, 201), f"{where} {base}: created a key: {r}"
    # The /s/ form runs in an opaque origin: no cookies, no storage of the dashboard's.
    assert all(r["cookie"] == "blocked" and r["storage"] == "blocked" for r in sandboxed.values()), sandboxed

    # Nothing was created: no key, and no forged snippet.
    keys = api(server, "GET", "/api/v1/api-keys")
    assert not [k for k in keys.get("keys", keys if isinstance(keys, list) else []) if k.get("name") == "stolen"], keys
    assets = urllib.request.urlopen(server + "/assets").read().decode()
    assert "from-hostile-page" not in assets
    context.close()
