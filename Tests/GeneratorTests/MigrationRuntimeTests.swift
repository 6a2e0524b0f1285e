import Core
import Foundation
import Generator
import Intent
import Testing

/// A new version of a service, regenerated from its changed spec, starts on the old version's data: added fields get
/// columns (with their default), renamed fields keep their values, removed fields' data stays in the table.
@Suite(.serialized) struct MigrationRuntimeTests {
    @Test func addedAndRenamedFieldsKeepTheData() async throws {
        let v1 = SpecTable.notesV1
        var dir = ""
        try await withService(v1) { s async throws in
            dir = s.dir
            _ = try await s.expect("POST", "/notes", #"{"title":"first","body":"kept"}"#, status: 201)
        }
        let v2 = try v1.applying([.addField(Field("priority", .number)), .addField(Field("pinned", .boolean, default: .boolean(false)))])
        try await withService(v2, in: dir) { s async throws in
            let old = try await s.expect("GET", "/notes/1")
            #expect(old["title"]?.string == "first" && old["body"]?.string == "kept")
            #expect(old["priority"] == .null && old["pinned"] == .bool(false), "the default fills existing rows")
            #expect(try await s.expect("PATCH", "/notes/1", #"{"priority":2,"pinned":true}"#)["priority"]?.int == 2)
            #expect(try await s.expect("POST", "/notes", #"{"title":"second","priority":5}"#, status: 201)["priority"]?.int == 5)
        }
        let v3 = try v2.applying([.renameField(from: "body", to: "text"), .removeField("pinned")])
        try await withService(v3, in: dir) { s async throws in
            let old = try await s.expect("GET", "/notes/1")
            #expect(old["text"]?.string == "kept" && old["body"] == nil && old["pinned"] == nil)
            #expect(try await s.expect("GET", "/notes")["count"]?.int == 2)
            _ = try await s.expectInvalid("POST", "/notes", #"{"title":"x","pinned":true}"#)
        }
        // The removed field's column is still there, data and all: a later version could bring it back.
        let v4 = try v3.applying([.addField(Field("pinned", .boolean, default: .boolean(false)))])
        try await withService(v4, in: dir) { s async throws in
            let back = try await s.expect("GET", "/notes/1")
            #expect(back["pinned"] == .bool(true) && back["priority"]?.int == 2 && back["text"]?.string == "kept")
        }
    }

    @Test func aNewCounterStartKeepsTheCountsMade() async throws {
        let v1 = ServiceSpec("counter", behaviours: [.counter(CounterSpec())])
        var dir = ""
        try await withService(v1) { s async throws in
            dir = s.dir
            _ = try await s.expect("POST", "/counter/a/increment", #"{"by":2}"#)
        }
        try await withService(try v1.applying([.setCounterStart(10)]), in: dir) { s async throws in
            #expect(try await s.expect("GET", "/counter/a")["count"]?.int == 2)
            #expect(try await s.expect("GET", "/counter/b")["count"]?.int == 10)
            #expect(try await s.expect("POST", "/counter/a/reset")["count"]?.int == 10)
        }
    }
}
