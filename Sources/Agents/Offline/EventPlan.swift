import Core
import Foundation
import Generator
import Intent
import LLM
import Services

/// "When my webhook receives an order with total over 100, save it to orders": a trigger service, a store for the
/// events (built when no service of that name exists), and a workflow whose steps carry the conditions in the form
/// the Events agent runs offline and a model reads as plain instructions (`If {{payload.total}} > 100: Call …`).
struct EventPlan {
    let turn: OfflineTurn
    let event: EventSpec

    var receiver: String { Slug.clean(event.trigger) + "-webhook" }

    /// The receiver was there before this request.
    var receiverExisted: Bool { turn.services?.contains { $0.slug == receiver } == true }

    /// Where each event goes: a service and, once known, the endpoint and the input form.
    struct Destination {
        var service: String
        /// Built by this plan (a store for the events): its endpoint is known from its spec.
        var store: ServiceSpec?
        var method: String?
        var path: String?
    }

    func next() -> ChatResult {
        // A text value is written into the step as quoted text: punctuation the step form splits on cannot be in it.
        for c in event.conditions {
            if case .text(let t) = c.value, t.contains(where: { ",:\"{}".contains($0) }) || t.lowercased().contains(" then ") {
                return OfflineTurn.say("I cannot write the condition on \(c.field) as a workflow step: its value \"\(t)\" has punctuation (, : \" { }) "
                                       + "or \"then\" in it. Ask with a plain value, or connect a model.")
            }
        }
        guard turn.services != nil else { return OfflineTurn.call("list", "services_list", [:]) }
        let destinations: [Destination]
        switch resolve() {
        case .failure(let refusal): return OfflineTurn.say(refusal.message)
        case .success(let d): destinations = d
        }
        for store in destinations.compactMap(\.store) where turn.result(of: "build-\(store.name)") == nil {
            return ServicePlan.build(store, turn.ask)
        }
        // A receiver that exists is kept (its secret too); this rule becomes its workflow, replacing an earlier one.
        let trigger = ServiceSpec(receiver, behaviours: [.webhookReceiver])
        if !receiverExisted, turn.result(of: "build-\(receiver)") == nil { return ServicePlan.build(trigger, turn.ask) }
        // Existing targets' endpoints, and an existing receiver's URL.
        let gets = destinations.filter { $0.store == nil }.map(\.service) + (receiverExisted ? [receiver] : [])
        let unresolved = Array(Set(gets)).sorted().filter { !turn.hasCalled("get-\($0)") }
        if !unresolved.isEmpty {
            return OfflineTurn.calls(unresolved.map { ("get-\($0)", "service_get", ["slug": .string($0)]) })
        }
        var steps: [String] = []
        for d in destinations {
            switch step(d) {
            case .failure(let refusal): return OfflineTurn.say(refusal.message)
            case .success(let s): steps.append(s)
            }
        }
        guard let saved = turn.result(of: "workflow") else {
            return OfflineTurn.call("workflow", "workflow_save", [
                "slug": .string(receiver), "title": .string("Webhook: \(receiver)"),
                "description": .string(Rephrase.sentence(.event(event))), "trigger": .string(receiver),
                "actions": .array(destinations.map { .string($0.service) }), "steps": .array(workflowSteps(steps, to: destinations.map(\.service)).map { .string($0) }),
            ])
        }
        return OfflineTurn.say(answer(saved, destinations))
    }

    // MARK: Destinations

    /// Why the plan stops, in words for the answer.
    struct Refusal: Error { let message: String }

    func resolve() -> Result<[Destination], Refusal> {
        var out: [Destination] = []
        for target in event.targets {
            switch target {
            case .save(let name):
                out.append(destination(for: name))
            case .keep:
                out.append(destination(for: Slug.clean(event.trigger)))
            case .call(let ref):
                guard let name = ref.service, let slug = turn.existing(name) else {
                    return .failure(Refusal(message: "There is no service '\(ref.service ?? ref.path ?? "")' to call. \(turn.servicesSentence) Build it first, then ask again."))
                }
                out.append(Destination(service: slug, method: ref.method, path: ref.path))
            }
        }
        return .success(out)
    }

    /// An existing service of that name, or a store for the events under it.
    func destination(for name: String) -> Destination {
        if let slug = turn.existing(name) { return Destination(service: slug) }
        let slug = Slug.clean(name)
        let base = slug.hasSuffix("-api") ? String(slug.dropLast(4)) : slug
        let one = event.payload ?? Tokenizer.singular(base.split(separator: "-").last.map(String.init) ?? base)
        let fields = event.conditions.map { c -> Field in
            switch c.value {
            case .number: Field(c.field, .number)
            case .boolean: Field(c.field, .boolean)
            case .text: Field(c.field, .text)
            }
        }
        let store = ServiceSpec(slug, resources: [Resource(one, fields: fields, operations: Operation.crud, behaviours: [.documents])])
        return Destination(service: slug, store: store, method: "POST", path: ServiceGenerator.collectionPath(store.resources[0]))
    }

    // MARK: Steps

    /// The call for one destination: to a store built here, the whole payload; to an existing service, the fields
    /// its endpoint takes (all of the payload when it takes any).
    func step(_ d: Destination) -> Result<String, Refusal> {
        if d.store != nil, let method = d.method, let path = d.path { return .success("Call \(d.service) \(method) \(path) with the payload") }
        let endpoints = turn.result(of: "get-\(d.service)")?["endpoints"]?.array ?? []
        let fits = endpoints.compactMap { e -> (endpoint: JSONValue, method: String, path: String)? in
            guard let method = e["method"]?.string, let pattern = e["path"]?.string,
                  let path = OfflineTurn.fit(method: d.method, path: d.path, method: method, pattern: pattern) else { return nil }
            // No path named: events go to the endpoint that takes them, the POST without parameters.
            if d.path == nil, method != "POST" || pattern.contains(":") { return nil }
            return (e, method, path)
        }
        guard fits.count == 1, let (e, method, path) = fits.first else {
            let listed = endpoints.compactMap { e in e["method"]?.string.map { "\($0) \(e["path"]?.string ?? "")" } }
            let want = [d.method, d.path].compactMap { $0 }.joined(separator: " ")
            return .failure(Refusal(message: "\(d.service) has \(fits.isEmpty ? "no" : "more than one") endpoint for \(want.isEmpty ? "events" : want)"
                                      + " (its endpoints: \(listed.joined(separator: ", "))). Name one, e.g. \"call \(d.service) \(listed.first ?? "POST /path")\"."))
        }
        let schema = e["inputSchema"]
        let fields = schema?["properties"]?.object?.keys.sorted() ?? []
        if schema?["additionalProperties"]?.bool == false, !fields.isEmpty {
            return .success("Call \(d.service) \(method) \(path) with fields \(fields.joined(separator: ", "))")
        }
        return .success("Call \(d.service) \(method) \(path) with the payload")
    }

    /// The workflow: each call under the request's conditions, then a report of what happened to the event.
    func workflowSteps(_ calls: [String], to services: [String]) -> [String] {
        let guardText = event.conditions.map { "If {{payload.\($0.field)}} \(Self.op($0)) \(Self.literal($0.value)): " }.joined()
        guard !calls.isEmpty else { return [guardText + "Report \"Received {{event}}: {{payload}}\""] }
        var steps = calls.map { guardText + $0 }
        steps.append(guardText + "Report \"Passed {{event}} on to \(services.joined(separator: ", ")).\"")
        if !event.conditions.isEmpty {
            let condition = event.conditions.map { "\($0.field) \(Self.op($0)) \(Self.literal($0.value))" }.joined(separator: " and ")
            let values = event.conditions.map { "\($0.field) {{payload.\($0.field)}}" }.joined(separator: ", ")
            steps.append("Report \"Skipped {{event}}: it needs \(condition) (\(values)).\"")
        }
        return steps
    }

    /// `StepCondition`'s spelling of the comparator.
    static func op(_ c: Condition) -> String { c.comparator == .equal ? "==" : c.comparator.rawValue }

    static func literal(_ v: Value) -> String {
        switch v {
        case .number(let n): Int(exactly: n).map(String.init) ?? String(n)
        case .boolean(let b): b ? "true" : "false"
        case .text(let t): "\"\(t.replacingOccurrences(of: "\"", with: "'"))\""
        }
    }

    // MARK: The answer

    func answer(_ saved: JSONValue, _ destinations: [Destination]) -> String {
        let receiverBuilt = turn.result(of: "build-\(receiver)")
        var lines = [receiverBuilt.map { "Built and deployed (version \($0["service"]?["version"]?.int ?? 1)): \($0["url"]?.string ?? "") receives the events." }
                     ?? "\(receiver) exists already and receives the events; this rule replaces its earlier workflow."]
        for d in destinations {
            if d.store != nil, let out = turn.result(of: "build-\(d.service)") {
                lines.append("Built and deployed (version \(out["service"]?["version"]?.int ?? 1)): \(out["url"]?.string ?? "") keeps them (GET \(d.path ?? "/") lists them).")
            }
        }
        let steps = (saved["steps"]?.array ?? []).compactMap(\.string).enumerated().map { "  \($0.offset + 1). \($0.element)" }
        let secret = ServiceGenerator.secretName(receiver)
        let url = (receiverBuilt?["url"]?.string ?? turn.result(of: "get-\(receiver)")?["url"]?.string ?? "") + "webhook"
        let sample = event.conditions.isEmpty ? #"{"hello": "world"}"# : "{" + event.conditions.map { c in
            "\"\(c.field)\": " + (c.value == .number(0) ? "1" : Self.literal(Self.passing(c)))
        }.joined(separator: ", ") + "}"
        lines += ["Workflow '\(receiver)' runs for every accepted event:"] + steps
        lines += ["It waits for its secret: set it with `openpieces secrets set \(secret)` (or PUT /api/v1/secrets/\(secret)), then send events:",
                  "  curl -X POST \(url) -H 'X-Webhook-Secret: <the secret>' -H 'Content-Type: application/json' -d '\(sample)'"]
        return lines.joined(separator: "\n")
    }

    /// A value that meets the condition, for the example.
    static func passing(_ c: Condition) -> Value {
        guard case .number(let n) = c.value else { return c.value }
        switch c.comparator {
        case .greater: return .number(n + 1)
        case .less: return .number(n - 1)
        default: return .number(n)
        }
    }
}
