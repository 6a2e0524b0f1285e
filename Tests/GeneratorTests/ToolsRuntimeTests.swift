import Core
import Generator
import Intent
import Testing

/// Text tools, the converter and lookup tables, run by Deno.
@Suite(.serialized) struct ToolsRuntimeTests {
    @Test func textStatisticsAnswerOnlyWhatWasAsked() async throws {
        try await withService(SpecTable.text) { s async throws in
            let stats = try await s.expect("POST", "/stats", #"{"text":"One two. Three four five! Six?"}"#)
            #expect(stats == ["words": 6, "sentences": 3])
            #expect(try await s.expect("POST", "/count", #"{"text":"a b"}"#)["words"]?.int == 2)
            #expect(try await s.expect("POST", "/slugify", #"{"text":"Héllo, World!"}"#)["slug"]?.string == "hello-world")
            #expect(try await s.expect("POST", "/case", #"{"text":"hello world","to":"title"}"#)["text"]?.string == "Hello World")
            _ = try await s.expectInvalid("POST", "/stats", #"{"txt":"x"}"#)
            _ = try await s.expectInvalid("POST", "/case", #"{"text":"x","to":"sideways"}"#)
        }
    }

    @Test func theConverterKnowsTheAskedQuantities() async throws {
        try await withService(SpecTable.converter) { s async throws in
            #expect(try await s.expect("GET", "/convert?value=100&from=c&to=f")["result"]?.double == 212)
            #expect(try await s.expect("GET", "/convert?value=1&from=km&to=mi")["result"]?.double == 0.621371)
            let units = try await s.expect("GET", "/units")["units"]?.array?.compactMap(\.string) ?? []
            #expect(units.contains("c") && units.contains("km") && !units.contains("kg") && !units.contains("usd"))
            #expect(try await s.expectInvalid("GET", "/convert?value=1&from=kg&to=g").contains("unknown unit"))
            #expect(try await s.expectInvalid("GET", "/convert?value=1&from=km&to=c").contains("cannot convert"))
            _ = try await s.expectInvalid("GET", "/convert?value=abc&from=km&to=m")
        }
    }

    @Test func lookupTablesFixedAndFilled() async throws {
        try await withService(SpecTable.lookup) { s async throws in
            #expect(try await s.expect("GET", "/lookup/red") == ["key": "red", "value": "ff0000"])
            #expect(try await s.expect("GET", "/lookup/GREEN")["value"]?.string == "00ff00")
            #expect(try await s.expect("GET", "/lookup")["count"]?.int == 2)
            #expect(try await s.expect("GET", "/lookup/blue", status: 404)["error"]?["message"]?.string?.contains("red") == true)
            #expect(try await s.call("PUT", "/lookup/blue", #"{"value":"0000ff"}"#).0 == 405, "a fixed table is not written")
        }
        try await withService(SpecTable.lookupOpen) { s async throws in
            _ = try await s.expect("GET", "/lookup/de", status: 404)
            _ = try await s.expect("PUT", "/lookup/de", #"{"value":"Germany"}"#)
            #expect(try await s.expect("GET", "/lookup/de")["value"]?.string == "Germany")
            #expect(try await s.expect("GET", "/lookup")["entries"] == [["key": "de", "value": "Germany"]])
            #expect(try await s.call("DELETE", "/lookup/de").0 == 204)
            _ = try await s.expectInvalid("PUT", "/lookup/fr", #"{"value":5}"#)
        }
    }
}
