import Core
import Foundation
import Testing
import TestSupport

/// `openpieces eval --replay`: the whole request suite passes on its recorded transcripts (Deno and the product are
/// real, the model is replayed), and a transcript that builds the wrong thing fails with the check that caught it.
@Suite(.serialized) struct EvalTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var suite: String { repo + "/eval/requests" }
    static var transcripts: String { repo + "/eval/transcripts" }

    func eval(_ arguments: [String]) async throws -> (Int32, String, String) {
        let home = try TestPaths.temporaryDirectory("eval")
        return try await runProduct(["eval", "--suite", Self.suite, "--home", home, "--jobs", "2"] + arguments, environment: [:])
    }

    /// Table rows: request name → the rest of its line.
    func rows(_ table: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in table.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        return out
    }

    @Test func everyRequestPassesOnItsRecordedTranscript() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.suite).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        #expect(names.count >= 20)
        let (code, out, err) = try await eval(["--replay", Self.transcripts])
        let table = rows(out)
        for name in names {
            #expect(table[name]?.hasPrefix("pass") == true, "\(name): \(table[name] ?? "missing")")
        }
        #expect(out.contains("\(names.count) of \(names.count) passed"), "\(out)\n\(err.suffix(3000))")
        #expect(code == 0)
    }

    /// Two transcripts made wrong on purpose: a shortener that answers 200 instead of redirecting, and an Events agent
    /// that saves the order of 50 too. Each fails at the check that looks at that behaviour, and eval exits 1.
    @Test func aTranscriptThatBuildsTheWrongThingFailsWithItsReason() async throws {
        let dir = try TestPaths.temporaryDirectory("eval-broken")
        let shortener = try String(contentsOfFile: Self.transcripts + "/url-shortener.json", encoding: .utf8)
        let redirect = #"new Response(null, { status: 302, headers: { location: row.url } })"#
        let escaped = redirect.replacingOccurrences(of: "\"", with: "\\\"")
        #expect(shortener.contains(escaped))
        try shortener.replacingOccurrences(of: escaped, with: escaped.replacingOccurrences(of: "302", with: "200"))
            .write(toFile: dir + "/url-shortener.json", atomically: true, encoding: .utf8)

        var orders = try #require(JSONValue.parse(try String(contentsOfFile: Self.transcripts + "/big-orders.json", encoding: .utf8))?.array)
        let skip = try #require(orders.firstIndex { $0["tool_calls"]?[0]?["arguments"]?["summary"]?.string?.contains("A-50") == true })
        orders.insert(["tool_calls": [["id": "broken", "name": "call_endpoint",
                                       "arguments": ["service": "big-orders", "endpoint": "POST /orders",
                                                     "input": ["id": "A-50", "customer": "Bob", "total": 50]]]]], at: skip)
        try JSONValue.array(orders).text.write(toFile: dir + "/big-orders.json", atomically: true, encoding: .utf8)

        let (code, out, _) = try await eval(["--replay", dir, "--only", "url-shortener,big-orders"])
        #expect(code == 1)
        let table = rows(out)
        let short = try #require(table["url-shortener"])
        #expect(short.hasPrefix("FAIL") && short.contains("check 3") && short.contains("answered 200, expected 3xx"), "\(short)")
        let big = try #require(table["big-orders"])
        #expect(big.hasPrefix("FAIL") && big.contains("check 4") && big.contains("called POST, expected no such call"), "\(big)")
        #expect(out.contains("0 of 2 passed"))
    }

    @Test func unknownRequestsAndMissingSuitesAreClearErrors() async throws {
        let (code, _, err) = try await eval(["--replay", Self.transcripts, "--only", "no-such-request"])
        #expect(code == 2 && err.contains("no request named no-such-request"))
        let (code2, _, err2) = try await runProduct(["eval", "--suite", "/nonexistent"], environment: [:])
        #expect(code2 == 2 && err2.contains("no suite at /nonexistent"))
    }
}
