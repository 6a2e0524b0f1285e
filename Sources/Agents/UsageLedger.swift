import Core
import Foundation
import LLM
import Store

/// What one chat, build or run spent on models.
public struct UsageTotals: Sendable, Equatable {
    public var calls = 0
    public var promptTokens = 0
    public var completionTokens = 0
    /// Nil when no call was priced (no `--llm-prices` entry for its model).
    public var cost: Double?

    public var json: JSONValue {
        ["calls": JSONValue(calls), "promptTokens": JSONValue(promptTokens), "completionTokens": JSONValue(completionTokens),
         "tokens": JSONValue(promptTokens + completionTokens), "cost": cost.map { .number(($0 * 1_000_000).rounded() / 1_000_000) } ?? .null]
    }
}

/// Who a model call worked for.
public enum UsageScope: Sendable, Equatable {
    /// An Orchestrator turn of a chat.
    case chat(String)
    /// A code-generation session's turn, and the chat that commissioned it (if any).
    case build(session: String, chat: String?)
    /// A workflow run's Events agent.
    case run(String)
    /// A Pieces client's question (QGPT), under the model that actually answered.
    case qgpt
}


/// Prices per model, in currency units per million tokens: `--llm-prices gpt-4o=2.5/10,claude-haiku-4-5=1/5`.
public struct ModelPrices: Sendable, Equatable {
    public var perMillion: [String: (input: Double, output: Double)] = [:]

    public init() {}

    public static func == (a: ModelPrices, b: ModelPrices) -> Bool {
        a.perMillion.keys == b.perMillion.keys && a.perMillion.allSatisfy { k, v in b.perMillion[k].map { $0 == v } ?? false }
    }

    /// An entry that does not read as `model=input/output`.
    public struct Invalid: Error, Equatable { public let entry: String }

    /// Parses `model=in/out` entries.
    public static func parse(_ text: String) throws(Invalid) -> ModelPrices {
        var p = ModelPrices()
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let kv = entry.split(separator: "=", maxSplits: 1)
            let io = kv.count == 2 ? kv[1].split(separator: "/") : []
            guard kv.count == 2, io.count == 2, let i = Double(io[0]), let o = Double(io[1]), i >= 0, o >= 0 else { throw Invalid(entry: entry) }
            p.perMillion[String(kv[0])] = (i, o)
        }
        return p
    }

    public func cost(model: String, usage: Usage?) -> Double? {
        guard let usage, let price = perMillion[model] else { return nil }
        return (Double(usage.promptTokens) * price.input + Double(usage.completionTokens) * price.output) / 1_000_000
    }
}

/// Token usage of every model call, stored as it happens and summed per chat (its builds included), build and run.
public final class UsageLedger: Sendable {
    public static let migrations: [Migration] = [
        Migration(21, "llm_calls") { d in """
            CREATE TABLE llm_calls (
                id \(d.autoID),
                agent TEXT NOT NULL,
                chat_id TEXT,
                session_id TEXT,
                run_id TEXT,
                model TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                priced INTEGER NOT NULL DEFAULT 0,
                cost \(d.real) NOT NULL DEFAULT 0,
                ms INTEGER NOT NULL DEFAULT 0,
                created TEXT NOT NULL
            );
            CREATE INDEX llm_calls_chat ON llm_calls(chat_id);
            CREATE INDEX llm_calls_session ON llm_calls(session_id);
            CREATE INDEX llm_calls_run ON llm_calls(run_id);
            """ },
    ]

    let db: Database
    let prices: ModelPrices

    public init(db: Database, prices: ModelPrices = ModelPrices()) {
        self.db = db
        self.prices = prices
    }

    public func record(_ call: ModelCall, for scope: UsageScope) {
        let (agent, chat, session, run): (String, String?, String?, String?) = switch scope {
        case .chat(let c): ("orchestrator", c, nil, nil)
        case .build(let s, let c): ("codegen", c, s, nil)
        case .run(let r): ("events", nil, nil, r)
        case .qgpt: ("qgpt", nil, nil, nil)
        }
        let cost = prices.cost(model: call.model, usage: call.usage)
        _ = try? db.write { conn in  // usage is bookkeeping: a failed insert must not fail the model call it describes
            try conn.execute("""
                INSERT INTO llm_calls(agent, chat_id, session_id, run_id, model, prompt_tokens, completion_tokens, priced, cost, ms, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [agent, chat, session, run, call.model, call.usage?.promptTokens ?? 0, call.usage?.completionTokens ?? 0,
                      cost == nil ? 0 : 1, cost ?? 0, call.ms, Clock.iso8601Now()])
        }
    }

    /// A call made outside the agent loop (QGPT).
    public func record(model: String, usage: Usage?, ms: Int, for scope: UsageScope) {
        record(ModelCall(model: model, usage: usage, ms: ms), for: scope)
    }

    public func totals(chat: String) throws -> UsageTotals { try sum("chat_id = ?", [chat]) }
    public func totals(session: String) throws -> UsageTotals { try sum("session_id = ?", [session]) }
    public func totals(run: String) throws -> UsageTotals { try sum("run_id = ?", [run]) }

    /// Per model since an instant (ISO 8601), for the usage page.
    public func byModel(since: String) throws -> [(model: String, totals: UsageTotals)] {
        try db.read { conn in
            try conn.query("""
                SELECT model, COUNT(*) AS calls, SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(priced) AS priced, SUM(cost) AS cost
                FROM llm_calls WHERE created >= ? GROUP BY model ORDER BY model
                """, [since]).map { r in (r["model"].string ?? "", UsageLedger.totals(r)) }
        }
    }

    private func sum(_ condition: String, _ args: [any SQLBindable]) throws -> UsageTotals {
        try db.read { conn in
            try conn.queryOne("""
                SELECT COUNT(*) AS calls, SUM(prompt_tokens) AS p, SUM(completion_tokens) AS c, SUM(priced) AS priced, SUM(cost) AS cost
                FROM llm_calls WHERE \(condition)
                """, args).map(UsageLedger.totals) ?? UsageTotals()
        }
    }

    static func totals(_ r: Row) -> UsageTotals {
        UsageTotals(calls: r["calls"].int ?? 0, promptTokens: r["p"].int ?? 0, completionTokens: r["c"].int ?? 0,
                    cost: (r["priced"].int ?? 0) > 0 ? r["cost"].double : nil)
    }
}
