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
        #expect(imported["steps"]?.array?.count == 3)

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
