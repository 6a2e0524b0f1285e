import Core
import FakeLLM
import Foundation
import LLM
import PiecesAPI
import Testing
import TestSupport

/// The endpoints real Pieces clients (pieces-cli 1.20.1 and the SDK wrapper under it) call beyond the seed spec.
@Suite struct PiecesSearchEndpointTests {
    @Test func identifierSnapshotsAndRankedSearches() async throws {
        try await PiecesFixture.with { f in
            let webhook = try await f.createAsset("curl -X POST $HOOK -d '{\"text\":\"deploy done\"}'", name: "Post to the deploy webhook")
            let other = try await f.createAsset("SELECT count(*) FROM deploys;", name: "Count deploys")
            let ids = try await f.get("/assets/identifiers")
            #expect(Set(ids["iterable"]?.array?.compactMap { $0["id"]?.string } ?? []) == [webhook["id"]!.string!, other["id"]!.string!])
            #expect(ids["indices"]?.object?.count == 2)
            let c = try await f.post("/conversations/create", ["name": "one"])
            #expect(try await f.get("/conversations/identifiers")["iterable"]?[0]?["id"] == c["id"])
            for path in ["/search/full_text", "/search/neural_code"] {
                let found = try await f.get("\(path)?query=webhook%20deploy")
                let hits = try #require(found["iterable"]?.array)
                #expect(hits.first?["identifier"] == webhook["id"], "\(path): the asset with both words ranks first")
                #expect(hits.first?["exact"]?.bool == false)
                #expect((hits.first?["score"]?.double ?? 0) > 0)
                #expect(hits.first?["asset"]?["id"] == webhook["id"])
                #expect(found["suggested"]?.int == hits.count)
                let exact = try await f.get("\(path)?query=count(*)%20FROM%20deploys")
                #expect(exact["iterable"]?[0]?["identifier"] == other["id"])
                #expect(exact["exact"]?.int == 1)
                #expect(try await f.call("GET", path).0 == 400)
            }
        }
    }
}

@Suite struct PiecesAssetEditTests {
    @Test func formatValueUpdateAndReclassify() async throws {
        try await PiecesFixture.with { f in
            let a = try await f.createAsset("print('old words')", name: "printer", language: "py")
            var format = try #require(a["original"]?["reference"]?.object)
            format["fragment"] = ["string": ["raw": "print('fresh words')"]]
            let updated = try await f.post("/format/update/value?transferable=false", .object(format))
            #expect(updated["fragment"]?["string"]?["raw"]?.string == "print('fresh words')")
            let id = a["id"]!.string!
            #expect(try await f.get("/asset/\(id)")["original"]?["reference"]?["fragment"]?["string"]?["raw"]?.string == "print('fresh words')")
            #expect(try await f.get("/search/full_text?query=fresh")["iterable"]?[0]?["identifier"]?.string == id)
            #expect(try await f.get("/search/full_text?query=old")["iterable"]?.array?.isEmpty == true)
            let reclassified = try await f.post("/asset/reclassify?transferables=false", ["asset": a, "ext": "swift"])
            #expect(reclassified["original"]?["reference"]?["classification"]?["specific"]?.string == "swift")
            #expect(try await f.call("POST", "/asset/reclassify", ["asset": a, "ext": "not a language"]).0 == 400)
            #expect(try await f.call("POST", "/asset/reclassify", ["asset": ["id": "nope"], "ext": "py"]).0 == 404)
            #expect(try await f.call("POST", "/format/update/value", ["id": "nope", "fragment": ["string": ["raw": "x"]]]).0 == 404)
            #expect(try await f.call("POST", "/format/update/value", ["id": format["id"]!]).0 == 400)
        }
    }

    @Test func fileSeedsAndMetadataExtension() async throws {
        try await PiecesFixture.with { f in
            // Raycast seeds a file, not a fragment; the language comes from metadata.ext.
            let raycast = try await f.post("/assets/create", ["type": "SEEDED_ASSET", "asset": ["format": ["file": [
                "string": ["raw": "echo from raycast"], "metadata": ["ext": "sh"]]]]])
            #expect(raycast["original"]?["reference"]?["fragment"]?["string"]?["raw"]?.string == "echo from raycast")
            #expect(raycast["original"]?["reference"]?["classification"]?["specific"]?.string == "sh")
            let bytes = Array("fn main() {}".utf8).map { JSONValue(Int($0)) }
            let fromBytes = try await f.post("/assets/create", ["asset": ["format": ["file": ["bytes": ["raw": .array(bytes)], "metadata": ["ext": "rs"]]]]])
            #expect(fromBytes["original"]?["reference"]?["fragment"]?["string"]?["raw"]?.string == "fn main() {}")
            #expect(fromBytes["original"]?["reference"]?["classification"]?["specific"]?.string == "rs")
            let fragment = try await f.post("/assets/create", ["asset": ["format": ["fragment": ["string": ["raw": "x = 1"], "metadata": ["ext": "py"]]]]])
            #expect(fragment["original"]?["reference"]?["classification"]?["specific"]?.string == "py")
            #expect(try await f.call("POST", "/assets/create", ["asset": ["format": ["file": ["metadata": ["ext": "sh"]]]]]).0 == 400)
            #expect(try await f.call("POST", "/assets/create", ["asset": ["format": ["fragment": ["string": ["raw": "x"], "metadata": ["ext": "../etc"]]]]]).0 == 400)
            let big = String(repeating: "a", count: 1024 * 1024 + 1)
            #expect(try await f.call("POST", "/assets/create", ["asset": ["format": ["file": ["string": ["raw": .string(big)]]]]]).0 == 413)
        }
    }
}

@Suite struct PiecesConversationEditTests {
    @Test func renameUpdateDeleteAndMessages() async throws {
        try await PiecesFixture.with { f in
            let c = try await f.post("/conversations/create", ["name": "draft"])
            let id = c["id"]!.string!
            let m1 = try await f.post("/messages/create", ["conversation": ["id": .string(id)], "role": "USER",
                                                          "fragment": ["string": ["raw": "How do I tail a log file?"]]])
            let m2 = try await f.post("/messages/create", ["conversation": ["id": .string(id)], "role": "ASSISTANT",
                                                          "fragment": ["string": ["raw": "tail -f app.log"]]])
            let conv = try await f.get("/conversation/\(id)")
            #expect(conv["messages"]?["indices"]?[m1["id"]!.string!]?.int == 0)
            #expect(conv["messages"]?["indices"]?[m2["id"]!.string!]?.int == 1)
            let one = try await f.get("/message/\(m2["id"]!.string!)")
            #expect(one["fragment"]?["string"]?["raw"]?.string == "tail -f app.log")
            #expect(one["conversation"]?["id"]?.string == id)
            #expect(one["role"]?.string == "ASSISTANT")
            // Offline, the automatic rename takes the first question.
            let renamed = try await f.post("/conversation/\(id)/rename")
            #expect(renamed["name"]?.string == "How do I tail a log file?")
            var edited = conv.object!
            edited["name"] = "Log tailing"
            #expect(try await f.post("/conversation/update?transferables=false", .object(edited))["name"]?.string == "Log tailing")
            #expect(try await f.get("/conversation/\(id)")["name"]?.string == "Log tailing")
            edited["name"] = ""
            #expect(try await f.call("POST", "/conversation/update", .object(edited)).0 == 400)
            #expect(try await f.call("POST", "/messages/create", ["conversation": ["id": "nope"], "fragment": ["string": ["raw": "x"]]]).0 == 404)
            #expect(try await f.call("POST", "/messages/create", ["conversation": ["id": .string(id)], "role": "ROOT", "fragment": ["string": ["raw": "x"]]]).0 == 400)
            #expect(try await f.call("GET", "/message/nope").0 == 404)
            _ = try await f.post("/conversations/\(id)/delete")
            #expect(try await f.call("GET", "/conversation/\(id)").0 == 404)
            #expect(try await f.call("GET", "/message/\(m1["id"]!.string!)").0 == 404)
            #expect(try await f.call("POST", "/conversations/\(id)/delete").0 == 404)
        }
    }

    @Test func renameAsksTheModel() async throws {
        let fake = try FakeLLMServer([.text(["\"Tailing logs\""])])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            let id = try await f.post("/conversations/create")["id"]!.string!
            _ = try await f.post("/messages/create", ["conversation": ["id": .string(id)], "fragment": ["string": ["raw": "how to follow a log"]]])
            #expect(try await f.post("/conversation/\(id)/rename")["name"]?.string == "Tailing logs")
            #expect(fake.requests[0]["messages"]?[1]?["content"]?.string?.contains("how to follow a log") == true)
        }
    }
}

@Suite struct PiecesAnchorTests {
    @Test func anchorsAreCreatedStreamedAndLinked() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/anchors/stream/identifiers")
            #expect(JSONValue.parse(try await ws.readText())?["iterable"]?.array?.isEmpty == true)
            let anchor = try await f.post("/anchors/create?transferables=false", ["type": "FILE", "fullpath": "/tmp/notes.md"])
            let id = try #require(anchor["id"]?.string)
            #expect(anchor["points"]?["iterable"]?[0]?["reference"]?["fullpath"]?.string == "/tmp/notes.md")
            #expect(anchor["name"]?.string == "notes.md")
            #expect(JSONValue.parse(try await ws.readText())?["iterable"]?[0]?["anchor"]?["id"]?.string == id)
            // The same path again is the same anchor.
            #expect(try await f.post("/anchors/create", ["type": "FILE", "fullpath": "/tmp/notes.md"])["id"]?.string == id)
            let c = try await f.post("/conversations/create")["id"]!.string!
            let (status, _) = try await f.call("POST", "/conversation/\(c)/anchors/associate/\(id)")
            #expect(status == 204)
            #expect(try await f.get("/conversation/\(c)")["anchors"]?["indices"]?[id]?.int == 0)
            #expect(try await f.get("/anchor/\(id)")["conversations"]?["iterable"]?[0]?["id"]?.string == c)
            let asset = try await f.createAsset("ls -la")
            #expect(try await f.call("POST", "/conversation/\(c)/assets/associate/\(asset["id"]!.string!)").0 == 204)
            #expect(try await f.get("/conversation/\(c)")["assets"]?["iterable"]?[0]?["id"] == asset["id"])
            #expect(try await f.call("POST", "/conversation/\(c)/assets/disassociate/\(asset["id"]!.string!)").0 == 204)
            #expect(try await f.get("/conversation/\(c)")["assets"] == nil)
            #expect(try await f.call("POST", "/conversation/\(c)/assets/associate/nope").0 == 404)
            #expect(try await f.call("POST", "/conversation/nope/anchors/associate/\(id)").0 == 404)
            #expect(try await f.call("POST", "/anchors/create", ["type": "FILE", "fullpath": "relative/path"]).0 == 400)
            #expect(try await f.call("POST", "/anchors/create", ["type": "SOCKET", "fullpath": "/tmp/x"]).0 == 400)
            #expect(try await f.call("GET", "/anchor/nope").0 == 404)
        }
    }
}

@Suite struct PiecesQGPTMaterialTests {
    @Test func linkedAssetsAndFilesReachTheModel() async throws {
        let dir = try TestPaths.temporaryDirectory("anchors")
        let file = dir + "/retry.py", big = dir + "/big.log"
        try "def retry(fn):\n    return fn()  # MARKER-FILE\n".write(toFile: file, atomically: true, encoding: .utf8)
        try String(repeating: "x", count: 256 * 1024 + 1).write(toFile: big, atomically: true, encoding: .utf8)
        let fake = try FakeLLMServer([.text(["first"]), .text(["second"])])
        defer { Task { await fake.shutdown() } }
        try await PiecesFixture.with(llm: LLMSettings(baseURL: fake.baseURL, apiKey: nil, model: "fake-model")) { f in
            // As `pieces ask -m 1 -f retry.py -f big.log -f <dir>`: a chat, links, then the question naming them.
            let asset = try await f.createAsset("kubectl rollout restart deploy/api  # MARKER-ASSET", name: "restart api")
            let c = try await f.post("/conversations/create", ["name": "ctx", "type": "COPILOT"])["id"]!.string!
            _ = try await f.call("POST", "/conversation/\(c)/assets/associate/\(asset["id"]!.string!)")
            var anchors: [JSONValue] = []
            for path in [file, big, dir] {
                let a = try await f.post("/anchors/create", ["type": path == dir ? "DIRECTORY" : "FILE", "fullpath": .string(path)])
                _ = try await f.call("POST", "/conversation/\(c)/anchors/associate/\(a["id"]!.string!)")
                anchors.append(a)
            }
            // An earlier message from another chat, as the SDK's context.messages links it.
            let other = try await f.post("/conversations/create")["id"]!.string!
            let earlier = try await f.post("/messages/create", ["conversation": ["id": .string(other)], "role": "ASSISTANT",
                                                               "fragment": ["string": ["raw": "use exponential backoff  # MARKER-MESSAGE"]]])
            let earlierID = earlier["id"]!.string!
            #expect(try await f.call("POST", "/conversation/\(c)/grounding/messages/associate/\(earlierID)").0 == 204)
            #expect(try await f.get("/conversation/\(c)")["grounding"]?["messages"]?["indices"]?[earlierID]?.int == 0)
            let ws = try await WSClient(port: f.server.port, path: "/qgpt/stream")
            let out = try await QGPTStreamTests().ask(ws, ["conversation": .string(c), "relevance": [
                "query": "what does this do?", "options": ["question": true],
                "assets": ["iterable": [asset]], "anchors": ["iterable": .array(anchors)]]])
            #expect(out.statuses.last == "COMPLETED")
            let system = fake.requests[0]["messages"]?[0]?["content"]?.string ?? ""
            #expect(system.contains("MARKER-ASSET"))
            #expect(system.contains("MARKER-FILE"))
            #expect(system.contains("MARKER-MESSAGE"))
            #expect(!system.contains("xxxxxxxx"))
            #expect(out.text.contains("I could not read \(big): it holds"))
            #expect(out.text.contains("I could not read \(dir): it is a folder"))
            #expect(out.text.hasSuffix("first"))
            // A later question in the same chat, naming nothing, still has the linked material.
            _ = try await QGPTStreamTests().ask(ws, ["conversation": .string(c), "question": ["query": "and now?"]])
            #expect(fake.requests[1]["messages"]?[0]?["content"]?.string?.contains("MARKER-ASSET") == true)
        }
    }
}

@Suite struct PiecesApplicationOSTests {
    @Test func applicationsOnboardingAndStreams() async throws {
        try await PiecesFixture.with { f in
            let ws = try await WSClient(port: f.server.port, path: "/applications/stream/identifiers")
            let snapshot = try #require(JSONValue.parse(try await ws.readText())?["iterable"]?.array)
            #expect(snapshot.contains { $0["application"]?["id"]?.string == "openpieces-os-server" })
            let app = try await f.post("/applications/register", ["id": "cli-1", "name": "PIECES_FOR_DEVELOPERS_CLI", "version": "1.20.1", "platform": "LINUX", "onboarded": false])
            #expect(JSONValue.parse(try await ws.readText())?["iterable"]?[0]?["application"]?["id"]?.string == "cli-1")
            #expect(try await f.get("/applications/cli-1")["onboarded"]?.bool == false)
            _ = try await f.call("POST", "/cli-1/onboarded", true)
            #expect(try await f.get("/applications/cli-1")["onboarded"]?.bool == true)
            var edited = app.object!
            edited["version"] = "1.21.0"
            #expect(try await f.post("/application/update", .object(edited))["version"]?.string == "1.21.0")
            #expect(try await f.call("GET", "/applications/nope").0 == 404)
            #expect(try await f.call("POST", "/nope/onboarded", true).0 == 404)
            #expect(try await f.call("POST", "/cli-1/onboarded", "yes").0 == 400)
            #expect(try await f.call("POST", "/application/update", ["id": "nope"]).0 == 404)
            let ranges = try await WSClient(port: f.server.port, path: "/ranges/stream/identifiers")
            #expect(JSONValue.parse(try await ranges.readText())?["iterable"]?.array?.isEmpty == true)
        }
    }

    @Test func osControlsAnswerLocally() async throws {
        try await PiecesFixture.with { f in
            #expect(try await f.post("/os/sign_in")["id"]?.string == "local-user")
            let out = try await f.post("/os/sign_out")
            #expect(out["iterable"]?[0]?["id"]?.string == "local-user")
            #expect(out["message"]?.string?.contains("local-only") == true)
            let restart = try await f.get("/os/restart")
            #expect(restart["restarted"]?.bool == false)
            #expect(restart["message"]?.string?.contains("service manager") == true)
            #expect(try await f.get("/user")["user"]?["id"]?.string == "local-user")
        }
    }
}
