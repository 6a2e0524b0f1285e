import Core
import Foundation
import Generator
import Intent
import LLM
import Services

/// A scheduled request: "Every minute check https://example.com and keep a log" builds a checker and schedules its
/// check; "Every day at 08:00 Europe/Berlin call my /report endpoint" schedules an endpoint that exists, found by
/// service name, path, or both. Each gives a workflow and a task.
struct SchedulePlan {
    let turn: OfflineTurn
    let scheduled: ScheduledSpec

    func next() -> ChatResult {
        switch scheduled.action {
        case .check(let url, _): return own(url, prefix: "uptime", .check(url: url), endpoint: "POST /check")
        case .fetch(let url): return own(url, prefix: "fetch", .fetch(url: url), endpoint: "POST /run")
        case .call(let ref): return existing(ref)
        }
    }

    /// A service of its own that does the work when called, then its schedule.
    func own(_ url: String, prefix: String, _ behaviour: Behaviour, endpoint: String) -> ChatResult {
        guard let host = URL(string: url)?.host, !host.isEmpty else { return OfflineTurn.say("'\(url)' is not a URL I can call: write it as https://host/path.") }
        let spec = ServiceSpec(prefix + "-" + Slug.clean(host), behaviours: [behaviour])
        // One that exists already (an earlier schedule of the same URL) is used as it is, not rebuilt.
        guard let services = turn.services else { return OfflineTurn.call("list", "services_list", [:]) }
        if !services.contains(where: { $0.slug == spec.name }), turn.result(of: "build-\(spec.name)") == nil { return ServicePlan.build(spec, turn.ask) }
        return schedule(service: spec.name, endpoint: endpoint, workflow: spec.name)
    }

    /// An endpoint of a service that exists.
    func existing(_ ref: EndpointRef) -> ChatResult {
        guard let services = turn.services else { return OfflineTurn.call("list", "services_list", [:]) }
        let candidates: [String]
        if let name = ref.service {
            guard let slug = turn.existing(name) else {
                return OfflineTurn.say("There is no service '\(name)' to call. \(turn.servicesSentence) Build it first, then ask again.")
            }
            candidates = [slug]
        } else {
            candidates = Array(services.filter { $0.kind == "action" }.map(\.slug).prefix(20))
        }
        let missing = candidates.filter { !turn.hasCalled("get-\($0)") }
        if !missing.isEmpty { return OfflineTurn.calls(missing.map { ("get-\($0)", "service_get", ["slug": .string($0)]) }) }
        var matches: [(service: String, endpoint: String)] = []
        var all: [String] = []
        for slug in candidates {
            for e in turn.result(of: "get-\(slug)")?["endpoints"]?.array ?? [] {
                guard let method = e["method"]?.string, let path = e["path"]?.string else { continue }
                all.append("\(slug) \(method) \(path)")
                if let call = OfflineTurn.fit(method: ref.method, path: ref.path, method: method, pattern: path) { matches.append((slug, "\(method) \(call)")) }
            }
        }
        if ref.path == nil, ref.method == nil, all.count != 1 { matches = [] }
        guard matches.count == 1, let match = matches.first else {
            let asked = Rephrase.describe(ref)
            let reason = matches.isEmpty ? "I found no endpoint for '\(asked)'" : "'\(asked)' fits several endpoints"
            return OfflineTurn.say("\(reason). The endpoints are: \(all.isEmpty ? "none yet" : all.prefix(30).joined(separator: "; ")). "
                                   + "Name one as service, method and path, e.g. \"\(Rephrase.sentence(.scheduled(ScheduledSpec(scheduled.schedule, .call(EndpointRef(service: "notes-api", method: "POST", path: "/cleanup"))))))\".")
        }
        return schedule(service: match.service, endpoint: match.endpoint, workflow: Self.workflowSlug(match.service, match.endpoint))
    }

    /// One workflow per scheduled endpoint ("counter-post-counter-visits-increment"): a second schedule of the same
    /// service does not replace the first one's steps.
    static func workflowSlug(_ service: String, _ endpoint: String) -> String {
        Slug.clean("\(service) \(endpoint)", limit: 48)
    }

    func schedule(service: String, endpoint: String, workflow: String) -> ChatResult {
        let built = turn.result(of: "build-\(service)")
        guard turn.result(of: "workflow") != nil else {
            return OfflineTurn.call("workflow", "workflow_save", [
                "slug": .string(workflow), "title": .string("Scheduled: \(service) \(endpoint)"), "description": .string(turn.ask),
                "actions": [.string(service)],
                "steps": [.string("Call \(service) \(endpoint)"),
                          .string("Report \"\(service) answered \(endpoint) with {{steps.1.status}} in {{steps.1.ms}} ms.\"")],
            ])
        }
        guard let task = turn.result(of: "task") else {
            var input: [String: JSONValue] = ["workflow": .string(workflow), "schedule": .string(scheduled.schedule.cron)]
            if let zone = scheduled.schedule.timezone { input["timezone"] = .string(zone) }
            return OfflineTurn.call("task", "task_create", .object(input))
        }
        let next = (task["next"]?.array ?? []).compactMap(\.string).joined(separator: ", ")
        return OfflineTurn.say("""
            \(built.map { ServicePlan.built($0) + "\n" } ?? "")Scheduled workflow '\(workflow)': \(task["task"]?["description"]?.string ?? scheduled.schedule.cron) — it calls \(service) \(endpoint) and records each run.
            Next runs: \(next). See them with `openpieces runs list --workflow \(workflow)`.
            """)
    }
}
