import Core
import Foundation
import HTTPServer
import Testing
import TestSupport

/// The router is declared as a value and frozen when the server starts; `:param` patterns have one matcher.
@Suite struct RouterBuilderTests {
    struct Gone: HTTPResponseError {
        var status: Int { 410 }
        var code: String { "gone" }
        var message: String { "It went away. Ask for another one." }
        var headers: [(String, String)] { [("X-Why", "test")] }
    }

    @Test func aCopyOfARouterIsAListOfItsOwn() {
        var a = Router()
        a.get("/one") { _ in .text("1") }
        var b = a
        b.get("/two") { _ in .text("2") }
        #expect(a.patterns.map(\.pattern) == ["/one"])
        #expect(b.patterns.map(\.pattern) == ["/one", "/two"])
        #expect(b.routes.count == 2)
    }

    @Test func requireAnswers400AndDomainErrorsAnswerTheirOwnStatus() async throws {
        var r = Router()
        r.get("/things/:id") { req in .text("id=\(try req.require("id")) other=\(try req.require("other"))") }
        r.add("GET", "/inline-gone", .inline { _ in throw Gone() })
        r.get("/gone/:id") { _ in throw Gone() }
        let server = try HTTPServer(configuration: ServerConfiguration(port: 0, eventLoops: 1), router: r,
                                    logger: Logger(sink: LogSink(capturingAt: .error)))
        do {
            let c = try RawClient(port: server.port)
            try c.send(get("/things/7"))
            let missing = try await c.readResponse()
            #expect(missing.status == 400)
            let obj = try JSONSerialization.jsonObject(with: Data(missing.body)) as? [String: [String: String]]
            #expect(obj?["error"]?["code"] == "missing_parameter")
            #expect(obj?["error"]?["message"]?.contains("'other'") == true)
            for path in ["/inline-gone", "/gone/1"] {
                try c.send(get(path))
                let gone = try await c.readResponse()
                #expect(gone.status == 410)
                #expect(gone.header("X-Why") == "test")
                #expect(gone.text.contains("\"code\":\"gone\""))
                #expect(gone.text.contains("It went away. Ask for another one."))
            }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func thePathTrieIsTheOneMatcher() {
        let trie = PathTrie([(PathPattern("/notes/:id"), "note"), (PathPattern("/notes/:id/tags/:tag"), "tag"),
                             (PathPattern("/notes/search"), "search"), (PathPattern("/files/*rest"), "file"),
                             (PathPattern("/notes/:other"), "shadowed")], combine: { _, _ in })
        #expect(trie.match("/notes/a%20b")?.value == "note")
        #expect(trie.match("/notes/a%20b")?.parameters == ["id": "a b"])
        #expect(trie.match("/notes/search")?.value == "search")
        #expect(trie.match("/notes/7/tags/x")?.parameters == ["id": "7", "tag": "x"])
        #expect(trie.match("/files/a/b%2Fc/")?.parameters == ["rest": "a/b%2Fc/"])
        #expect(trie.match("/files")?.parameters == ["rest": ""])
        #expect(trie.match("/notes") == nil)
        #expect(trie.match("/notes/7/tags") == nil)
        #expect(trie.match("/notes/%zz") == nil)
        #expect(PathPattern("/a/:id/*rest").parameterNames == ["id", "rest"])
        #expect(PathPattern("/a/:id").shape == PathPattern("/a/:name/").shape)
        #expect(!PathPattern("/a/*rest/b").isWellFormed)
    }
}
