"""Schemathesis's generated requests against /api/v1, built from the server's own OpenAPI document: no answer may be
a 5xx. Two bounded passes: one over every operation with generated ids (mostly 404s past the body checks), and one
with the ids of real objects so the requests reach the handlers' logic."""
import json
import os
import subprocess
import sys
import tempfile

from conftest import TOKEN, deploy

SCHEMATHESIS = os.path.join(os.path.dirname(sys.executable), "schemathesis")

# Never fuzzed, because the suite may only send traffic to loopback: both make the server call whatever URL is
# generated (the model provider's base URL; webhook deliveries).
NEVER = ["putSettingsLlm", "postWebhooks"]
# Seconds per pass (two passes); longer runs explore more: OPENAPI_FUZZ_SECONDS=600 scripts/openapi-test.
SECONDS = int(os.environ.get("OPENAPI_FUZZ_SECONDS", "55"))


def run_schemathesis(api, config, extra, seconds):
    with tempfile.TemporaryDirectory(prefix="op-st-") as cwd:
        path = os.path.join(cwd, "schemathesis.toml")
        with open(path, "w") as f:
            f.write(config)
        args = [SCHEMATHESIS, "--config-file", path, "run", f"{api.base}/api/v1/openapi.json", "--url", api.base,
                "-H", f"Authorization: Bearer {TOKEN}", "--checks", "not_a_server_error",
                "--max-examples", os.environ.get("OPENAPI_FUZZ_EXAMPLES", "8"), "--max-time", str(seconds), "--request-timeout", "15",
                # One worker: Hypothesis describes strategies with ast.parse, which CPython 3.11 cannot run in two threads at once.
                "--workers", "1",
                "--no-shrink", "--seed", os.environ.get("OPENAPI_FUZZ_SEED", "20261202")]
        for op in NEVER:
            args += ["--exclude-operation-id", op]
        result = subprocess.run(args + extra, cwd=cwd, capture_output=True, text=True, timeout=seconds + 90)
    return result


def operations(path_regex, parameters, more=""):
    """A schemathesis.toml `[[operations]]` table fixing parameters of the operations whose path matches."""
    fields = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in parameters.items())
    return f"[[operations]]\ninclude-path-regex = {json.dumps(path_regex)}\nparameters = {{ {fields} }}\n{more}\n"


def report(result, log):
    errors = [l for l in log if "handler_failed" in l or "level=error" in l][-20:]
    lines = (result.stdout + result.stderr[-3000:]).splitlines()
    return "\n".join(l[:400] for l in lines) + "\nserver errors:\n" + "".join(errors)


def test_generated_requests_get_no_server_error(server):
    api, log = server
    result = run_schemathesis(api, "", [], SECONDS)
    assert result.returncode == 0, report(result, log)
    assert "generated" in result.stdout


def test_generated_requests_on_real_objects_get_no_server_error(server):
    api, log = server
    # Its own service: the first pass may have deleted the others (its stateful phase follows the ids it lists).
    service = deploy(api, "seeded")["slug"]
    # Real objects for every kind of id the API takes.
    def made(method, path, body, key="id"):
        status, out = api.call(method, path, body)
        assert status in (200, 201, 202), (path, out)
        return out[key]
    workflow = made("POST", "/api/v1/workflows", {"slug": "fuzzed", "actions": [service], "steps": ["Add a note saying hi"]}, "slug")
    task = made("POST", "/api/v1/tasks", {"workflow": workflow, "schedule": "0 3 * * *"})
    run = made("POST", f"/api/v1/workflows/{workflow}/run", {"input": {"text": "hi"}})
    entry = made("POST", "/api/v1/brain", {"kind": "fact", "text": "fuzzing reaches real objects"})
    chat = made("POST", "/api/v1/chats", {"title": "fuzzed"})
    hook = made("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["run.failed"]})
    assert api.call("PUT", "/api/v1/secrets/FUZZ_KEY", {"value": "x"})[0] == 200
    ids = {"tasks": task, "runs": run, "brain": entry, "chats": chat, "webhooks": hook}
    config = "".join([
        operations(r"^/api/v1/services/\{id\}", {"path.id": service, "path.version": "1"}),
        # follow=1 streams until the client leaves.
        operations(r"^/api/v1/services/\{id\}/logs$", {"query.follow": "0"}),
        # Documented: 502 when the service fails to answer, 503 while it is not running (a fuzzed restart).
        operations(r"^/api/v1/services/\{id\}/endpoints/\{endpoint\}/call$", {"path.endpoint": "POST /notes"},
                   'checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "502", "503"]\n'),
        operations(r"^/api/v1/workflows/\{slug\}", {"path.slug": workflow}),
        operations(r"^/api/v1/secrets/\{name\}", {"path.name": "FUZZ_KEY"}),
    ] + [operations(rf"^/api/v1/{kind}/\{{id\}}", {"path.id": value}) for kind, value in ids.items()])
    extra = [
        "--include-path-regex", r"\{",  # the operations that take an id
        # Deleting the objects would leave the rest of the pass on 404s; the first pass covers DELETE.
        "--exclude-method", "DELETE",
        # These wait on work rather than answer: a whole Orchestrator turn per example, and a run's live events
        # until it finishes. Their ids' 404 paths are in the first pass.
        "--exclude-operation-id", "postChatsIdMessages", "--exclude-operation-id", "getRunsIdEvents",
        # Stopping or archiving the example service would turn the rest of the pass into 503s from a service that
        # is, correctly, not running.
        "--exclude-operation-id", "postServicesIdStop", "--exclude-operation-id", "postServicesIdArchive",
    ]
    result = run_schemathesis(api, config, extra, SECONDS)
    assert result.returncode == 0, report(result, log)
    assert "generated" in result.stdout
