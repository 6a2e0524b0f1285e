import Core
import Foundation
import LLM

/// The embedded engine behind the agents when no model is configured: it parses the request into a typed intent
/// (`RequestParser`) and drives the same tools a model would (build_service, then write_file, deno_check,
/// test_service, deploy). What it cannot build as asked, it says so, and how to connect a model (`OfflineLimits`).
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
        var done: [OfflineTurn.Done] = []
        for m in after where m.role == .assistant {
            for c in m.toolCalls { done.append(.init(call: c, result: results[c.id].flatMap { JSONValue.parse($0) } ?? .null)) }
        }
        return OfflineOrchestration(turn: OfflineTurn(ask: ask, done: done)).next()
    }

    private func codegen(_ ask: String, _ calls: [ToolCall], _ results: [String: String]) -> ChatResult {
        OfflineCodegen(ask: ask, lastCalls: calls, results: results).next()
    }

    func say(_ text: String) -> ChatResult { .offlineAnswer(text) }

    func call(_ name: String, _ args: JSONValue) -> ChatResult {
        .offlineCalls([ToolCall(id: "offline-\(name)", name: name, arguments: args.text)])
    }
}
