import Core
import LLM

/// The tool calls the offline Orchestrator made since the user's message, each with its result, read back from the
/// conversation: the engine keeps no state of its own, so a turn resumed after a restart continues where it stopped.
struct OfflineTurn {
    struct Done {
        let call: ToolCall
        let result: JSONValue?
        var error: String? { result?["error"]?["message"]?.string }
    }

    let ask: String
    let done: [Done]

    /// The result of the call with this id, once it has one.
    func result(_ id: String) -> JSONValue? { done.first { $0.call.id == id }?.result }

    func called(_ id: String) -> Bool { done.contains { $0.call.id == id } }

    /// The first call that failed: the plan stops there and says why.
    var failure: Done? { done.first { $0.error != nil } }

    // MARK: Turns

    static func say(_ text: String) -> ChatResult { .offlineAnswer(text) }

    /// One call, with an id that names its purpose so later turns find its result.
    static func call(_ id: String, _ name: String, _ args: JSONValue) -> ChatResult {
        .offlineCalls([ToolCall(id: "offline-" + id, name: name, arguments: args.text)])
    }

    static func calls(_ list: [(id: String, name: String, args: JSONValue)]) -> ChatResult {
        .offlineCalls(list.map { ToolCall(id: "offline-" + $0.id, name: $0.name, arguments: $0.args.text) })
    }

    func result(of id: String) -> JSONValue? { result("offline-" + id) }
    func hasCalled(_ id: String) -> Bool { called("offline-" + id) }

    // MARK: What exists

    /// The services `services_list` returned (after it was called as `list`).
    var services: [(slug: String, kind: String)]? {
        result(of: "list").map { ($0["services"]?.array ?? []).compactMap { s in s["slug"]?.string.map { ($0, s["kind"]?.string ?? "") } } }
    }

    /// An existing service for a name in the request: "orders" finds `orders`, then `orders-api`.
    func existing(_ name: String) -> String? {
        guard let services else { return nil }
        let slugs = Set(services.map(\.slug))
        return [name, name + "-api", name + "s-api"].first { slugs.contains($0) }
    }
}
