import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// `openpieces workflows|runs|tasks …` against a running server.
@Suite(.serialized) struct AutomationCLITests {
    func cli(_ args: [String], url: String) async throws -> (Int32, String, String) {
        try await runProduct(args + ["--url", url])
    }

    @Test func workflowsRunsAndTasksFromTheCommandLine() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: Platform.repoRoot + "/services/notes")
        let (c1, imported, e1) = try await cli(["workflows", "import", Platform.repoRoot + "/workflows/daily-note.json"], url: p.base)
        #expect(c1 == 0, "\(e1)")
        #expect(imported.contains("imported daily-note from") && imported.contains("with 1 task"))
        let (_, listed, _) = try await cli(["workflows", "list"], url: p.base)
        #expect(listed.contains("daily-note\tactive\ttrigger=-\tactions=notes\tDaily note"))
        let (_, shown, _) = try await cli(["workflows", "show", "daily-note"], url: p.base)
        #expect(shown.contains("  1. Call notes POST /notes with"))
        #expect(shown.contains("task: 0 8 * * * Europe/Zurich"))

        // Run it by hand and follow it to the end: the exit code is the run's outcome.
        let (c2, followed, e2) = try await cli(["workflows", "run", "daily-note", "--input", #"{"scheduledFor": "by hand"}"#, "--follow"], url: p.base)
        #expect(c2 == 0, "\(followed) \(e2)")
        #expect(followed.contains("call_endpoint [ok"))
        #expect(followed.contains("succeeded: Saved note 1."))
        let (_, runs, _) = try await cli(["runs", "list", "--workflow", "daily-note"], url: p.base)
        let runID = try #require(runs.split(separator: "\t").first.map(String.init))
        #expect(runs.contains("\tdaily-note\tsucceeded\tmanual\t"))
        let (_, show, _) = try await cli(["runs", "show", runID], url: p.base)
        #expect(show.contains("run \(runID) of daily-note: succeeded (manual, attempt 1)"))
        #expect(show.contains("2. report [ok"))
        let (c3, _, e3) = try await cli(["runs", "cancel", runID], url: p.base)
        #expect(c3 == 1)
        #expect(e3.contains("already succeeded"))
        let (c4, rerun, _) = try await cli(["runs", "rerun", runID], url: p.base)
        #expect(c4 == 0)
        #expect(rerun.contains("a re-run of \(runID)"))
        #expect(try await cli(["workflows", "run", "daily-note", "--input", "{not json"], url: p.base).0 == 2)

        // Tasks: create with a preview, describe, disable, delete; and a local preview that needs no server.
        let (c5, created, e5) = try await cli(["tasks", "create", "daily-note", "--schedule", "0 9 * * MON-FRI", "--timezone", "America/New_York"], url: p.base)
        #expect(c5 == 0, "\(e5)")
        #expect(created.split(separator: "\n").filter { $0.hasPrefix("  next: ") }.count == 5)
        let taskID = try #require(created.split(separator: "\t").first.map(String.init))
        let (_, task, _) = try await cli(["tasks", "show", taskID, "--next", "3"], url: p.base)
        #expect(task.contains("at 09:00 on Monday to Friday"))
        #expect(task.split(separator: "\n").filter { $0.hasPrefix("  next: ") }.count == 3)
        #expect(try await cli(["tasks", "disable", taskID], url: p.base).1.contains("disabled\tnext=-"))
        let (c6, _, e6) = try await cli(["tasks", "create", "daily-note", "--schedule", "0 25 * * *"], url: p.base)
        #expect(c6 == 1)
        #expect(e6.contains("at character 3"))
        #expect(try await cli(["tasks", "delete", taskID], url: p.base).0 == 0)
        let (c7, preview, _) = try await runProduct(["tasks", "preview", "30 2 * * *", "--timezone", "Europe/Zurich", "--next", "2"])
        #expect(c7 == 0)
        #expect(preview.hasPrefix("at 02:30\n"))
        #expect(preview.split(separator: "\n").count == 3)
        #expect(try await runProduct(["tasks", "preview", "* * *"]).0 == 2)
        await p.stop()
    }
}
