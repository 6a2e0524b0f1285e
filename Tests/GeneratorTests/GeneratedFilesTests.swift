import Core
import Foundation
import Generator
import Intent
import Processes
import Services
import Testing
import TestSupport

/// Every spec of the table gives a `main.ts` that `deno check` accepts (all in one invocation: each start costs
/// seconds on a loaded machine) and a `service.json` the platform accepts; generation is deterministic.
@Suite(.offPool) struct GeneratedFilesTests {
    @Test func everySpecTypeChecksAndItsManifestParses() async throws {
        let root = try TestPaths.temporaryDirectory("generated")
        var mains: [String] = []
        let parsed = SpecTable.parsed
        #expect(parsed.count == SpecTable.requests.count, "every request reads as a service")
        for (i, spec) in (SpecTable.all + parsed).enumerated() {
            let generated = ServiceGenerator.generate(spec)
            let dir = "\(root)/\(i)-\(spec.name)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (path, content) in generated.files { try content.write(toFile: "\(dir)/\(path)", atomically: true, encoding: .utf8) }
            mains.append("\(i)-\(spec.name)/main.ts")
            let manifest = try Manifest.parse(Array(generated.manifest.text.utf8))
            #expect(!manifest.endpoints.isEmpty, "\(spec.name) declares its endpoints")
            for e in manifest.endpoints {
                #expect(e.outputSchema != nil || e.method == "DELETE" || e.path == "/:code", "\(spec.name) \(e.method) \(e.path) has an outputSchema")
                if e.path.contains(":") { #expect(e.inputSchema != nil, "\(spec.name) \(e.method) \(e.path) takes input, so has an inputSchema") }
            }
            #expect(ServiceSpec(json: generated.files[2].content) == spec, "spec.json reads back")
        }
        let deno = try #require(DenoLocator.find(environment: ProcessInfo.processInfo.environment))
        let files = mains
        let (status, output) = try await offPool { () throws -> (Int32, String) in
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: deno)
            p.arguments = ["check", "--no-remote", "--no-npm", "--quiet"] + files
            p.currentDirectoryURL = URL(fileURLWithPath: root)
            p.environment = ["NO_COLOR": "1", "DENO_DIR": root + "/.deno", "HOME": root]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(status == 0, "deno check: \(output)")
    }

    @Test func generationIsDeterministic() {
        for spec in SpecTable.all + SpecTable.parsed {
            let a = ServiceGenerator.generate(spec), b = ServiceGenerator.generate(spec)
            #expect(a.files.map(\.content) == b.files.map(\.content), "\(spec.name)")
        }
    }

    @Test func manifestsDescribeTheRoutesAndKind() throws {
        func routes(_ spec: ServiceSpec) throws -> [String] {
            try Manifest.parse(Array(ServiceGenerator.generate(spec).manifest.text.utf8)).endpoints.map { "\($0.method) \($0.path)" }
        }
        let tasks = try routes(SpecTable.tasks)
        for r in ["GET /tasks", "POST /tasks", "GET /tasks/:id", "PUT /tasks/:id", "PATCH /tasks/:id", "DELETE /tasks/:id",
                  "POST /tasks/:id/done", "DELETE /tasks/:id/done", "GET /tasks/count", "GET /tasks/open", "GET /tasks/count-done"] {
            #expect(tasks.contains(r), "\(r) in \(tasks)")
        }
        #expect(try routes(SpecTable.counter) == ["GET /counter", "GET /counter/:name", "POST /counter/increment", "POST /counter/:name/increment",
                                                  "POST /counter/decrement", "POST /counter/:name/decrement", "POST /counter/reset", "POST /counter/:name/reset"])
        #expect(try routes(SpecTable.links).contains("GET /:code"))
        let webhook = try Manifest.parse(Array(ServiceGenerator.generate(SpecTable.webhook).manifest.text.utf8))
        #expect(webhook.kind == "trigger")
        #expect(webhook.secrets == ["ORDERS_WEBHOOK_SECRET"])
        #expect(try Manifest.parse(Array(ServiceGenerator.generate(SpecTable.uptime).manifest.text.utf8)).hosts == ["example.com"])
        #expect(try Manifest.parse(Array(ServiceGenerator.generate(SpecTable.fetch).manifest.text.utf8)).hosts == ["127.0.0.1:8080"])
        #expect(try routes(SpecTable.oddNames) == ["GET /to-do-items", "POST /to-do-items", "GET /to-do-items/:id", "PUT /to-do-items/:id",
                                                   "PATCH /to-do-items/:id", "DELETE /to-do-items/:id", "POST /to-do-items/:id/done",
                                                   "DELETE /to-do-items/:id/done", "GET /to-do-items/search", "GET /to-do-items/f-2nd-at-most-minus-1.5"])
        // Operations on fields the spec lacks imply them: "filterable by category" stores a category.
        #expect(try routes(SpecTable.products).contains("GET /products/by-category/:value"))
    }
}
