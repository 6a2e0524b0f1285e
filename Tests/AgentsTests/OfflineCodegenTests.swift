@testable import Agents
import Core
import Crypto
import Generator
import Intent
import LLM
import Testing
import TestSupport

/// The offline code-generation agent: what it writes, and what it refuses to overwrite.
@Suite(.offPool) struct OfflineCodegenTests {
    let notes = ServiceSpec("notes-api", resources: [Resource("note", fields: [Field("title"), Field("body")])])

    func change(_ service: String = "notes-api") -> String {
        "Change the service '\(service)': " + Blueprint.change(ChangeSpec(service, [.addField(Field("priority", .number))])).attached(to: "add a field priority to \(service)")
    }

    func read(_ content: String) -> String { JSONValue.object(["content": .string(content)]).text }

    func listed(main: String) -> String {
        JSONValue.object(["files": ["main.ts", "service.json", "spec.json"], "sha256": ["main.ts": .string(Hex.encode(Digest.sha256(Array(main.utf8))))]]).text
    }

    @Test func aChangeReadsTheStoredSpecAndTheCodeThenWritesTheNextVersion() throws {
        let first = OfflineCodegen(ask: change(), lastCalls: [], results: [:]).next()
        #expect(first.toolCalls.map(\.name) == ["read_file", "list_files"])
        let generated = ServiceGenerator.generate(notes)
        let results = [OfflineCodegen.readSpec: read(notes.json), OfflineCodegen.listFiles: listed(main: generated.main)]
        let writes = OfflineCodegen(ask: change(), lastCalls: first.toolCalls, results: results).next()
        #expect(writes.toolCalls.map(\.name) == ["write_file", "write_file", "write_file"])
        let spec = try #require(writes.toolCalls.compactMap { JSONValue.parse($0.arguments) }.first { $0["path"] == "spec.json" }?["content"]?.string)
        #expect(ServiceSpec(json: spec)?.resources.first?.fields.map(\.name) == ["title", "body", "priority"])
    }

    @Test func codeEditedSinceItWasGeneratedIsNotRegeneratedAway() {
        let first = OfflineCodegen(ask: change(), lastCalls: [], results: [:]).next()
        let edited = ServiceGenerator.generate(notes).main + "\n// a fix made by hand\n"
        let answer = OfflineCodegen(ask: change(), lastCalls: first.toolCalls,
                                    results: [OfflineCodegen.readSpec: read(notes.json), OfflineCodegen.listFiles: listed(main: edited)]).next()
        #expect(answer.toolCalls.isEmpty)
        #expect(answer.text.contains("was edited after it was generated"), "\(answer.text)")
    }

    @Test func aBlueprintForAnotherServiceIsRefused() {
        let ask = "Build the service 'notes-api': " + Blueprint.service(ServiceSpec("other", behaviours: [.keyValue])).attached(to: "x")
        let answer = OfflineCodegen(ask: ask, lastCalls: [], results: [:]).next()
        #expect(answer.toolCalls.isEmpty)
        #expect(answer.text.contains("not for this service"))
        #expect(OfflineCodegen(ask: change("other"), lastCalls: [], results: [:]).next().toolCalls.isEmpty == false)
    }

    @Test func aRefusedWriteStopsTheJob() {
        let ask = "Build the service 'notes-api': " + Blueprint.service(notes).attached(to: "x")
        let writes = OfflineCodegen(ask: ask, lastCalls: [], results: [:]).next().toolCalls
        var results: [String: String] = [:]
        for c in writes { results[c.id] = JSONValue.object(["written": "x"]).text }
        results[writes[1].id] = JSONValue.object(["error": ["code": "tool_failed", "message": "the file is too large"]]).text
        let answer = OfflineCodegen(ask: ask, lastCalls: writes, results: results).next()
        #expect(answer.toolCalls.isEmpty, "no deno_check after a failed write")
        #expect(answer.text.contains("the file is too large"))
    }
}
