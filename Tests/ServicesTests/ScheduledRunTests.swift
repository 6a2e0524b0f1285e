import Core
import Crypto
import FakeLLM
import Foundation
import HTTPClient
import LLM
import Testing
import TestSupport

/// Cron-driven and model-driven runs, end to end on the real binary.
@Suite(.serialized) struct ScheduledRunTests {
    @Test func theCronExampleImportsWithItsTaskAndATaskFiresItsWorkflow() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        let file = try String(contentsOfFile: Platform.repoRoot + "/workflows/daily-note.json", encoding: .utf8)
        let (s1, imported, _) = try await p.call("POST", "/api/v1/workflows/import", JSONValue.parse(file))
        #expect(s1 == 200, "\(imported.text)")
        let tasks = try await p.call("GET", "/api/v1/tasks?workflow=daily-note").1["tasks"]?.array ?? []
        #expect(tasks.count == 1)
        #expect(tasks.first?["schedule"]?.string == "0 8 * * *")
        #expect(tasks.first?["timezone"]?.string == "Europe/Zurich")
        #expect(tasks.first?["nextRun"]?.string?.hasSuffix(":00:00.000Z") == true)
        // Importing again keeps the one task (with its history); the export carries it.
        _ = try await p.call("POST", "/api/v1/workflows/import", JSONValue.parse(file))
        #expect(try await p.call("GET", "/api/v1/tasks?workflow=daily-note").1["tasks"]?.array?.first?["id"] == tasks.first?["id"])
        let exported = try await p.call("GET", "/api/v1/workflows/daily-note/export").1
        #expect(exported["tasks"]?[0]?["schedule"]?.string == "0 8 * * *")
        #expect(exported["tasks"]?[0]?["missed"]?.string == "run_once")
        let (s2, bad, _) = try await p.call("POST", "/api/v1/workflows/import", ["slug": "x", "steps": ["Report \"x\""], "tasks": [["schedule": "61 * * * *"]]])
        #expect(s2 == 400)
        #expect(bad["error"]?["message"]?.string?.hasPrefix("tasks[0]:") == true)
        #expect(try await p.call("GET", "/api/v1/workflows/x").0 == 404, "a bad task rejects the whole file")

        // A one-time task a moment from now: the scheduler fires it, the Events agent runs the workflow.
        let at = Clock.iso8601(Date().addingTimeInterval(1.2))
        let (s3, task, _) = try await p.call("POST", "/api/v1/tasks", ["workflow": "daily-note", "at": .string(at)])
        #expect(s3 == 201)
        let taskID = try #require(task["id"]?.string)
        var runs: [JSONValue] = []
        let deadline = Date().addingTimeInterval(15)
        while runs.isEmpty, Date() < deadline {
            runs = try await p.call("GET", "/api/v1/runs?task=\(taskID)").1["runs"]?.array ?? []
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let id = try #require(runs.first?["id"]?.string)
        let run = try await p.waitRun(id)
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["cause"]?.string == "task")
        #expect(run["scheduledFor"]?.string == Clock.iso8601(Clock.date(iso8601: at)!))
        let fired = Clock.date(iso8601: run["created"]!.string!)!
        #expect(fired >= Clock.date(iso8601: at)!, "never early")
        let notes = try await p.call("GET", "/s/notes/notes").1["notes"]?.array ?? []
        #expect(notes.first?["text"]?.string == "Good morning: the run for \(run["scheduledFor"]!.string!).")
        #expect(try await p.call("GET", "/api/v1/tasks/\(taskID)").1["lastRun"] == run["scheduledFor"])
        await p.stop()
    }

    /// The two shipped examples with a (scripted) model instead of the offline engine: a GitHub delivery through the
    /// trigger service, and the cron example fired by a task.
    @Test func withAModelTheExamplesRunEndToEnd() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "a", name: "call_endpoint",
                                 arguments: #"{"service":"notes","endpoint":"POST /notes","input":{"text":"github.pull_request opened: Add cron parser"}}"#)]),
            .toolCalls([ToolCall(id: "b", name: "call_endpoint", arguments: #"{"service":"elsewhere","endpoint":"GET /x"}"#)]),
            .toolCalls([ToolCall(id: "c", name: "report", arguments: #"{"status":"succeeded","summary":"Saved note 1."}"#)]),
            .text(["Saved note 1."]),
            .toolCalls([ToolCall(id: "d", name: "call_endpoint", arguments: #"{"service":"notes","endpoint":"POST /notes","input":{"text":"Good morning."}}"#)]),
            .toolCalls([ToolCall(id: "e", name: "report", arguments: #"{"status":"succeeded","summary":"Saved note 2."}"#)]),
            .text(["Saved note 2."]),
        ])
        defer { Task { await fake.shutdown() } }
        let p = try await Platform(extra: ["--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        try await p.deploy("github-webhook", from: Platform.repoRoot + "/services/github-webhook")
        _ = try await p.call("PUT", "/api/v1/secrets/WEBHOOK_SECRET", ["value": "hook-secret"])
        _ = try await p.wait("github-webhook", for: "running")
        for name in ["github-events", "daily-note"] {
            let file = try String(contentsOfFile: Platform.repoRoot + "/workflows/\(name).json", encoding: .utf8)
            #expect(try await p.call("POST", "/api/v1/workflows/import", JSONValue.parse(file)).0 == 200)
        }

        let payload = Array(#"{"action":"opened","number":42,"pull_request":{"title":"Add cron parser"}}"#.utf8)
        let signature = "sha256=" + Hex.encode(Digest.hmacSHA256(key: Array("hook-secret".utf8), message: payload))
        let delivered = try await p.client.send(ClientRequest(method: "POST", url: p.base + "/s/github-webhook/webhook",
                                                              headers: [("X-Hub-Signature-256", signature), ("X-GitHub-Event", "pull_request")], body: payload))
        #expect(delivered.status == 202)
        let run = try await p.waitRun(try #require(JSONValue.parse(delivered.body)?["runId"]?.string))
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["report"]?.string == "Saved note 1.")
        let steps = run["steps"]?.array ?? []
        #expect(steps.map { $0["status"]?.string ?? "" } == ["ok", "error", "ok"])
        #expect(steps[1]["output"]?["error"]?["message"]?.string?.contains("not linked to this workflow") == true)

        // What the model was given: the steps, the event, the linked endpoints with their schemas, and its tools.
        let first = try #require(fake.requests.first)
        let system = first["messages"]?[0]?["content"]?.string ?? ""
        #expect(system.contains("Workflow: GitHub events to notes (github-events)"))
        #expect(system.contains("1. Call notes POST /notes with"))
        #expect(system.contains("\"title\":\"Add cron parser\""))
        #expect(system.contains("POST /notes — Add a note. Input schema:"))
        let tools = Set((first["tools"]?.array ?? []).compactMap { $0["function"]?["name"]?.string })
        #expect(tools == ["call_endpoint", "skip_step", "report", "brain_search", "brain_write", "assets_search", "assets_save"])

        // The cron example, fired by a task a moment from now.
        let at = Clock.iso8601(Date().addingTimeInterval(0.8))
        let task = try await p.call("POST", "/api/v1/tasks", ["workflow": "daily-note", "at": .string(at)]).1
        var runs: [JSONValue] = []
        let deadline = Date().addingTimeInterval(15)
        while runs.isEmpty, Date() < deadline {
            runs = try await p.call("GET", "/api/v1/runs?task=\(task["id"]?.string ?? "")").1["runs"]?.array ?? []
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let cron = try await p.waitRun(try #require(runs.first?["id"]?.string))
        #expect(cron["status"]?.string == "succeeded", "\(cron.text)")
        #expect(cron["report"]?.string == "Saved note 2.")
        let cronPrompt = fake.requests[4]["messages"]?[0]?["content"]?.string ?? ""
        #expect(cronPrompt.contains("What started this run (task)"))
        #expect(cronPrompt.contains("\"scheduledFor\":\"\(Clock.iso8601(Clock.date(iso8601: at)!))\""))
        let notes = try await p.call("GET", "/s/notes/notes").1["notes"]?.array ?? []
        #expect(notes.compactMap { $0["text"]?.string } == ["Good morning.", "github.pull_request opened: Add cron parser"])
        await p.stop()
    }
}
