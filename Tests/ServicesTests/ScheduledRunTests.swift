import Core
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

    @Test func withAModelTheEventsAgentFollowsProseSteps() async throws {
        let fake = try FakeLLMServer([
            .toolCalls([ToolCall(id: "a", name: "call_endpoint",
                                 arguments: #"{"service":"notes","endpoint":"POST /notes","input":{"text":"PR #7 opened"}}"#)]),
            .toolCalls([ToolCall(id: "b", name: "call_endpoint", arguments: #"{"service":"elsewhere","endpoint":"GET /x"}"#)]),
            .toolCalls([ToolCall(id: "c", name: "report", arguments: #"{"status":"succeeded","summary":"Saved one note."}"#)]),
            .text(["Saved one note."]),
        ])
        defer { Task { await fake.shutdown() } }
        let p = try await Platform(extra: ["--llm-base-url", fake.baseURL, "--llm-model", "fake-model"])
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "prs", "actions": ["notes"],
                                                          "steps": ["Write a note that says which pull request was opened."]])
        let id = try await p.startRun("prs", ["event": "github.pull_request", "payload": ["number": 7]])
        let run = try await p.waitRun(id)
        #expect(run["status"]?.string == "succeeded", "\(run.text)")
        #expect(run["report"]?.string == "Saved one note.")
        let steps = run["steps"]?.array ?? []
        #expect(steps.map { $0["status"]?.string ?? "" } == ["ok", "error", "ok"])
        #expect(steps[1]["output"]?["error"]?["message"]?.string?.contains("not linked to this workflow") == true)
        #expect(try await p.call("GET", "/s/notes/notes").1["notes"]?[0]?["text"]?.string == "PR #7 opened")

        // What the model was given: the steps, the input, the linked endpoints with their schemas, and its tools.
        let first = try #require(fake.requests.first)
        let system = first["messages"]?[0]?["content"]?.string ?? ""
        #expect(system.contains("1. Write a note that says which pull request was opened."))
        #expect(system.contains("\"number\":7"))
        #expect(system.contains("POST /notes — Add a note. Input schema:"))
        let tools = Set((first["tools"]?.array ?? []).compactMap { $0["function"]?["name"]?.string })
        #expect(tools == ["call_endpoint", "report", "brain_search", "brain_write", "assets_search", "assets_save"])
        await p.stop()
    }
}
