"""The dashboard in headless Chromium: a new user logs in, chats with the offline engine to build a service, sees it
running, opens its URL, fills a secret, creates a task, and sees its run. Every page is screenshotted (desktop and
360 px wide) into docs/screenshots/, and no page may log a console error."""
import json, os, re, time, urllib.request
from datetime import datetime, timedelta
import pytest
from playwright.sync_api import sync_playwright, expect

from conftest import ROOT, TOKEN

SHOTS = os.path.join(ROOT, "docs", "screenshots")


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_whole_loop_in_a_browser(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Log in with the keyboard alone: the token field has focus, Enter submits.
    page.goto(server + "/login")
    expect(page.get_by_label("Admin token")).to_be_focused()
    shot(page, "login")
    page.keyboard.type(TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Chat")).to_be_visible()

    # Chat with the offline engine: it builds and deploys a service, streaming its tool calls.
    page.get_by_label("Message").fill("create a notes API with title and body")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.assistant").last).to_contain_text("Built and deployed", timeout=60_000)
    # It looked at what exists first (services_list), then built.
    expect(page.locator("details summary").first).to_contain_text("tool: services_list")
    expect(page.locator("details summary", has_text="tool: build_service")).to_have_count(1)
    shot(page, "chat")

    # It is running, and its URL answers.
    page.get_by_role("link", name="Services", exact=True).click()
    row = page.locator("tr", has_text="notes-api")
    expect(row.locator(".badge")).to_have_text("running")
    shot(page, "services")
    with urllib.request.urlopen(server + "/s/notes-api/notes") as r:
        assert r.status == 200 and "notes" in json.loads(r.read())

    # Try an endpoint from the form generated from its input schema.
    row.get_by_role("link", name="notes-api", exact=True).click()
    post = page.locator("details", has_text="POST /notes")
    post.locator("summary").first.click()  # the endpoint's own; its output schema is a nested one
    post.get_by_label("title", exact=True).fill("From the browser")
    post.get_by_label("body", exact=True).fill("It works")
    post.get_by_role("button", name="Try it").click()
    expect(post).to_contain_text("HTTP 201")
    expect(page.get_by_label("Logs")).not_to_be_empty(timeout=10_000)
    shot(page, "service-detail")
    page.goto(server + "/s/notes-api/notes")
    assert "From the browser" in page.content()
    page.goto(server + "/#/chat")

    # A webhook receiver waits for its secret; filling it in the Secrets page starts it.
    page.get_by_label("Message").fill("build a webhook receiver for orders that saves them to notes-api")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.assistant").last).to_contain_text("ORDERS_WEBHOOK_SECRET", timeout=60_000)
    page.get_by_role("link", name="Secrets").click()
    secret_row = page.locator("tr", has_text="ORDERS_WEBHOOK_SECRET")
    expect(secret_row).to_contain_text("missing")
    secret_row.get_by_label("Value of ORDERS_WEBHOOK_SECRET").fill("s3cret-from-the-browser")
    secret_row.get_by_role("button", name="Fill").click()
    expect(page.locator("tr", has_text="ORDERS_WEBHOOK_SECRET")).to_contain_text("set")
    assert "s3cret-from-the-browser" not in page.content()
    shot(page, "secrets")
    page.get_by_role("link", name="Services", exact=True).click()
    expect(page.locator("tr", has_text="orders-webhook").locator(".badge")).to_have_text("running", timeout=15_000)

    page.get_by_role("link", name="Workflows").click()
    expect(page.locator(".card", has_text="orders-webhook")).to_contain_text("Call notes-api POST /notes")
    shot(page, "workflows")

    # A schedule from chat, then a task a few seconds from now: the scheduler fires it and the run shows its steps.
    page.get_by_role("link", name="Chat").click()
    page.get_by_label("Message").fill("every 15 minutes call notes-api GET /notes")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".msg.assistant").last).to_contain_text("Scheduled workflow 'notes-api-get-notes'", timeout=30_000)
    page.get_by_role("link", name="Tasks").click()
    page.get_by_label("Workflow").select_option("notes-api-get-notes")
    page.get_by_label("…or run once at").fill((datetime.now() + timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("tbody tr", has_text="once at")).to_be_visible()
    page.get_by_label("Cron schedule").fill("0 8 * * MON-FRI")
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("tbody")).to_contain_text("at 08:00 on Monday to Friday")
    shot(page, "tasks")
    page.get_by_role("link", name="Runs").click()
    deadline = time.time() + 30
    while time.time() < deadline and page.locator("tbody tr", has_text="task").count() == 0:
        time.sleep(0.5)
        page.reload()
    run = page.locator("tbody tr", has_text="task").first
    expect(run).to_be_visible()
    shot(page, "runs")
    run.get_by_role("link").click()
    expect(page.locator(".timeline li").first).to_contain_text("call_endpoint")
    expect(page.locator(".timeline li").last).to_contain_text("report")
    expect(page.locator(".card .badge").first).to_have_text("succeeded", timeout=15_000)
    shot(page, "run-detail")

    # The other pages.
    req = urllib.request.Request(server + "/api/v1/brain", method="POST", data=json.dumps({"kind": "preference", "text": "Summaries should be short"}).encode(),
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
    page.get_by_role("link", name="Brain").click()
    entry = page.get_by_label("Entry text").first
    expect(entry).to_have_value(re.compile("Summaries should be short"))
    entry.fill("Summaries should be short and in English")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator("#toast")).to_have_text("Saved")
    shot(page, "brain")
    page.get_by_role("link", name="Assets").click()
    expect(page.get_by_role("heading", name="Assets")).to_be_visible()
    shot(page, "assets")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_text("Using the embedded offline engine")).to_be_visible()
    expect(page.get_by_label("Public URL")).to_have_value(server)
    shot(page, "settings")
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("ci")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator(".secret")).to_contain_text("op_")
    shot(page, "api-keys")
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".secret")).to_contain_text("whsec_")
    shot(page, "webhooks")

    # 360 px wide: nothing runs off the side.
    page.set_viewport_size({"width": 360, "height": 740})
    for route, name in [("#/services", "mobile-services"), ("#/chat", "mobile-chat"), ("#/runs", "mobile-runs")]:
        page.goto(server + "/" + route)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 362, f"{route} is {width}px wide at 360px"
        shot(page, name)

    # Logging out ends the session.
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(server + "/#/services")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("Admin token")).to_be_visible()
    assert errors == [], f"console errors: {errors}"
