import Core
import Foundation
import Generator
import Intent
import LLM

/// The offline Orchestrator: the request is parsed into a typed intent (`RequestParser`), then advanced one tool
/// call per model turn through the same tools a model uses. A request that is not fully understood is never built
/// as something else: the answer says what was understood, what was not, the closest request it can do, and how to
/// connect a model (`OfflineLimits`).
struct OfflineOrchestration {
    let turn: OfflineTurn

    func next() -> ChatResult {
        let parsed = RequestParser.parse(turn.ask)
        guard parsed.isComplete, let intent = parsed.intent else { return OfflineTurn.say(OfflineLimits.answer(parsed)) }
        if let failed = turn.failure {
            let what = failed.call.name == "build_service" ? "build it" : "finish (\(failed.call.name))"
            return OfflineTurn.say("I could not \(what): \(failed.error ?? "")")
        }
        switch intent {
        case .service(let spec): return ServicePlan(turn: turn, spec: spec).next()
        case .change(let change): return ChangePlan(turn: turn, change: change).next()
        case .event(let event): return EventPlan(turn: turn, event: event).next()
        case .scheduled(let scheduled): return SchedulePlan(turn: turn, scheduled: scheduled).next()
        }
    }
}

/// Builds one service from its spec.
struct ServicePlan {
    let turn: OfflineTurn
    let spec: ServiceSpec

    func next() -> ChatResult {
        if let built = turn.result(of: "build-\(spec.name)") { return OfflineTurn.say(Self.built(built)) }
        guard let services = turn.services else { return OfflineTurn.call("list", "services_list", [:]) }
        // Never over another service (one a model wrote, or an earlier request's): a change is asked for as one.
        guard !services.contains(where: { $0.slug == spec.name }) else {
            return OfflineTurn.say("A service '\(spec.name)' exists already, so I have built nothing. To change it, ask for the change "
                                   + "(for example \"add a field priority to \(spec.name)\"); to build this one instead, delete it first "
                                   + "(`openpieces services delete \(spec.name)`).")
        }
        return Self.build(spec, turn.ask)
    }

    static func build(_ spec: ServiceSpec, _ ask: String) -> ChatResult {
        OfflineTurn.call("build-\(spec.name)", "build_service", ["slug": .string(spec.name), "request": .string(Blueprint.service(spec).attached(to: ask))])
    }

    /// What build_service reported, for the answer.
    static func built(_ out: JSONValue, verb: String = "Built and deployed") -> String {
        "\(verb) (version \(out["service"]?["version"]?.int ?? 1)): \(out["url"]?.string ?? "")\n\(out["summary"]?.string ?? "")"
    }
}

/// Applies a change to a service the offline engine built: the code-generation agent reads its stored spec.
struct ChangePlan {
    let turn: OfflineTurn
    let change: ChangeSpec

    func next() -> ChatResult {
        guard let services = turn.services else { return OfflineTurn.call("list", "services_list", [:]) }
        guard services.contains(where: { $0.slug == change.service }) else {
            return OfflineTurn.say("There is no service '\(change.service)' to change. \(turn.servicesSentence) Name one of them, or build it first.")
        }
        guard let built = turn.result(of: "change-\(change.service)") else {
            return OfflineTurn.call("change-\(change.service)", "build_service",
                                    ["slug": .string(change.service), "request": .string(Blueprint.change(change).attached(to: turn.ask))])
        }
        return OfflineTurn.say(ServicePlan.built(built, verb: "Changed and deployed"))
    }
}
