import Core
import Foundation
import LLM

/// The offline Orchestrator's plan for one request from the catalogue, advanced one tool call per model turn:
/// build the service; for a webhook receiver, find the service it should feed and save its workflow; for a
/// schedule, save the workflow and its task; then say what was made and what the user must do (secrets).
struct OfflineOrchestration {
    let ask: String
    /// The result of each tool called so far in this turn, by tool name.
    let done: [String: JSONValue]
    let engine = OfflineAgentEngine()

    func next() -> ChatResult {
        guard let plan = Catalogue.match(ask) else {
            return engine.say("Offline, without a model, I can build these:\n\(Catalogue.readme)\nFor anything else, connect a model: set OPENPIECES_LLM_BASE_URL, OPENPIECES_LLM_API_KEY and OPENPIECES_LLM_MODEL (or PUT /api/v1/settings/llm).")
        }
        for (name, out) in done {
            if let message = out["error"]?["message"]?.string {
                return engine.say(name == "build_service" ? "I could not build it: \(message)" : "I could not finish (\(name)): \(message)")
            }
        }
        if plan.builds && done["build_service"] == nil {
            return engine.call("build_service", ["slug": .string(plan.slug), "request": .string(ask)])
        }
        if case .webhook = plan.item { return webhook(plan) }
        if let schedule = plan.schedule, let (service, endpoint) = plan.scheduledCall { return scheduled(plan, schedule.cron, schedule.timezone, service, endpoint) }
        return engine.say(built)
    }

    /// What build_service reported.
    var built: String {
        guard let out = done["build_service"] else { return "Done." }
        return "Built and deployed (version \(out["service"]?["version"]?.int ?? 1)): \(out["url"]?.string ?? "")\n\(out["summary"]?.string ?? "")"
    }

    func webhook(_ plan: Catalogue.Plan) -> ChatResult {
        guard let listed = done["services_list"] else { return engine.call("services_list", [:]) }
        // The service it feeds: an action service the request names.
        let words = Set(ask.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" }).map(String.init))
        let target = (listed["services"]?.array ?? []).filter { $0["kind"]?.string == "action" }.compactMap { $0["slug"]?.string }
            .filter { words.contains($0) }.max { $0.count < $1.count }
        if let target, done["service_get"] == nil { return engine.call("service_get", ["slug": .string(target)]) }
        let secret = Catalogue.secretName(plan.slug)
        guard let saved = done["workflow_save"] else {
            var steps: [JSONValue] = ["Report \"Received {{event}}: {{payload}}\""]
            var actions: [JSONValue] = []
            if let target, let e = (done["service_get"]?["endpoints"]?.array ?? []).first(where: { $0["method"]?.string == "POST" && !($0["path"]?.string ?? ":").contains(":") }) {
                let fields = (e["inputSchema"]?["properties"]?.object?.keys.sorted() ?? [])
                let with = fields.isEmpty ? "with the payload" : "with fields \(fields.joined(separator: ", "))"
                steps = [.string("Call \(target) POST \(e["path"]?.string ?? "/") \(with)"), .string("Report \"Saved {{event}} to \(target).\"")]
                actions = [.string(target)]
            }
            return engine.call("workflow_save", ["slug": .string(plan.slug), "title": .string("Webhook: \(plan.slug)"),
                                                 "description": .string("Runs for each event the \(plan.slug) receiver accepts."),
                                                 "trigger": .string(plan.slug), "actions": .array(actions), "steps": .array(steps)])
        }
        let url = (done["build_service"]?["url"]?.string ?? "") + "webhook"
        let steps = (saved["steps"]?.array ?? []).compactMap(\.string).enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        return engine.say("""
            \(built)
            Workflow '\(plan.slug)' runs for every accepted event:
            \(steps)
            It waits for its secret: set it with `openpieces secrets set \(secret)` (or PUT /api/v1/secrets/\(secret)), then send events:
              curl -X POST \(url) -H 'X-Webhook-Secret: <the secret>' -H 'Content-Type: application/json' -d '{"hello": "world"}'
            """)
    }

    func scheduled(_ plan: Catalogue.Plan, _ cron: String, _ zone: String?, _ service: String, _ endpoint: String) -> ChatResult {
        let workflow = plan.builds ? plan.slug : "\(service)-schedule"
        guard done["workflow_save"] != nil else {
            return engine.call("workflow_save", ["slug": .string(workflow), "title": .string("Scheduled: \(service) \(endpoint)"),
                                                 "description": .string(ask), "actions": [.string(service)],
                                                 "steps": [.string("Call \(service) \(endpoint)"),
                                                           .string("Report \"\(service) answered \(endpoint) with {{steps.1.status}} in {{steps.1.ms}} ms.\"")]])
        }
        guard let task = done["task_create"] else {
            var input: [String: JSONValue] = ["workflow": .string(workflow), "schedule": .string(cron)]
            if let zone { input["timezone"] = .string(zone) }
            return engine.call("task_create", .object(input))
        }
        let next = (task["next"]?.array ?? []).compactMap(\.string).joined(separator: ", ")
        return engine.say("""
            \(plan.builds ? built + "\n" : "")Scheduled workflow '\(workflow)': \(task["task"]?["description"]?.string ?? cron) — it calls \(service) \(endpoint) and records each run.
            Next runs: \(next). See them with `openpieces runs list --workflow \(workflow)`.
            """)
    }
}
