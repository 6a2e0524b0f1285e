import Core
import Generator
import Intent
import Testing

/// A spec can come from a request, or from a `spec.json` someone edited: every name and literal in it is data in the
/// generated code, never code. Quotes, backticks, template holes and SQL in names and values stay inert.
@Suite(.serialized) struct HostileSpecTests {
    static let payload = #"x"); Deno.exit(3); ("`${Deno.exit(4)}`'; DROP TABLE notes; --"#

    static let spec = ServiceSpec("hostile", resources: [
        Resource("note\"); Deno.exit(5); //", fields: [Field("title`${Deno.exit(6)}`"), Field("body\"; DROP TABLE x; --", default: .text(payload))],
                 operations: Operation.crud + [.search(field: "title`${Deno.exit(6)}`")]),
    ], behaviours: [.lookupTable(key: "k", value: "v", entries: [LookupEntry(payload, payload)])])

    @Test func namesAndValuesFromASpecAreDataInTheGeneratedCode() async throws {
        try await withService(Self.spec) { s async throws in
            // It started and answers: nothing in the spec ran as code.
            let path = ServiceGenerator.collectionPath(Self.spec.resources[0])
            #expect(path == "/note-deno-exit-5-s", "a path made of the name's words")
            let made = try await s.expect("POST", path, #"{"title_deno_exit_6":"hi"}"#, status: 201)
            #expect(made["body_drop_table_x"]?.string == Self.payload, "the default is stored verbatim")
            #expect(try await s.expect("GET", path + "/search?q=hi")["note_deno_exit_5_s"]?.array?.count == 1)
            let key = Self.payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            #expect(try await s.expect("GET", "/lookup/\(key)")["value"]?.string == Self.payload)
        }
    }
}
