import Core
import Foundation
import HTTPClient
import Testing
import TestSupport

/// A service's code through the API, on the real binary with real Deno: versions with what produced them, a
/// version's files, diffs between versions and against the agent's workspace, and their errors.
@Suite(.serialized) struct VersionRoutesTests {
    let notes = Platform.repoRoot + "/services/notes"

    @Test func uploadsMakeVersionsWithFilesAndDiffs() async throws {
        let p = try await Platform()
        try await p.deploy("notes", from: notes)
        var files = try Platform.files(notes)
        let main = try #require(files["main.ts"]?.string)
        files = .object(files.object!.merging(["main.ts": .string("// Version two.\n" + main.replacingOccurrences(of: "LIMIT 500", with: "LIMIT 100"))]) { $1 })
        let (patched, _, _) = try await p.call("PATCH", "/api/v1/services/notes", ["files": files])
        #expect(patched == 200)
        _ = try await p.wait("notes", for: "running")

        let (s1, versions, _) = try await p.call("GET", "/api/v1/services/notes/versions")
        #expect(s1 == 200)
        #expect(versions["current"]?.int == 2)
        let list = try #require(versions["versions"]?.array)
        #expect(list.map { $0["version"]?.int } == [1, 2])
        #expect(list.map { $0["source"]?["kind"]?.string } == ["upload", "upload"])
        #expect(list.map { $0["current"]?.bool } == [false, true])
        #expect(list.allSatisfy { $0["created"]?.string?.hasPrefix("20") == true })

        let (s2, v1, _) = try await p.call("GET", "/api/v1/services/notes/versions/1/files")
        #expect(s2 == 200)
        let v1Files = try #require(v1["files"]?.array)
        #expect(v1Files.map { $0["path"]?.string } == ["main.ts", "service.json"])
        let v1Main = try #require(v1Files.first?["text"]?.string)
        #expect(v1Main == main)
        #expect(v1Files.first?["size"]?.int == main.utf8.count)

        let (s3, diff, _) = try await p.call("GET", "/api/v1/services/notes/diff?from=1&to=2")
        #expect(s3 == 200)
        #expect(diff["unchanged"]?.int == 1)
        let changed = try #require(diff["files"]?.array?.first)
        #expect(changed["path"]?.string == "main.ts")
        #expect(changed["status"]?.string == "changed")
        let text = try #require(changed["diff"]?.string)
        #expect(text.hasPrefix("--- a/main.ts\t(v1)\n+++ b/main.ts\t(v2)\n@@ -1,"))
        #expect(text.contains("\n+// Version two.\n"))
        #expect(text.contains("\n-    return json({ notes: db.prepare(\"SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 500\").all() });\n"))
        #expect(text.contains("\n+    return json({ notes: db.prepare(\"SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 100\").all() });\n"))
        #expect(changed["additions"]?.int == 2 && changed["deletions"]?.int == 1)

        // Errors say what to do, with the right status.
        let (e1, missing, _) = try await p.call("GET", "/api/v1/services/notes/diff?from=1")
        #expect(e1 == 400 && missing["error"]?["code"]?.string == "missing_query")
        let (e2, noVersion, _) = try await p.call("GET", "/api/v1/services/notes/diff?from=1&to=7")
        #expect(e2 == 404 && noVersion["error"]?["code"]?.string == "no_such_version")
        #expect(noVersion["error"]?["message"]?.string?.contains("Versions: 1, 2") == true)
        let (e3, noWorkspace, _) = try await p.call("GET", "/api/v1/services/notes/diff?from=1&to=workspace")
        #expect(e3 == 404 && noWorkspace["error"]?["code"]?.string == "no_workspace")
        let (e4, _, _) = try await p.call("GET", "/api/v1/services/nothing/versions")
        #expect(e4 == 404)
        let (e5, _, _) = try await p.call("GET", "/api/v1/services/notes/versions/3/files")
        #expect(e5 == 404)

        // Past the cap a clear refusal, not a cut.
        let big = String(repeating: "// padding line for the size cap\n", count: 28_000)
        var large = try Platform.files(notes).object!
        for i in 0..<3 { large["pad\(i).ts"] = .string(big) }
        let (s4, _, _) = try await p.call("PATCH", "/api/v1/services/notes", ["files": .object(large)])
        #expect(s4 == 200)
        let (e6, tooLarge, _) = try await p.call("GET", "/api/v1/services/notes/versions/3/files")
        #expect(e6 == 413 && tooLarge["error"]?["code"]?.string == "too_large")
        #expect(tooLarge["error"]?["message"]?.string?.contains("/download") == true)
        await p.stop()
    }

    @Test func aChatsBuildIsRecordedWithItsChatSessionAndProgress() async throws {
        let p = try await Platform()
        let (_, chat, _) = try await p.call("POST", "/api/v1/chats", ["title": "build"])
        let chatID = try #require(chat["id"]?.string)
        let (status, _, raw) = try await p.call("POST", "/api/v1/chats/\(chatID)/messages", ["content": "create a notes API with title and body"])
        #expect(status == 200)
        #expect(raw.text.contains("Built and deployed"))

        let (_, versions, _) = try await p.call("GET", "/api/v1/services/notes-api/versions")
        let source = try #require(versions["versions"]?.array?.first?["source"])
        #expect(source["kind"]?.string == "chat")
        #expect(source["chat"]?.string == chatID)
        let session = try #require(source["session"]?.string)

        // The session is the service's, not the user's: listed under the service, not among the chats.
        let (_, mine, _) = try await p.call("GET", "/api/v1/chats?agent=orchestrator")
        #expect(mine["chats"]?.array?.map { $0["id"]?.string } == [chatID])
        let (_, sessions, _) = try await p.call("GET", "/api/v1/chats?agent=codegen&service=notes-api")
        #expect(sessions["chats"]?.array?.map { $0["id"]?.string } == [session])
        let (refused, readOnly, _) = try await p.call("POST", "/api/v1/chats/\(session)/messages", ["content": "hello"])
        #expect(refused == 409 && readOnly["error"]?["code"]?.string == "read_only")

        // The reopened chat keeps the tool's outcome and the agent's progress lines.
        let (_, story, _) = try await p.call("GET", "/api/v1/chats/\(chatID)")
        let messages = story["messages"]?.array ?? []
        let calls = messages.flatMap { $0["toolCalls"]?.array ?? [] }
        let build = try #require(calls.first { $0["name"]?.string == "build_service" }?["id"]?.string)
        let result = try #require(messages.first { $0["role"]?.string == "tool" && $0["toolCallId"]?.string == build })
        #expect(result["detail"]?["ok"]?.bool == true)
        #expect((result["detail"]?["ms"]?.int ?? -1) >= 0)
        let progress = result["detail"]?["progress"]?.array?.compactMap(\.string) ?? []
        #expect(progress.first?.hasPrefix("codegen notes-api: session new") == true)
        #expect(progress.contains { $0.hasPrefix("codegen notes-api: deploy ok") })

        // The agent's workspace matches what it deployed.
        let (_, same, _) = try await p.call("GET", "/api/v1/services/notes-api/diff?from=1&to=workspace")
        #expect(same["files"]?.array?.isEmpty == true)
        #expect((same["unchanged"]?.int ?? 0) >= 2)
        await p.stop()
    }
}
