#!/usr/bin/env python3
"""Writes eval/transcripts/<request>.json: the turns a capable model gives for each request of the suite, in the
scripted server's format (see Sources/ScriptedLLM/ScriptFile.swift). The services' code lives in
eval/sources/<request>/<slug>/ so it can be read and checked as code; flows are below.

Model calls interleave in one script, in the order the platform makes them: the Orchestrator's turn, the
code-generation agent's turns while build_service runs, the Orchestrator again, and, once the checks fire runs,
the Events agent's turns, one run after another (the checks wait for each run to finish).

Run from the repository's root: python3 eval/tools/make_transcripts.py
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "sources")
OUT = os.path.join(ROOT, "transcripts")


class Script:
    def __init__(self, name):
        self.name = name
        self.turns = []
        self.n = 0

    def _id(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def calls(self, prefix, *calls):
        self.turns.append({"tool_calls": [{"id": self._id(prefix), "name": n, "arguments": a} for n, a in calls]})

    def say(self, text):
        self.turns.append({"text": [text]})

    def files(self, slug, directory=None):
        # A directory with a slash is another request's (the same code serves both).
        d = os.path.join(SOURCES, directory) if directory and "/" in directory else os.path.join(SOURCES, self.name, directory or slug)
        out = []
        for f in ("main.ts", "service.json"):
            with open(os.path.join(d, f)) as h:
                out.append(("write_file", {"path": f, "content": h.read()}))
        return out

    def build(self, slug, request, summary, tests=None, directory=None, check=True):
        """The Orchestrator commissions a service; the code-generation agent writes, checks, tests and deploys it."""
        self.calls("o", ("build_service", {"slug": slug, "request": request}))
        self.calls("g", *self.files(slug, directory))
        if check:
            self.calls("g", ("deno_check", {}))
        if tests is not None:
            self.calls("g", ("test_service", {"requests": tests}))
        self.calls("g", ("deploy", {}))
        self.say(summary)

    def change(self, slug, request, summary, edits=None, directory=None, tests=None):
        """A change to an existing service: the same session, edits or a rewrite, then a new version."""
        self.calls("o", ("build_service", {"slug": slug, "request": request}))
        if edits:
            self.calls("g", *[("edit_file", {"path": p, "old_text": o, "new_text": n}) for p, o, n in edits])
        else:
            self.calls("g", *self.files(slug, directory))
        self.calls("g", ("deno_check", {}))
        if tests is not None:
            self.calls("g", ("test_service", {"requests": tests}))
        self.calls("g", ("deploy", {}))
        self.say(summary)

    def tool(self, name, args):
        self.calls("o", (name, args))

    def run(self, *steps, summary):
        """One Events agent run: endpoint calls (service, "METHOD /path", input), then its report."""
        for service, endpoint, payload in steps:
            self.calls("e", ("call_endpoint", {"service": service, "endpoint": endpoint, "input": payload}))
        self.calls("e", ("report", {"status": "succeeded", "summary": summary}))
        self.say(summary)

    def write(self):
        with open(os.path.join(OUT, self.name + ".json"), "w") as h:
            json.dump(self.turns, h, indent=1)
            h.write("\n")


def url_shortener(s):
    s.build("shortener", "A URL shortener: POST /links {url} stores it and answers {code, url, shortUrl} where shortUrl is absolute "
            "(OPENPIECES_PUBLIC_URL + '/' + code); GET /<code> answers 302 with Location = the long URL; GET /links lists links. "
            "SQLite under data/.",
            "Built 'shortener': POST /links shortens a URL and answers its code and absolute short URL; GET /<code> redirects (302) "
            "to the long URL; GET /links lists links with hit counts.",
            tests=[{"method": "POST", "path": "/links", "body": {"url": "https://deno.com/manual"}}, {"method": "GET", "path": "/links"},
                   {"method": "GET", "path": "/zzzz"}], directory="url-shortener/shortener")
    s.say("Your URL shortener is live. POST {\"url\": \"https://…\"} to /links on it to get a short code and link; "
          "visiting the short link redirects to the long URL.")


def big_orders(s):
    s.build("big-orders", "An action service keeping the 'big orders' list: POST /orders {id, customer, total} saves one "
            "(idempotent per id), GET /orders lists them as {orders: [...]}. SQLite under data/.",
            "Built 'big-orders': POST /orders saves an order, GET /orders lists them, DELETE /orders/:id removes one.",
            tests=[{"method": "POST", "path": "/orders", "body": {"id": "t1", "customer": "Test", "total": 120}},
                   {"method": "GET", "path": "/orders"}])
    s.build("order-webhook", "A trigger service: POST /webhook receives an order {id, customer, total} as JSON, validates that "
            "total is a number, and notifies the platform with event 'order.received' and the order as payload "
            "(Idempotency-Key order-<id>). Answer 202 with the platform's answer.",
            "Built 'order-webhook': POST /webhook validates an order and notifies the platform (event order.received).")
    s.tool("workflow_save", {"slug": "big-orders", "title": "Save big orders", "description": "Orders over 100 go to the big orders list.",
                             "trigger": "order-webhook", "actions": ["big-orders"],
                             "steps": ["Read the order from the event payload: id, customer, total.",
                                       "If total is greater than 100, save the order with big-orders POST /orders (id, customer, total).",
                                       "If total is 100 or less, do nothing and report that the order was skipped."]})
    s.say("Done. Send orders as JSON to your webhook (POST /webhook on 'order-webhook'); those with a total over 100 are saved "
          "to the 'big orders' list (GET /orders on 'big-orders').")
    # The checks post an order of 50, then one of 150.
    s.run(summary="Order A-50 has total 50, not over 100: skipped.")
    s.run(("big-orders", "POST /orders", {"id": "A-150", "customer": "Ada", "total": 150}),
          summary="Order A-150 (total 150) saved to the big orders list.")


def notes_crud(s):
    s.calls("o", ("brain_search", {"query": "notes API"}))
    s.build("notes", "A notes API: notes have title (1–200 chars) and body. POST /notes creates (201, answers the note with id), "
            "GET /notes lists as {notes}, GET /notes/:id, PUT /notes/:id replaces, PATCH /notes/:id changes fields, DELETE /notes/:id (204). "
            "JSON errors; SQLite under data/.",
            "Built 'notes' with POST/GET /notes and GET/PUT/PATCH/DELETE /notes/:id, stored in SQLite.",
            tests=[{"method": "POST", "path": "/notes", "body": {"title": "t", "body": "b"}}, {"method": "GET", "path": "/notes/1"},
                   {"method": "PUT", "path": "/notes/1", "body": {"title": "t2"}}, {"method": "DELETE", "path": "/notes/1"},
                   {"method": "GET", "path": "/notes/1"}])
    s.tool("brain_write", {"kind": "service", "text": "Built 'notes': a notes API (title, body) with CRUD at /notes.", "tags": ["notes"]})
    s.say("Your notes API is running: POST /notes, GET /notes, GET/PUT/DELETE /notes/:id.")


def todo_list(s):
    s.build("todos", "A todo list API: POST /todos {text} (201), GET /todos as {todos} with ?done=true|false filter, "
            "PATCH /todos/:id {done, text}, DELETE /todos/:id. done is a boolean. SQLite under data/.",
            "Built 'todos': add, list (filter by done), mark done with PATCH, delete.",
            tests=[{"method": "POST", "path": "/todos", "body": {"text": "x"}}, {"method": "PATCH", "path": "/todos/1", "body": {"done": True}},
                   {"method": "GET", "path": "/todos?done=true"}])
    s.say("Your todo list is live: POST /todos, PATCH /todos/:id {done: true}, GET /todos?done=true|false, DELETE /todos/:id.")


def temperature_converter(s):
    s.build("temperature", "GET /convert?value=&from=&to= converts between C, F and K, answers {value, from, to, result} rounded "
            "to 2 decimals; 400 with the JSON error envelope for a bad value or unit, or below absolute zero. No storage.",
            "Built 'temperature': GET /convert converts between C, F and K.",
            tests=[{"method": "GET", "path": "/convert?value=100&from=C&to=F"}, {"method": "GET", "path": "/convert?value=x&from=C&to=F"}])
    s.say("Done: GET /convert?value=100&from=C&to=F on 'temperature' answers {\"result\": 212}.")


def roman_numerals(s):
    s.build("roman", "GET /roman/:number → {number, roman} for 1–3999; GET /arabic/:numeral → {roman, number}, canonical numerals "
            "only (IIII is rejected); 400 with the JSON error envelope otherwise.",
            "Built 'roman': GET /roman/:number and GET /arabic/:numeral.",
            tests=[{"method": "GET", "path": "/roman/1994"}, {"method": "GET", "path": "/arabic/MCMXCIV"}, {"method": "GET", "path": "/arabic/IIII"}])
    s.say("Your converter is live: GET /roman/1994 → MCMXCIV, GET /arabic/MMXXVI → 2026.")


def text_stats(s):
    s.build("text-stats", "POST /stats {text} → {words, characters (code points, spaces included), sentences, top: five most "
            "frequent words}. 400 if text is missing.",
            "Built 'text-stats': POST /stats counts words, characters and sentences.",
            tests=[{"method": "POST", "path": "/stats", "body": {"text": "The cat sat. The cat ran!"}}])
    s.say("Done: POST {\"text\": …} to /stats on 'text-stats'.")


def hash_service(s):
    s.build("hasher", "POST /hash {text, algorithm: sha1|sha256|sha384|sha512, default sha256} → {algorithm, hex} (lowercase hex "
            "digest, Web Crypto). Unknown algorithm: 400 with the JSON error envelope.",
            "Built 'hasher': POST /hash answers hex digests.",
            tests=[{"method": "POST", "path": "/hash", "body": {"text": "hello"}}, {"method": "POST", "path": "/hash", "body": {"text": "a", "algorithm": "md5"}}])
    s.say("Your hashing service is live: POST /hash {\"text\": \"hello\", \"algorithm\": \"sha256\"}.")


def go_links(s):
    s.build("go-links", "Go links: PUT /links/:name {url} creates or replaces a named link; GET /go/:name answers 302 to it; "
            "GET /links lists; GET/DELETE /links/:name. Names a-z0-9-. SQLite under data/.",
            "Built 'go-links': PUT /links/:name, GET /go/:name redirects, GET /links.",
            tests=[{"method": "PUT", "path": "/links/x", "body": {"url": "https://example.com/"}}, {"method": "GET", "path": "/go/x"}])
    s.say("Go links are ready: PUT /links/docs {\"url\": …}, then /go/docs redirects.")


def counters(s):
    s.build("counters", "Named counters: POST /counters/:name/increment (optional {by}) answers {name, value}; GET /counters/:name "
            "answers {name, value}, 0 if unknown; DELETE resets; GET /counters lists. SQLite under data/.",
            "Built 'counters': POST /counters/:name/increment and GET /counters/:name.",
            tests=[{"method": "POST", "path": "/counters/a/increment"}, {"method": "GET", "path": "/counters/a"}])
    s.say("Your counters are live: POST /counters/visits/increment, GET /counters/visits.")


def csv_to_json(s):
    s.build("csv", "POST /csv-to-json: CSV text body (or JSON {csv}), header row names the fields, RFC 4180 quotes, values stay "
            "strings; answers {rows}. 400 with the JSON error envelope for unclosed quotes or rows of the wrong width.",
            "Built 'csv': POST /csv-to-json converts CSV to {rows}.",
            tests=[{"method": "POST", "path": "/csv-to-json", "body": {"csv": "a,b\n1,2\n"}}])
    s.say("Done: POST your CSV to /csv-to-json on 'csv'.")


def contacts(s):
    s.build("contacts", "Contacts API: POST /contacts {name, email}: 400 for an invalid email, 409 for a duplicate; GET /contacts "
            "as {contacts}; GET /contacts/:id; DELETE /contacts/:id. SQLite under data/.",
            "Built 'contacts' with validation and unique emails.",
            tests=[{"method": "POST", "path": "/contacts", "body": {"name": "A", "email": "a@b.co"}},
                   {"method": "POST", "path": "/contacts", "body": {"name": "A", "email": "bad"}}])
    s.say("Your contacts API is running at POST/GET /contacts and GET/DELETE /contacts/:id.")


REMINDERS = ("A reminders list: POST /reminders {text} adds one (idempotent per Idempotency-Key), GET /reminders lists as "
             "{reminders}, DELETE /reminders/:id. SQLite under data/.")


def standup_reminder(s):
    s.build("reminders", REMINDERS, "Built 'reminders': POST/GET /reminders, DELETE /reminders/:id.",
            tests=[{"method": "POST", "path": "/reminders", "body": {"text": "x"}}, {"method": "GET", "path": "/reminders"}])
    s.tool("workflow_save", {"slug": "standup-reminder", "title": "Stand-up reminder", "actions": ["reminders"],
                             "steps": ["Add the reminder \"Stand-up at 9:30\" with reminders POST /reminders."]})
    s.tool("task_create", {"workflow": "standup-reminder", "schedule": "0 8 * * 1-5", "timezone": "Europe/Paris"})
    s.say("Scheduled: every weekday at 08:00 Europe/Paris the reminder \"Stand-up at 9:30\" is added. See GET /reminders on 'reminders'.")
    s.run(("reminders", "POST /reminders", {"text": "Stand-up at 9:30"}), summary="Added the reminder 'Stand-up at 9:30'.")


def monthly_invoices(s):
    s.build("reminders", REMINDERS, "Built 'reminders': POST/GET /reminders, DELETE /reminders/:id.",
            directory="standup-reminder/reminders")
    s.tool("workflow_save", {"slug": "monthly-invoices", "title": "Invoice reminder", "actions": ["reminders"],
                             "steps": ["Add the reminder \"Send the invoices\" with reminders POST /reminders."]})
    s.tool("task_create", {"workflow": "monthly-invoices", "schedule": "0 9 1 * *", "timezone": "America/New_York"})
    s.say("Done: on the 1st of each month at 09:00 America/New_York, \"Send the invoices\" goes on your reminders list.")
    s.run(("reminders", "POST /reminders", {"text": "Send the invoices"}), summary="Added 'Send the invoices'.")


def weekly_review_tokyo(s):
    s.build("journal", "A journal: POST /entries {text} (idempotent per Idempotency-Key), GET /entries as {entries}, DELETE "
            "/entries/:id. SQLite under data/.", "Built 'journal': POST/GET /entries.",
            tests=[{"method": "POST", "path": "/entries", "body": {"text": "x"}}])
    s.tool("workflow_save", {"slug": "weekly-review", "title": "Weekly review", "actions": ["journal"],
                             "steps": ["Write the journal entry \"Weekly review\" with journal POST /entries."]})
    s.tool("task_create", {"workflow": "weekly-review", "schedule": "30 18 * * 0", "timezone": "Asia/Tokyo"})
    s.say("Your journal is live (POST/GET /entries), and every Sunday at 18:30 Asia/Tokyo it gets the entry \"Weekly review\".")
    s.run(("journal", "POST /entries", {"text": "Weekly review"}), summary="Wrote the 'Weekly review' entry.")


def notes_search(s):
    s.build("notes", "Notes: POST /notes {text} (201), GET /notes as {notes}. SQLite under data/.",
            "Built 'notes': POST /notes and GET /notes.", tests=[{"method": "POST", "path": "/notes", "body": {"text": "x"}}])
    s.say("Your notes service is live: POST /notes {\"text\": …}, GET /notes.")
    # The second message: the same service changes (its session is reused), and a new version is deployed.
    s.change("notes", "Add GET /notes/search?q=WORD: the notes whose text contains WORD, case-insensitive, as {query, notes}; "
             "400 without q. Keep the other endpoints.", "Added GET /notes/search (case-insensitive, LIKE with escaping).",
             directory="notes-v2", tests=[{"method": "POST", "path": "/notes", "body": {"text": "Hello"}},
                                          {"method": "GET", "path": "/notes/search?q=HELLO"}])
    s.say("Search is in: GET /notes/search?q=word on 'notes' finds notes ignoring case.")


def shortener_custom_code(s):
    url_shortener(s)
    s.change("shortener", "Let the caller choose the code: POST /links {url, code}: code is 3–32 of a-z0-9-, not 'links' or "
             "'health' (400), 409 when taken; without code keep generating one. Redirect route accepts these codes.",
             "POST /links now takes an optional code (409 if taken).", directory="shortener-v2",
             tests=[{"method": "POST", "path": "/links", "body": {"url": "https://example.com/", "code": "mine"}},
                    {"method": "POST", "path": "/links", "body": {"url": "https://example.com/", "code": "mine"}},
                    {"method": "GET", "path": "/mine"}])
    s.say("Done: POST {\"url\": …, \"code\": \"spring-sale\"} uses your code, or answers 409 if it is taken.")


def signup_filter(s):
    s.build("contacts", "Contacts API: POST /contacts {name, email}: 400 for an invalid email, 409 for a duplicate; GET /contacts "
            "as {contacts}; GET /contacts/:id; DELETE /contacts/:id. SQLite under data/.",
            "Built 'contacts'.", directory="contacts/contacts")
    s.build("signup-hook", "Trigger: POST /signup {name, email} validates and notifies the platform with event signup.created, "
            "payload {name, email}, Idempotency-Key signup-<email>; answers 202.", "Built 'signup-hook'.")
    s.tool("workflow_save", {"slug": "signups", "title": "Example.com signups to contacts", "trigger": "signup-hook", "actions": ["contacts"],
                             "steps": ["If the signup's email ends with @example.com, add the person with contacts POST /contacts (name, email).",
                                       "Otherwise add nothing and report that the signup was ignored."]})
    s.say("Point your form at POST /signup on 'signup-hook'. People with an @example.com email land in your contacts (GET /contacts).")
    s.run(summary="bob@gmail.com is not an @example.com address: ignored.")
    s.run(("contacts", "POST /contacts", {"name": "Ada", "email": "ada@example.com"}), summary="Added Ada (ada@example.com) to contacts.")


def critical_alerts(s):
    s.build("incidents", "Incidents: POST /incidents {service, message} opens one (201), GET /incidents as {incidents}, "
            "POST /incidents/:id/resolve. SQLite under data/.", "Built 'incidents'.",
            tests=[{"method": "POST", "path": "/incidents", "body": {"service": "x", "message": "y"}}, {"method": "GET", "path": "/incidents"}])
    s.build("alerts", "Trigger: POST /alert {severity: info|warning|critical, service, message} validates and notifies the platform "
            "with event alert.<severity> and the alert as payload; answers 202.", "Built 'alerts'.")
    s.tool("workflow_save", {"slug": "critical-incidents", "title": "Critical alerts open incidents", "trigger": "alerts", "actions": ["incidents"],
                             "steps": ["If the alert's severity is critical, open an incident with incidents POST /incidents (service, message).",
                                       "For any other severity, do nothing and report it was not critical."]})
    s.say("Send alerts to POST /alert on 'alerts'; critical ones open incidents (GET /incidents on 'incidents').")
    s.run(summary="Severity warning is not critical: no incident.")
    s.run(("incidents", "POST /incidents", {"service": "db", "message": "Primary database down"}), summary="Opened an incident for db.")


def private_bookmarks(s):
    s.build("bookmarks", "Bookmarks: POST /bookmarks {url, title}, GET /bookmarks as {bookmarks}, DELETE /bookmarks/:id; every route "
            "but /health requires X-API-Key equal to the secret BOOKMARKS_API_KEY (401 otherwise, constant-time compare). "
            "Declare the secret in service.json. SQLite under data/.",
            "Built 'bookmarks'; it waits for BOOKMARKS_API_KEY before it starts.",
            tests=[{"method": "GET", "path": "/bookmarks"}])
    s.tool("secrets_request", {"names": ["BOOKMARKS_API_KEY"]})
    s.say("Your bookmarks API is deployed and waits for its key. Set it with `openpieces secrets set BOOKMARKS_API_KEY` "
          "(or in the dashboard); it starts as soon as the secret is set. Then send X-API-Key with every request.")


FLOWS = {
    "notes-search": notes_search,
    "shortener-custom-code": shortener_custom_code,
    "signup-filter": signup_filter,
    "critical-alerts": critical_alerts,
    "private-bookmarks": private_bookmarks,
    "standup-reminder": standup_reminder,
    "monthly-invoices": monthly_invoices,
    "weekly-review-tokyo": weekly_review_tokyo,
    "go-links": go_links,
    "counters": counters,
    "csv-to-json": csv_to_json,
    "contacts": contacts,
    "notes-crud": notes_crud,
    "todo-list": todo_list,
    "temperature-converter": temperature_converter,
    "roman-numerals": roman_numerals,
    "text-stats": text_stats,
    "hash-service": hash_service,
    "url-shortener": url_shortener,
    "big-orders": big_orders,
}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for name, flow in FLOWS.items():
        if only and name not in only:
            continue
        s = Script(name)
        flow(s)
        s.write()
        print(f"{name}: {len(s.turns)} turns")
