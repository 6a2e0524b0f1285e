import Core
import Foundation
import Testing
import TestSupport

@Suite struct IdentifierStreamTests {
    @Test func assetsStreamSnapshotThenChanges() async throws {
        try await PiecesFixture.with { f in
            let first = try await f.createAsset("echo one", name: "one")
            let ws = try await WSClient(port: f.server.port, path: "/assets/stream/identifiers")
            let snapshot = try #require(JSONValue.parse(try await ws.readText()))
            #expect(snapshot["iterable"]?.array?.map { $0["asset"]?["id"] } == [first["id"]])
            let second = try await f.createAsset("echo two", name: "two")
            let added = try #require(JSONValue.parse(try await ws.readText()))
            #expect(added["iterable"]?[0]?["asset"]?["id"] == second["id"])
            #expect(added["iterable"]?[0]?["deleted"] == nil)
            _ = try await f.post("/assets/\(first["id"]!.string!)/delete")
            let removed = try #require(JSONValue.parse(try await ws.readText()))
            #expect(removed["iterable"]?[0]?["asset"]?["id"] == first["id"])
            #expect(removed["iterable"]?[0]?["deleted"]?.bool == true)
        }
    }

    @Test func conversationsStreamSeesNewConversations() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/conversations/stream/identifiers")
            let snapshot = try #require(JSONValue.parse(try await ws.readText()))
            #expect(snapshot["iterable"]?.array?.isEmpty == true)
            let c = try await f.post("/conversations/create", ["name": "watched"])
            let change = try #require(JSONValue.parse(try await ws.readText()))
            #expect(change["iterable"]?[0]?["conversation"]?["id"] == c["id"])
        }
    }
}
