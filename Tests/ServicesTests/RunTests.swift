import Core
import Crypto
import Foundation
import HTTPClient
import Testing
import TestSupport

extension Platform {
    static let recorder = Platform.repoRoot + "/Tests/ServicesTests/fixtures/recorder"

    /// Polls a run until it has finished (or `status` is reached).
    func waitRun(_ id: String, for status: String? = nil, seconds: Double = 30) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(seconds)
        var last = JSONValue.null
        while Date() < deadline {
            last = try await call("GET", "/api/v1/runs/\(id)").1
            let s = last["status"]?.string ?? ""
            if let status { if s == status { return last } } else if ["succeeded", "failed", "cancelled"].contains(s) { return last }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw TestError("run \(id) never reached \(status ?? "an end"); last: \(last.text)")
    }

    func startRun(_ workflow: String, _ input: JSONValue) async throws -> String {
        let (status, run, _) = try await call("POST", "/api/v1/workflows/\(workflow)/run", ["input": input])
        guard status == 202, let id = run["id"]?.string else { throw TestError("run \(workflow): \(status) \(run.text)") }
        return id
    }

    func recorderCalls() async throws -> [JSONValue] {
        try await call("GET", "/s/recorder/calls").1["calls"]?.array ?? []
    }
}

/// The Events agent runs workflows: from a real trigger service's notification or by hand, through the durable queue,
/// calling real action services, every step recorded.
@Suite(.serialized) struct RunTests {
    @Test func webhookTriggerRunsTheExampleWorkflowOnce() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        try await p.deploy("github-webhook", from: Platform.repoRoot + "/services/github-webhook")
        _ = try await p.call("PUT", "/api/v1/secrets/WEBHOOK_SECRET", ["value": "hook-secret"])
        _ = try await p.wait("github-webhook", for: "running")
        let file = try String(contentsOfFile: Platform.repoRoot + "/workflows/github-events.json", encoding: .utf8)
        #expect(try await p.call("POST", "/api/v1/workflows/import", JSONValue.parse(file)).0 == 200)

        let payload = Array(#"{"action":"opened","number":42,"pull_request":{"title":"Add cron parser"}}"#.utf8)
        let signature = "sha256=" + Hex.encode(Digest.hmacSHA256(key: Array("hook-secret".utf8), message: payload))
        func deliver() async throws -> JSONValue {
            let r = try await p.client.send(ClientRequest(method: "POST", url: p.base + "/s/github-webhook/webhook",
                                                          headers: [("X-Hub-Signature-256", signature), ("X-GitHub-Event", "pull_request"),
                                                                    ("X-GitHub-Delivery", "d-42")], body: payload))
            #expect(r.status == 202)
            return JSONValue.parse(r.body) ?? .null
        }
        let runID = try #require(try await deliver()["runId"]?.string)
        let run = try await p.waitRun(runID)
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["cause"]?.string == "event")
        let steps = run["steps"]?.array ?? []
        #expect(steps.map { $0["tool"]?.string ?? "" } == ["call_endpoint", "report"])
        #expect(steps[0]["input"]?["input"]?["text"]?.string == "github.pull_request opened: Add cron parser")
        #expect(steps[0]["output"]?["status"]?.int == 201)
        #expect(steps[0]["status"]?.string == "ok")
        #expect(steps[0]["ms"]?.int != nil)
        let noteID = try #require(steps[0]["output"]?["output"]?["id"]?.int)
        #expect(run["report"]?.string == "Saved note \(noteID) for github.pull_request.")

        // The action really ran: the note is there, once, also after GitHub redelivers.
        let again = try await deliver()
        #expect(again["runId"]?.string == runID)
        #expect(again["duplicate"]?.bool == true)
        let notes = try await p.call("GET", "/s/notes/notes").1["notes"]?.array ?? []
        #expect(notes.count == 1)
        #expect(notes.first?["text"]?.string == "github.pull_request opened: Add cron parser")
        #expect(try await p.call("GET", "/api/v1/runs?workflow=github-events&status=succeeded").1["runs"]?.array?.count == 1)
        #expect(try await p.call("GET", "/api/v1/runs?status=bogus").0 == 400)
        #expect(try await p.call("GET", "/api/v1/runs?since=yesterday").0 == 400)
        await p.stop()
    }

    @Test func aConditionalStepRunsOnlyWhenItsConditionHolds() async throws {
        let p = try await Platform()
        try await p.deploy("recorder", from: Platform.recorder)
        let (status, saved, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "big-orders", "actions": ["recorder"], "steps": [
            "If {{payload.total}} > 100, call recorder POST /record with the payload",
            "Report order {{payload.id}} handled",
        ]])
        #expect(status == 201 || status == 200, "\(saved.text)")
        let small = try await p.waitRun(try await p.startRun("big-orders", ["payload": ["id": 1, "total": 50]]))
        let big = try await p.waitRun(try await p.startRun("big-orders", ["payload": ["id": 2, "total": 150]]))
        #expect(small["status"]?.string == "succeeded", "\(small.text)")
        #expect(big["status"]?.string == "succeeded", "\(big.text)")
        #expect(small["steps"]?[0]?["tool"]?.string == "skip_step", "the skip is recorded: \(small.text)")
        #expect(big["steps"]?[0]?["tool"]?.string == "call_endpoint")
        let calls = try await p.recorderCalls()
        #expect(calls.count == 1, "only the big order was recorded: \(calls)")
        #expect(calls.first?.text.contains("150") == true)
        await p.stop()
    }

    @Test func killDuringARunCompletesItOnceAfterRestart() async throws {
        let p = try await Platform()
        try await p.deploy("recorder", from: Platform.recorder)
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "slow", "actions": ["recorder"],
                                                          "steps": ["Call recorder POST /record with the payload", "Report \"recorded\""]])
        let id = try await p.startRun("slow", ["delayMs": 3000, "value": "x"])
        // Wait until the step is in flight inside the service, then kill the platform (and with it the service).
        let started = p.home + "/services/recorder/data/started"
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: started), Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(FileManager.default.fileExists(atPath: started))
        try await p.restart(kill9: true)

        let run = try await p.waitRun(id)
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["attempts"]?.int == 2)
        #expect(run["report"]?.string == "recorded")
        #expect(try await p.call("GET", "/api/v1/runs?workflow=slow").1["runs"]?.array?.count == 1)
        // The interrupted step was repeated with the same idempotency key, so its effect happened once.
        let calls = try await p.recorderCalls()
        let keys = Set(calls.compactMap { $0["key"]?.string })
        #expect(keys == ["\(id):1"])
        #expect(calls.filter { $0["effect"]?.bool == true }.count == 1)
        let recorded = (run["steps"]?.array ?? []).filter { $0["tool"]?.string == "call_endpoint" }
        #expect(recorded.count == 1, "only the completed call is recorded")
        await p.stop()
    }

    @Test func retryableFailuresBackOffAndOthersFailTheRun() async throws {
        let p = try await Platform(extra: [], environment: ["OPENPIECES_RUN_RETRY_BASE": "0.2"])
        try await p.deploy("recorder", from: Platform.recorder)
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "flaky", "actions": ["recorder"],
                                                          "steps": ["Call recorder POST /flaky with {\"failures\": 2}"]])
        let id = try await p.startRun("flaky", .object([:]))
        let run = try await p.waitRun(id)
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["attempts"]?.int == 3)
        let steps = run["steps"]?.array ?? []
        #expect(steps.map { $0["status"]?.string ?? "" } == ["error", "error", "ok", "ok"])
        #expect(steps.prefix(2).allSatisfy { $0["retryable"]?.bool == true })
        #expect(steps[2]["output"]?["output"]?["attempt"]?.int == 3)
        // Every attempt of the step carried the same key.
        #expect(Set(try await p.recorderCalls().compactMap { $0["key"]?.string }) == ["\(id):1"])

        // A 4xx is not retried: the run fails and says why.
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "refused", "actions": ["recorder"], "steps": ["Call recorder POST /refuse"]])
        let failed = try await p.waitRun(try await p.startRun("refused", .object([:])))
        #expect(failed["status"]?.string == "failed")
        #expect(failed["attempts"]?.int == 1)
        #expect(failed["error"]?.string?.contains("answered 400") == true, "\(failed.text)")
        // A step outside the catalogue form fails with what to do instead.
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "prose", "actions": ["recorder"], "steps": ["Think about the weather."]])
        let prose = try await p.waitRun(try await p.startRun("prose", .object([:])))
        #expect(prose["status"]?.string == "failed")
        #expect(prose["error"]?.string?.contains("connect a model") == true)
        await p.stop()
    }

    @Test func aStoppedServiceDefersTheStepUntilItRunsAgain() async throws {
        let p = try await Platform(extra: [], environment: ["OPENPIECES_RUN_RETRY_BASE": "1"])
        try await p.deploy("recorder", from: Platform.recorder)
        #expect(try await p.call("POST", "/api/v1/services/recorder/stop").0 == 200)
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "later", "actions": ["recorder"], "steps": ["Call recorder POST /record with the payload"]])
        let id = try await p.startRun("later", ["n": 1])
        // The service is not running: the step is recorded as one to retry and the run waits, queued, instead of failing.
        let deadline = Date().addingTimeInterval(30)
        var run = JSONValue.null
        while Date() < deadline {
            run = try await p.call("GET", "/api/v1/runs/\(id)").1
            if run["steps"]?.array?.contains(where: { $0["retryable"]?.bool == true }) == true { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let deferred = try #require(run["steps"]?.array?.first { $0["retryable"]?.bool == true }, "\(run.text)")
        #expect(deferred["status"]?.string == "error")
        #expect(deferred["output"]?["error"]?["message"]?.string?.contains("Start it with POST /api/v1/services/") == true, "\(deferred.text)")
        #expect(run["status"]?.string != "failed", "\(run.text)")
        #expect(try await p.call("POST", "/api/v1/services/recorder/start").0 == 200)
        let done = try await p.waitRun(id, seconds: 60)
        #expect(done["status"]?.string == "succeeded", "\(done.text)")
        #expect(try await p.recorderCalls().count == 1)
        await p.stop()
    }

    @Test func cancelRerunAndLiveProgress() async throws {
        let p = try await Platform()
        try await p.deploy("recorder", from: Platform.recorder)
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "slow", "actions": ["recorder"],
                                                          "steps": ["Call recorder POST /record with the payload", "Report \"done {{input.delayMs}}\""]])
        // Cancel while the step is in flight.
        let id = try await p.startRun("slow", ["delayMs": 20000])
        _ = try await p.waitRun(id, for: "running")
        let (sc, cancelled, _) = try await p.call("POST", "/api/v1/runs/\(id)/cancel")
        #expect(sc == 200)
        #expect(cancelled["status"]?.string == "cancelled")
        #expect(try await p.call("POST", "/api/v1/runs/\(id)/cancel").0 == 409)

        // Re-run with the same input (shorter here: a new run of a different input), and follow it live.
        let (sr, rerun, _) = try await p.call("POST", "/api/v1/runs/\(id)/rerun")
        #expect(sr == 201)
        #expect(rerun["rerunOf"]?.string == id)
        #expect(rerun["input"]?["delayMs"]?.int == 20000)
        _ = try await p.call("POST", "/api/v1/runs/\(rerun["id"]!.string!)/cancel")

        let quick = try await p.startRun("slow", ["delayMs": 300])
        let stream = try await p.client.stream(ClientRequest(url: p.base + "/api/v1/runs/\(quick)/events", timeout: 30))
        #expect(stream.status == 200)
        var raw = ""
        for try await chunk in stream.body { raw += String(decoding: chunk, as: UTF8.self) }
        let events = sseEvents(raw)
        #expect(events.first?.name == "run")
        #expect(events.last?.name == "done")
        #expect(events.last?.data["status"]?.string == "succeeded")
        #expect(events.last?.data["report"]?.string == "done 300")
        let stepSeqs = events.filter { $0.name == "step" }.compactMap { $0.data["seq"]?.int } + (events.first?.data["steps"]?.array ?? []).compactMap { $0["seq"]?.int }
        #expect(Set(stepSeqs) == [1, 2], "every step reaches the follower once: \(raw)")
        await p.stop()
    }
}
