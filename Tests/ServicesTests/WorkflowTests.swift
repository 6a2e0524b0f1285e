import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// Workflows link a trigger (exactly one workflow each) to action services, with ordered steps; files import and export.
@Suite(.serialized) struct WorkflowTests {
    @Test func crudRulesImportAndExport() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        try await p.deploy("github-webhook", from: Platform.repoRoot + "/services/github-webhook")

        // The shipped example imports as is.
        let file = try String(contentsOfFile: Platform.repoRoot + "/workflows/github-events.json", encoding: .utf8)
        let (s1, imported, _) = try await p.call("POST", "/api/v1/workflows/import", JSONValue.parse(file))
        #expect(s1 == 200)
        #expect(imported["trigger"]?.string == "github-webhook")
        #expect(imported["steps"]?.array?.count == 2)

        // A trigger belongs to exactly one workflow; actions must be action services that exist.
        let (s2, taken, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "other", "trigger": "github-webhook"])
        #expect(s2 == 409)
        #expect(taken["error"]?["message"]?.string?.contains("already belongs to workflow 'github-events'") == true)
        let (s3, _, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "bad", "actions": ["github-webhook"]])
        #expect(s3 == 400)
        let (s4, missing, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "bad", "actions": ["nope"]])
        #expect(s4 == 400)
        #expect(missing["error"]?["message"]?.string == "Action service 'nope' does not exist.")
        let (s5, _, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "Bad Slug"])
        #expect(s5 == 400)
        let (s6, _, _) = try await p.call("POST", "/api/v1/workflows", ["slug": "github-events"])
        #expect(s6 == 409)

        // Update, export, delete.
        let (s7, patched, _) = try await p.call("PATCH", "/api/v1/workflows/github-events", ["steps": ["Only log the event."], "status": "archived"])
        #expect(s7 == 200)
        #expect(patched["steps"] == ["Only log the event."])
        #expect(patched["trigger"]?.string == "github-webhook")
        let (_, exported, raw) = try await p.call("GET", "/api/v1/workflows/github-events/export")
        #expect(raw.header("Content-Disposition")?.contains("github-events.json") == true)
        #expect(exported["created"] == nil)
        #expect(exported["status"]?.string == "archived")
        #expect(try await p.call("GET", "/api/v1/workflows").1["workflows"]?.array?.count == 1)
        #expect(try await p.call("DELETE", "/api/v1/workflows/github-events").0 == 204)
        #expect(try await p.call("GET", "/api/v1/workflows/github-events").0 == 404)
        await p.stop()
    }
}

@Suite(.serialized) struct TaskAPITests {
    @Test func tasksValidateTheirScheduleAndPreviewRuns() async throws {
        let p = try await Platform()
        _ = try await p.call("POST", "/api/v1/workflows", ["slug": "digest", "steps": ["Summarise the day"]])
        let (s1, task, _) = try await p.call("POST", "/api/v1/tasks", ["workflow": "digest", "schedule": "0 8 * * MON-FRI", "timezone": "Europe/Zurich"])
        #expect(s1 == 201)
        let preview = task["preview"]?.array?.compactMap(\.string) ?? []
        #expect(preview.count == 5)
        // 08:00 in Zurich is 07:00 or 06:00 UTC depending on the season, and never on a weekend.
        #expect(preview.allSatisfy { $0.hasSuffix("T07:00:00.000Z") || $0.hasSuffix("T06:00:00.000Z") })
        #expect(task["nextRun"]?.string == preview.first)

        let (s2, bad, _) = try await p.call("POST", "/api/v1/tasks", ["workflow": "digest", "schedule": "0 8 * * MON-XYZ"])
        #expect(s2 == 400)
        #expect(bad["error"]?["message"]?.string?.contains("at character 13") == true)
        #expect(try await p.call("POST", "/api/v1/tasks", ["workflow": "digest", "schedule": "@daily", "timezone": "Mars/Olympus"]).0 == 400)
        #expect(try await p.call("POST", "/api/v1/tasks", ["workflow": "digest", "schedule": "@daily", "at": "2030-01-01T00:00:00Z"]).0 == 400)
        #expect(try await p.call("POST", "/api/v1/tasks", ["workflow": "nope", "schedule": "@daily"]).0 == 400)

        let (s3, once, _) = try await p.call("POST", "/api/v1/tasks", ["workflow": "digest", "at": "2030-01-01T09:00:00Z"])
        #expect(s3 == 201)
        #expect(once["nextRun"]?.string == "2030-01-01T09:00:00.000Z")

        let id = try #require(task["id"]?.string)
        let (_, disabled, _) = try await p.call("POST", "/api/v1/tasks/\(id)/disable")
        #expect(disabled["enabled"]?.bool == false)
        #expect(disabled["nextRun"] == .null)
        let (_, enabled, _) = try await p.call("POST", "/api/v1/tasks/\(id)/enable")
        #expect(enabled["nextRun"]?.string == preview.first)
        #expect(try await p.call("GET", "/api/v1/tasks/\(id)?next=10").1["preview"]?.array?.count == 10)
        // Update: a new schedule keeps the rest; an invalid one changes nothing.
        let (s4, updated, _) = try await p.call("PATCH", "/api/v1/tasks/\(id)", ["schedule": "30 6 * * SAT", "missed": "run_once"])
        #expect(s4 == 200)
        #expect(updated["timezone"]?.string == "Europe/Zurich")
        #expect(updated["missed"]?.string == "run_once")
        #expect(updated["description"]?.string == "at 06:30 on Saturday (Europe/Zurich)")
        #expect(updated["preview"]?.array?.allSatisfy { $0.string?.hasSuffix(":30:00.000Z") == true } == true)
        #expect(try await p.call("PATCH", "/api/v1/tasks/\(id)", ["schedule": "30 6 * * SUN-"]).0 == 400)
        #expect(try await p.call("GET", "/api/v1/tasks/\(id)").1["schedule"]?.string == "30 6 * * SAT")
        #expect(try await p.call("PATCH", "/api/v1/tasks/nope", ["enabled": false]).0 == 404)
        // Deleting the workflow deletes its tasks.
        _ = try await p.call("DELETE", "/api/v1/workflows/digest")
        #expect(try await p.call("GET", "/api/v1/tasks").1["tasks"]?.array?.isEmpty == true)
        await p.stop()
    }
}
