import Core
import Store
import Foundation
import LLM
import Synchronization

/// One model call QGPT made: the model that actually answered (never the alias a client picked), tokens, time.
public struct QGPTModelCall: Sendable, Equatable {
    public var model: String
    public var usage: Usage?
    public var ms: Int
}

/// Where QGPT reports its model calls: the app wires it to the usage ledger, so `/api/v1/usage` counts them.
/// The handler records to SQLite, so it runs on the database's writer thread, never on the cooperative pool.
final class ModelCallSink: Sendable {
    private let handler = Locked<(@Sendable (QGPTModelCall) -> Void)?>(nil)
    private let db: Database

    init(db: Database) { self.db = db }

    func set(_ f: @escaping @Sendable (QGPTModelCall) -> Void) { handler.withLock { $0 = f } }

    /// Reports a finished call; `result.model` when the provider named it, else the entry's model.
    func report(_ entry: ModelRegistry.Entry, _ result: ChatResult?, started: Date) async {
        let model = result.map(\.model).flatMap { $0.isEmpty ? nil : $0 } ?? entry.modelName
        let call = QGPTModelCall(model: model, usage: result?.usage, ms: Int(Date().timeIntervalSince(started) * 1000))
        guard let h = handler.withLock({ $0 }) else { return }
        _ = try? await db.asyncWriting { h(call) }
    }
}

/// The model that actually answered, kept with each message: an alias's provider can change later.
enum MessageModelSchema {
    static let migration = Migration(23, "message_model_name", """
        ALTER TABLE conversation_messages ADD COLUMN model_name TEXT;
        """)
}
