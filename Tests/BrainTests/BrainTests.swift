import Brain
import Foundation
import Store
import Testing
import TestSupport

@Suite(.offPool) struct BrainTests {
    func brain() throws -> Brain {
        let dir = try TestPaths.temporaryDirectory("brain")
        return Brain(db: try TestDatabase.open(dir + "/b.sqlite", migrations: Brain.migrations))
    }

    @Test func searchRanksByRelevanceAndFilters() throws {
        let b = try brain()
        _ = try b.write(kind: "preference", text: "The user wants summaries posted to their Slack webhook every morning at 8", tags: ["slack", "schedule"])
        _ = try b.write(kind: "service", text: "weather-fetch: action service that fetches the forecast for a city", tags: ["weather"])
        _ = try b.write(kind: "fact", text: "The user's timezone is Europe/Zurich", tags: ["schedule"])
        let hits = try b.search("slack morning summary")
        #expect(hits.first?.kind == "preference")
        #expect(hits.first?.score ?? 0 > 0)
        #expect(try b.search("forecast", kind: "service").map(\.kind) == ["service"])
        #expect(try b.search("forecast", kind: "fact").isEmpty)
        #expect(try b.list(tags: ["schedule"]).count == 2)
        #expect(try b.search("user", tags: ["slack", "schedule"]).count == 1)
        // FTS syntax in a query is just words.
        #expect(try b.search("\"slack OR NEAR(*").count >= 1)
    }

    @Test func sayingTheSameAgainReinforcesInsteadOfDuplicating() throws {
        let b = try brain()
        let first = try b.write(kind: "decision", text: "Use node:sqlite for persistence in generated services.", tags: ["storage"], confidence: 0.5)
        #expect(!first.merged)
        let again = try b.write(kind: "decision", text: "use node:sqlite for persistence in generated services", tags: ["deno"])
        #expect(again.merged)
        #expect(again.entry.id == first.entry.id)
        #expect(again.entry.tags == ["deno", "storage"])
        #expect(again.entry.confidence > first.entry.confidence)
        // Nearly the same words merge too; a different kind does not.
        let near = try b.write(kind: "decision", text: "Use node:sqlite for persistence in all generated services.")
        #expect(near.merged)
        let other = try b.write(kind: "fact", text: "Use node:sqlite for persistence in generated services.")
        #expect(!other.merged)
        #expect(try b.list().count == 2)
    }

    @Test func usingAnEntryRaisesConfidence() throws {
        let b = try brain()
        let e = try b.write(kind: "fact", text: "The webhook URL lives in the secret SLACK_WEBHOOK_URL").entry
        try b.reinforce([e.id])
        try b.reinforce([e.id])
        let after = try #require(try b.get(e.id))
        #expect(after.uses == 2)
        #expect(abs(after.confidence - (e.confidence + 0.1)) < 1e-9)
        #expect(after.lastUsed != nil)
    }

    @Test func editsAndValidation() throws {
        let b = try brain()
        let e = try b.write(kind: "fact", text: "old text").entry
        let edited = try #require(try b.update(e.id, text: "new text about cron", kind: "history", tags: ["Cron"], confidence: 0.9))
        #expect(edited.text == "new text about cron")
        #expect(edited.kind == "history")
        #expect(edited.tags == ["cron"])
        #expect(try b.search("cron").first?.id == e.id)
        #expect(try b.search("old").isEmpty)
        #expect(throws: Brain.Invalid.self) { try b.write(kind: "rumour", text: "x") }
        #expect(throws: Brain.Invalid.self) { try b.write(kind: "fact", text: "   ") }
        #expect(throws: Brain.Invalid.self) { try b.write(kind: "fact", text: String(repeating: "x", count: 20_000)) }
        #expect(throws: Brain.Invalid.self) { try b.update(e.id, text: nil, kind: nil, tags: nil, confidence: 2) }
        #expect(try b.delete(e.id))
        #expect(try b.get(e.id) == nil)
        #expect(try b.search("cron").isEmpty)
    }
}
