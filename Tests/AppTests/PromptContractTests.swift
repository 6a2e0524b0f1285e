import Agents
import App
import Core
import Events
import Steps
import Foundation
import Processes
import Services
import Testing
import TestSupport

/// What a model is told is the platform's own contract: every tool, environment variable, path and step the agents'
/// prompts name exists, so a prompt cannot drift from the code.
@Suite(.offPool) struct PromptContractTests {
    /// The spans written in backticks (inline code) of a Markdown text, outside fenced blocks.
    static func inlineCode(_ text: String) -> [String] {
        var out: [String] = []
        var inFence = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle(); continue }
            guard !inFence else { continue }
            let parts = line.split(separator: "`", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() where i % 2 == 1 { out.append(String(p)) }
        }
        return out
    }

    static func isToolName(_ s: String) -> Bool {
        s.contains("_") && s.allSatisfy { $0.isLowercase || $0 == "_" } && !s.hasPrefix("_") && !s.hasSuffix("_")
    }

    @Test func everyToolVariableAndPathThePromptsNameExists() throws {
        let app = try Application(options: try ServeOptions.forTest("prompts"), logger: Logger(sink: LogSink(capturingAt: .error)),
                                  environment: [:], listen: false)
        let registered = Set(app.toolNames)
        for (name, prompt, tools) in [("orchestrator", Prompts.orchestrator, Set(ChatService.orchestratorTools)), ("codegen", Prompts.codegen, Set(Codegen.toolNames))] {
            let spans = Self.inlineCode(prompt)
            let named = Set(spans.filter(Self.isToolName))
            #expect(!named.isEmpty, "\(name) names its tools")
            for tool in named {
                #expect(tools.contains(tool), "the \(name) prompt names `\(tool)`, which that agent does not have")
                if name == "orchestrator" { #expect(registered.contains(tool), "`\(tool)` is not registered") }
            }
            // Environment variables: only the ones the platform gives a service.
            let words = prompt.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map(String.init)
            for variable in Set(words.filter { $0.hasPrefix("OPENPIECES_") }) {
                #expect(ServiceContract.variables.contains(variable), "the \(name) prompt names \(variable), which no service is given")
            }
        }
        // The codegen prompt states the whole contract, with the names the code uses.
        for needed in ServiceContract.variables + [ServiceContract.healthPath, ServiceContract.dataDirectory + "/"] + ServiceContract.forwardedHeaders.dropLast() {
            #expect(Prompts.codegen.contains(needed), "the codegen prompt must tell the model about \(needed)")
        }
        // The steps it shows are in the form the offline engine runs.
        let steps = Self.inlineCode(Prompts.orchestrator).filter { ($0.hasPrefix("If ") || $0.hasPrefix("Call ")) && !$0.contains("<") }
        #expect(steps.count >= 2)
        for step in steps {
            if case .unsupported = StepForm.parse(step) { Issue.record("the example step `\(step)` is not runnable") }
        }
        // The platform API paths it names are routes.
        for span in Self.inlineCode(Prompts.orchestrator + Prompts.codegen) where span.hasPrefix("/api/") {
            #expect(app.routes.contains { $0.pattern == span }, "\(span) is not a route")
        }
    }

    @Test func theReferenceServiceInThePromptChecksAndRuns() async throws {
        // The prompt's reference service is real code: it type-checks and works, so a model that copies it starts right.
        let text = Prompts.codegen
        func block(after marker: String) throws -> String {
            let start = try #require(text.range(of: marker))
            let open = try #require(text.range(of: "\n", range: start.upperBound..<text.endIndex))
            let close = try #require(text.range(of: "\n```", range: open.upperBound..<text.endIndex))
            return String(text[open.upperBound..<close.lowerBound])
        }
        let manifest = try block(after: "`service.json`:\n```json")
        let main = try block(after: "`main.ts`:\n```ts")
        #expect(throws: Never.self) { _ = try Manifest.parse(Array(manifest.utf8)) }
        let dir = try TestPaths.temporaryDirectory("reference")
        try main.write(toFile: dir + "/main.ts", atomically: true, encoding: .utf8)
        let deno = try #require(DenoLocator.find(environment: ProcessInfo.processInfo.environment))
        // deno check takes a second or more: wait for it off the cooperative pool, which other suites' servers share.
        let status = try await offPool { () throws -> Int32 in
            let p = ChildProcess()
            p.executableURL = URL(fileURLWithPath: deno)
            p.arguments = ["check", "--no-remote", "--no-npm", "--quiet", "main.ts"]
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            p.environment = ["NO_COLOR": "1", "DENO_DIR": dir + "/.deno", "HOME": dir]
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        #expect(status == 0, "the reference main.ts type-checks")
    }
}
