import Core
import Foundation
import LLM

/// The embedded engine behind the agents when no model is configured: it recognises the catalogue's requests and
/// drives the same tools a model would (build_service, then write_file, deno_check, test_service, deploy).
/// Outside the catalogue it says so and how to connect a model.
public struct OfflineAgentEngine: LLMProvider {
    public var backend: LLMBackend { .offline }
    public var defaultModel: String { OfflineEngine.modelID }

    public init() {}

    public func listModels() async throws -> [String] { [OfflineEngine.modelID] }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, Error> { decide(request).stream }

    func decide(_ request: ChatRequest) -> ChatResult {
        let system = request.messages.first { $0.role == .system }?.content ?? ""
        let isCodegen = system.hasPrefix("You are the code-generation agent")
        guard let lastUser = request.messages.lastIndex(where: { $0.role == .user }) else { return say("Tell me what to build.") }
        let ask = request.messages[lastUser].content ?? ""
        let after = Array(request.messages[(lastUser + 1)...])
        let lastCalls = after.last { $0.role == .assistant && !$0.toolCalls.isEmpty }?.toolCalls ?? []
        let results = Dictionary(after.filter { $0.role == .tool }.compactMap { m in m.toolCallID.map { ($0, m.content ?? "") } },
                                 uniquingKeysWith: { _, b in b })
        if isCodegen { return codegen(ask, lastCalls, results) }
        var done: [String: JSONValue] = [:]
        for m in after where m.role == .assistant {
            for c in m.toolCalls { done[c.name] = results[c.id].flatMap { JSONValue.parse($0) } ?? .null }
        }
        return OfflineOrchestration(ask: ask, done: done).next()
    }

    private func codegen(_ ask: String, _ calls: [ToolCall], _ results: [String: String]) -> ChatResult {
        let request = ask.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ask
        guard ask.hasPrefix("Build the service"), let plan = Catalogue.match(request) else {
            return say("Offline I can only build the catalogue's services from scratch; to change a service, connect a model.")
        }
        func ok(_ name: String) -> Bool? {
            guard let c = calls.first(where: { $0.name == name }), let out = results[c.id].flatMap({ JSONValue.parse($0) }) else { return nil }
            return out["error"] == nil && out["ok"]?.bool != false
        }
        func failure(_ name: String) -> String {
            let c = calls.first { $0.name == name }
            return c.flatMap { results[$0.id] }.map { String($0.prefix(1500)) } ?? ""
        }
        switch calls.first?.name {
        case nil:
            let (main, manifest) = Templates.files(plan)
            return .offlineCalls([
                ToolCall(id: "offline-1", name: "write_file", arguments: JSONValue.object(["path": "main.ts", "content": .string(main)]).text),
                ToolCall(id: "offline-2", name: "write_file", arguments: JSONValue.object(["path": "service.json", "content": .string(manifest.text)]).text),
            ])
        case "write_file":
            return call("deno_check", [:])
        case "deno_check":
            return ok("deno_check") == true ? call("test_service", [:]) : say("deno check failed:\n\(failure("deno_check"))")
        case "test_service":
            return ok("test_service") == true ? call("deploy", [:]) : say("the test run failed:\n\(failure("test_service"))")
        case "deploy":
            guard ok("deploy") == true else { return say("deploying failed:\n\(failure("deploy"))") }
            return say(summary(plan))
        default:
            return say("done")
        }
    }

    private func summary(_ plan: Catalogue.Plan) -> String {
        let (_, manifest) = Templates.files(plan)
        let endpoints = (manifest["endpoints"]?.array ?? []).map { "\($0["method"]?.string ?? "") \($0["path"]?.string ?? "")" }
        let description = (manifest["description"]?.string ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return "\(manifest["title"]?.string ?? plan.slug): \(description). Endpoints: \(endpoints.joined(separator: ", "))."
    }

    func say(_ text: String) -> ChatResult { .offlineAnswer(text) }

    func call(_ name: String, _ args: JSONValue) -> ChatResult {
        .offlineCalls([ToolCall(id: "offline-\(name)", name: name, arguments: args.text)])
    }
}
