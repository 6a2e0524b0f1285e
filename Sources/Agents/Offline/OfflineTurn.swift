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

    /// The result of the call made with this id (as given to `call`), once it has one.
    func result(of id: String) -> JSONValue? { done.first { $0.call.id == "offline-" + id }?.result }

    func hasCalled(_ id: String) -> Bool { done.contains { $0.call.id == "offline-" + id } }

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

    /// For an answer about a service that does not exist: which ones do.
    var servicesSentence: String {
        let names = (services ?? []).map(\.slug)
        return names.isEmpty ? "No service is built yet." : "The services are: \(names.joined(separator: ", "))."
    }

    // MARK: Endpoints

    /// The path to call when an endpoint fits what a request named, else nil. A named path fills the endpoint's
    /// pattern ("/counter/visits/increment" for "/counter/:name/increment"), or, named without a method, ends it
    /// ("my /report endpoint"); with no path named, the endpoint's own.
    static func fit(method wanted: String?, path named: String?, method: String, pattern: String) -> String? {
        if let wanted, wanted != method { return nil }
        guard let named else { return pattern }
        if PathTrie([(PathPattern(pattern), ())], combine: { _, _ in }).match(named) != nil { return named }
        return wanted == nil && pattern.hasSuffix(named) ? pattern : nil
    }
}
