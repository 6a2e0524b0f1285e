import Core
import Generator
import Intent
import Testing

/// Resources over the typed store, run by Deno: CRUD, toggles, counts, filters, search, sum, documents, short links,
/// validation.
@Suite(.serialized) struct RecordsRuntimeTests {
    @Test func tasksAddThreeCompleteOneAndTwoRemainOpen() async throws {
        try await withService(SpecTable.tasks) { s async throws in
            var ids: [Int] = []
            for title in ["milk", "bread", "eggs"] {
                let row = try await s.expect("POST", "/tasks", #"{"title":"\#(title)"}"#, status: 201)
                #expect(row["done"] == .bool(false) && row["created"]?.string != nil && row["title"]?.string == title)
                ids.append(try #require(row["id"]?.int))
            }
            #expect(try await s.expect("POST", "/tasks/\(ids[0])/done")["done"] == .bool(true))
            #expect(try await s.expect("GET", "/tasks/count")["count"]?.int == 2)
            #expect(try await s.expect("GET", "/tasks/count-done")["count"]?.int == 1)
            let open = try await s.expect("GET", "/tasks/open")
            #expect(open["tasks"]?.array?.compactMap { $0["title"]?.string } == ["eggs", "bread"], "newest first")
            let all = try await s.expect("GET", "/tasks")
            #expect(all["count"]?.int == 3 && all["tasks"]?.array?.first?["title"]?.string == "eggs")
            #expect(try await s.expect("GET", "/tasks?done=true")["tasks"]?.array?.count == 1)
            #expect(try await s.expect("DELETE", "/tasks/\(ids[0])/done")["done"] == .bool(false))
            #expect(try await s.expect("GET", "/tasks/count")["count"]?.int == 3)
            // Partial updates keep the other fields; PATCH and PUT alike.
            let patched = try await s.expect("PATCH", "/tasks/\(ids[1])", #"{"due":"2026-03-01T09:00:00Z"}"#)
            #expect(patched["title"]?.string == "bread" && patched["due"]?.string == "2026-03-01T09:00:00Z")
            #expect(try await s.expect("PUT", "/tasks/\(ids[1])", #"{"title":"rye"}"#)["due"]?.string == "2026-03-01T09:00:00Z")
            #expect(try await s.call("DELETE", "/tasks/\(ids[1])").0 == 204)
            #expect(try await s.expect("GET", "/tasks/\(ids[1])", status: 404)["error"]?["code"]?.string == "not_found")
            #expect(try await s.expect("DELETE", "/tasks/\(ids[1])", status: 404)["error"] != nil)
            #expect(try await s.expect("GET", "/nowhere", status: 404)["error"]?["code"]?.string == "not_found")
            #expect(try await s.expect("POST", "/tasks/count", status: 405)["error"]?["code"]?.string == "method_not_allowed")
        }
    }

    @Test func invalidInputIsA400ThatSaysWhatToSend() async throws {
        try await withService(SpecTable.tasks) { s async throws in
            #expect(try await s.expectInvalid("POST", "/tasks", #"{"title":"a","colour":"red","size":2}"#).contains("'colour', 'size'"))
            #expect(try await s.expectInvalid("POST", "/tasks", "{}").contains("title"))
            #expect(try await s.expectInvalid("POST", "/tasks", #"{"title":5}"#).contains("string"))
            #expect(try await s.expectInvalid("POST", "/tasks", #"{"title":"a","done":"yes"}"#).contains("true or false"))
            #expect(try await s.expectInvalid("POST", "/tasks", #"{"title":"a","due":"next week"}"#).contains("ISO-8601"))
            #expect(try await s.expectInvalid("POST", "/tasks", "not json").contains("JSON"))
            let long = String(repeating: "x", count: 10001)
            #expect(try await s.expectInvalid("POST", "/tasks", #"{"title":"\#(long)"}"#).contains("10000"))
            _ = try await s.expectInvalid("GET", "/tasks?done=maybe")
            _ = try await s.expectInvalid("GET", "/tasks?limit=5000")
        }
        try await withService(SpecTable.expiring) { s async throws in
            let refused = try await s.expectInvalid("POST", "/notes", #"{"link":"ftp://example.com"}"#)
            #expect(refused.contains("http(s) URL"))
            let note = try await s.expect("POST", "/notes", #"{"link":"https://example.com/a"}"#, status: 201)
            #expect(note["expires"]?.string != nil)
        }
    }

    @Test func sumsSearchesAndFilters() async throws {
        try await withService(SpecTable.expenses) { s async throws in
            for (amount, note) in [(12.5, "lunch"), (150, "train"), (30, "books")] {
                _ = try await s.expect("POST", "/expenses", #"{"amount":\#(amount),"note":"\#(note)"}"#, status: 201)
            }
            #expect(try await s.expect("GET", "/expenses/sum") == ["field": "amount", "sum": 192.5])
            #expect(try await s.expect("GET", "/expenses/amount-over-100")["expenses"]?.array?.count == 1)
            #expect(try await s.expect("GET", "/expenses/count?note=books")["count"]?.int == 1)
            _ = try await s.expectInvalid("POST", "/expenses", #"{"amount":"12"}"#)
        }
        try await withService(SpecTable.notes) { s async throws in
            _ = try await s.expect("POST", "/notes", #"{"title":"Shopping list","body":"milk"}"#, status: 201)
            _ = try await s.expect("POST", "/notes", #"{"title":"Ideas","body":"100% shopping"}"#, status: 201)
            #expect(try await s.expect("GET", "/notes/search?q=shop")["notes"]?.array?.count == 1)
            #expect(try await s.expect("GET", "/notes/search?q=%25")["notes"]?.array?.count == 0, "% is searched for, not a wildcard")
            _ = try await s.expectInvalid("GET", "/notes/search")
        }
        try await withService(SpecTable.budgets) { s async throws in
            _ = try await s.expect("POST", "/budgets", #"{"name":"food","limit":300,"data":"x"}"#, status: 201)
            _ = try await s.expect("POST", "/budgets", #"{"name":"fun","limit":50}"#, status: 201)
            #expect(try await s.expect("GET", "/budgets?limit=50")["budgets"]?.array?.compactMap { $0["name"]?.string } == ["fun"])
            #expect(try await s.expect("GET", "/budgets?data=x")["count"]?.int == 1)
        }
    }

    @Test func documentsKeepExtraFieldsAndShortLinksRedirect() async throws {
        try await withService(SpecTable.documents) { s async throws in
            let row = try await s.expect("POST", "/submissions", #"{"email":"a@b.c","total":120,"items":[1,2],"source":{"site":"x"}}"#, status: 201)
            #expect(row["items"] == [1, 2] && row["source"]?["site"]?.string == "x" && row["total"]?.double == 120)
            let id = try #require(row["id"]?.int)
            let updated = try await s.expect("PATCH", "/submissions/\(id)", #"{"note":"late","id":99}"#)
            #expect(updated["id"]?.int == id && updated["note"]?.string == "late" && updated["items"] == [1, 2])
            #expect(try await s.expect("GET", "/submissions")["submissions"]?[0]?["source"]?["site"]?.string == "x")
            // Typed fields stay typed.
            _ = try await s.expectInvalid("POST", "/submissions", #"{"total":"lots"}"#)
            #expect(try await s.expect("GET", "/submissions/count")["count"]?.int == 1)
        }
        try await withService(SpecTable.links) { s async throws in
            let link = try await s.expect("POST", "/links", #"{"url":"https://example.com/a/long/page"}"#, status: 201)
            let code = try #require(link["code"]?.string)
            #expect(code.count == 6)
            let (status, _, response) = try await s.call("GET", "/\(code)")
            #expect(status == 301)
            #expect(response.header("location") == "https://example.com/a/long/page")
            #expect(try await s.expect("GET", "/nope12", status: 404)["error"]?["code"]?.string == "not_found")
            _ = try await s.expectInvalid("POST", "/links", #"{"url":"not a url"}"#)
            #expect(try await s.call("PUT", "/links/1", "{}").0 == 405, "links have no update")
        }
    }
}
