import Brain
import Core
import Foundation
import LLM
import Services
import Store
import Synchronization

/// Runs chat turns: one at a time per chat, stored as they complete, streamed live to any number of listeners.
public final class ChatService: Sendable {
    public static var migrations: [Migration] { ChatStore.migrations + UsageLedger.migrations }
    /// A new chat's title until its first message names it.
    public static let untitled = "New chat"

    let store: ChatStore
    let registry: ToolRegistry
    let brain: Brain
    let provider: @Sendable () -> (any LLMProvider, String?)
    let logger: Logger
    let outbound: OutboundCheck
    public let usage: UsageLedger
    let budget: AgentBudget
    private let running = Locked<[String: Running]>([:])
    /// Followers of chats' turns (`watch`), fed by turns here and, through the store's events, on other replicas.
    private let watchers = FanOut<String, AgentEvent>(buffer: 10_000)
    private let events: StoreEvents?

    struct Running {
        var task: Task<Void, Never>
        var listeners: [UUID: AsyncStream<AgentEvent>.Continuation]
    }

    /// Why a message was not taken; the API layer maps each case to its answer.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case noSuchChat(String)
        case invalidMessage(String)
        /// The chat is answering a message already.
        case busy(String)

        public var description: String {
            switch self {
            case .noSuchChat(let d), .invalidMessage(let d), .busy(let d): d
            }
        }
    }

    /// The Orchestrator's tools, by name in the registry.
    public static let orchestratorTools = ["brain_search", "brain_write", "build_service", "services_list", "service_get", "service_logs",
                                           "service_start", "service_stop", "endpoints_call", "secrets_list", "secrets_request",
                                           "assets_search", "assets_save", "workflows_list", "workflow_save", "workflow_run", "run_wait", "runs_list", "task_create", "task_update", "tasks_list"]

    public init(db: Database, registry: ToolRegistry, brain: Brain, logger: Logger, outbound: OutboundCheck = OutboundCheck(),
                usage: UsageLedger? = nil, budget: AgentBudget = .orchestrator, events: StoreEvents? = nil,
                provider: @escaping @Sendable () -> (any LLMProvider, String?)) {
        self.events = events
        self.outbound = outbound
        self.usage = usage ?? UsageLedger(db: db)
        self.budget = budget
        store = ChatStore(db: db)
        self.registry = registry
        self.brain = brain
        self.provider = provider
        self.logger = logger
        events?.subscribe(.chats) { [weak self] p in
            guard let self, let chat = p["chat"]?.string else { return }
            if p["stop"]?.bool == true { self.stopHere(chat) }
            if let e = p["event"].flatMap(AgentEvent.init(json:)) { self.deliver(chat, e) }
        }
    }

    /// A chat, optionally on a model of its own (else the configured one).
    public func create(title: String?, model: String? = nil) throws -> ChatRecord {
        try store.create(title: title.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? ChatService.untitled,
                         model: model.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) })
    }
    /// The chats' database, so that request handlers can await these calls on its threads (`asyncReading`/`asyncWriting`).
    public var db: Database { store.db }
    public func list(_ filter: ChatFilter = .userFacing) throws -> [ChatRecord] { try store.list(filter) }
    public func get(_ id: String) throws -> ChatRecord? { try store.get(id) }
    public func messages(_ id: String) throws -> [JSONValue] { try store.rawMessages(id) }

    public func delete(_ id: String) throws -> Bool {
        stop(id)
        return try store.delete(id)
    }

    public func isRunning(_ id: String) -> Bool { running.withLock { $0[id] != nil } }

    /// Stores the user's message and starts the turn; returns a live stream of its events.
    public func send(_ chatID: String, _ content: String) throws -> AsyncStream<AgentEvent> {
        guard let chat = try store.get(chatID) else { throw Failure.noSuchChat("No chat '\(chatID)'. Create one with POST /api/v1/chats.") }
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.utf8.count <= 64 * 1024 else {
            throw Failure.invalidMessage("A message must hold 1 to 65536 bytes of text.")
        }
        let (stream, continuation) = AsyncStream<AgentEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let token = UUID()
        let started = running.withLock { r -> Bool in
            guard r[chatID] == nil else { return false }
            r[chatID] = Running(task: Task {}, listeners: [token: continuation])
            return true
        }
        guard started else { throw Failure.busy("This chat is already answering. Wait for it, or stop it with POST /api/v1/chats/\(chatID)/stop.") }
        try store.append(chatID, [.user(text)])
        if chat.title == ChatService.untitled { try? store.rename(chatID, to: ChatService.title(from: text)) }
        let task = Task { await self.turn(chatID, text, model: chat.model) }
        running.withLock { $0[chatID]?.task = task }
        return stream
    }

    /// Stops the chat's turn, on whichever replica runs it.
    public func stop(_ chatID: String) {
        stopHere(chatID)
        events?.publish(.chats, ["chat": .string(chatID), "stop": true])
    }

    private func stopHere(_ chatID: String) {
        let task = running.withLock { $0[chatID]?.task }
        task?.cancel()
    }

    /// Every event of the chat's turns from now on, wherever they run, until the caller stops listening.
    public func watch(_ chatID: String) -> AsyncStream<AgentEvent> { watchers.follow(chatID) }

    private func deliver(_ chatID: String, _ event: AgentEvent) { watchers.yield(chatID, event) }

    private let completed = Locked<[@Sendable (String, String) -> Void]>([])

    /// Called with (chat id, the assistant's final text) when a turn completes.
    public func onCompleted(_ handler: @escaping @Sendable (String, String) -> Void) { completed.withLock { $0.append(handler) } }

    /// A short title from a chat's first message: its first line, cut at a word near 60 characters.
    static func title(from text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        let words = line.split(separator: " ")
        var title = ""
        for w in words {
            if title.count + w.count + 1 > 60 { return title + "…" }
            title += (title.isEmpty ? "" : " ") + w
        }
        return title.isEmpty ? untitled : title
    }

    private func turn(_ chatID: String, _ text: String, model chosen: String?) async {
        let (provider, configured) = provider()
        let model = chosen ?? configured
        let history = Compaction.compact((try? store.messages(chatID)) ?? [.user(text)])
        let memory = (try? brain.search(text, limit: 5)) ?? []
        try? brain.reinforce(memory.map(\.id))
        let usage = self.usage
        let loop = AgentLoop(provider: provider, model: model, tools: registry.subset(ChatService.orchestratorTools), budget: budget,
                             chatID: chatID) { usage.record($0, for: .chat(chatID)) }
        let messages = [ChatMessage.system(OrchestratorPrompt.system(memory: memory, network: outbound.sentence))] + history
        let log = TurnLog()
        do {
            // The versions this turn's build_service deploys record this chat as their source (through the tool's context).
            let added = try await loop.run(messages) { event in log.observe(event); self.broadcast(chatID, event) }
            try store.append(chatID, added, details: log.details)
            let final = added.last { $0.role == .assistant && $0.toolCalls.isEmpty }?.content ?? ""
            for h in completed.withLock({ $0 }) { h(chatID, final) }
        } catch is CancellationError {
            try? store.append(chatID, [.assistant("(stopped)")])
            broadcast(chatID, .failed("stopped"))
        } catch {
            let message = (error as? LLMError)?.description ?? String(describing: error)
            logger.warn("chat.turn_failed", ["chat": chatID, "error": message])
            try? store.append(chatID, [.assistant(message)])
            broadcast(chatID, .failed(message))
        }
        let listeners = running.withLock { r -> [AsyncStream<AgentEvent>.Continuation] in
            let l = Array((r[chatID]?.listeners ?? [:]).values)
            r[chatID] = nil
            return l
        }
        for l in listeners { l.finish() }
    }

    private func broadcast(_ chatID: String, _ event: AgentEvent) {
        let listeners = running.withLock { Array(($0[chatID]?.listeners ?? [:]).values) }
        for l in listeners { l.yield(event) }
        deliver(chatID, event)
        if let events, !events.publish(.chats, ["chat": .string(chatID), "event": event.json]) {
            events.publish(.chats, ["chat": .string(chatID), "event": event.shortened.json])
        }
    }
}

enum OrchestratorPrompt {
    static func system(memory: [BrainEntry], network: String) -> String {
        var text = Prompts.orchestrator + "\n\n" + network
        if !memory.isEmpty {
            text += "\n\nWhat you remember that may matter here:\n" + memory.map { "- [\($0.kind)] \($0.text)" }.joined(separator: "\n")
        }
        return text
    }
}

/// Keeps long chats inside the model's context: past a budget, older turns are replaced by a summary of what the user
/// asked and what was answered, and the recent turns are kept whole (never splitting a tool call from its result).
public enum Compaction {
    /// About 24k tokens at ~4 characters a token.
    public static let budgetCharacters = 96_000
    public static let keepRecent = 16

    public static func compact(_ messages: [ChatMessage], budget: Int = budgetCharacters) -> [ChatMessage] {
        let size = messages.reduce(0) { $0 + ($1.content?.count ?? 0) + $1.toolCalls.reduce(0) { $0 + $1.arguments.count } }
        guard size > budget, messages.count > keepRecent else { return messages }
        // The kept tail starts at a user message, so tool calls and their results stay together.
        var start = messages.count - keepRecent
        while start > 0, messages[start].role != .user { start -= 1 }
        guard start > 0 else { return messages }
        let older = messages[..<start]
        var lines: [String] = []
        for m in older {
            switch m.role {
            case .user: lines.append("- The user asked: \(clip(m.content ?? ""))")
            case .assistant where m.toolCalls.isEmpty: lines.append("  You answered: \(clip(m.content ?? ""))")
            case .assistant: lines.append("  You used: \(m.toolCalls.map(\.name).joined(separator: ", "))")
            default: break
            }
        }
        let summary = ChatMessage.system("Summary of the earlier part of this chat (\(older.count) messages, compacted to fit):\n" + lines.suffix(60).joined(separator: "\n"))
        return [summary] + messages[start...]
    }

    static func clip(_ s: String) -> String {
        let line = s.replacingOccurrences(of: "\n", with: " ")
        return line.count > 200 ? String(line.prefix(197)) + "..." : line
    }
}
