@testable import Agents
import Core
import Generator
import Intent
import LLM
import Testing
import TestSupport

/// The offline Orchestrator's plans, turn by turn, against scripted tool results: which tools it calls, with what,
/// and what it answers. (The end-to-end tests run the same requests against a real server and Deno.)
@Suite(.offPool) struct OfflinePlanTests {
    struct World {
        /// slug → (kind, endpoints)
        var services: [String: (kind: String, endpoints: [JSONValue])] = [:]

        func answer(_ call: ToolCall) -> JSONValue {
            let args = JSONValue.parse(call.arguments) ?? [:]
            switch call.name {
            case "services_list":
                return ["services": .array(services.keys.sorted().map { ["slug": .string($0), "kind": .string(services[$0]!.kind)] })]
            case "service_get":
                let slug = args["slug"]?.string ?? ""
                guard let s = services[slug] else { return ["error": ["code": "tool_failed", "message": .string("no service '\(slug)'")]] }
                return ["slug": .string(slug), "endpoints": .array(s.endpoints)]
            case "build_service":
                let slug = args["slug"]?.string ?? ""
                return ["ok": true, "service": ["version": 1], "url": .string("http://\(slug).localhost/"), "summary": "built"]
            case "workflow_save":
                return ["slug": args["slug"] ?? .null, "steps": args["steps"] ?? []]
            case "task_create":
                return ["task": ["description": "daily"], "next": ["2026-12-03T07:00:00Z"]]
            default:
                return ["error": ["code": "tool_failed", "message": .string("unexpected \(call.name)")]]
            }
        }

        /// Runs the Orchestrator's turns until it answers.
        func run(_ ask: String) -> (calls: [ToolCall], answer: String) {
            var messages: [ChatMessage] = [.system("You are the Orchestrator."), .user(ask)]
            var calls: [ToolCall] = []
            for _ in 0..<12 {
                let turn = OfflineAgentEngine().decide(ChatRequest(messages: messages))
                if turn.toolCalls.isEmpty { return (calls, turn.text) }
                messages.append(.assistant(nil, toolCalls: turn.toolCalls))
                for c in turn.toolCalls {
                    calls.append(c)
                    messages.append(.tool(callID: c.id, answer(c).text))
                }
            }
            Issue.record("no answer after 12 turns")
            return (calls, "")
        }
    }

    static func args(_ c: ToolCall) -> JSONValue { JSONValue.parse(c.arguments) ?? [:] }

    static func blueprint(_ c: ToolCall) -> Blueprint? { args(c)["request"]?.string.flatMap(Blueprint.find) }

    @Test func aServiceRequestCarriesItsSpec() {
        let (calls, answer) = World().run("create a notes API where each note has a title and a body")
        #expect(calls.map(\.name) == ["services_list", "build_service"])
        guard case .service(let spec)? = Self.blueprint(calls[1]) else { Issue.record("no spec"); return }
        #expect(spec.resources.first?.fields.map(\.name) == ["title", "body"])
        #expect(Blueprint.words(of: Self.args(calls[1])["request"]?.string ?? "") == "create a notes API where each note has a title and a body")
        #expect(answer.hasPrefix("Built and deployed (version 1): http://notes-api.localhost/"))
    }

    @Test func aServiceThatExistsIsNeverBuiltOver() {
        var world = World()
        world.services["notes-api"] = ("action", [])
        let (calls, answer) = world.run("create a notes API where each note has a title and a body")
        #expect(calls.map(\.name) == ["services_list"])
        #expect(answer.contains("A service 'notes-api' exists already, so I have built nothing"), "\(answer)")
        #expect(answer.contains("openpieces services delete notes-api"))
    }

    @Test func anExistingReceiverKeepsItsSecretAndGetsTheNewRule() {
        var world = World()
        world.services["orders-webhook"] = ("trigger", [["method": "POST", "path": "/webhook"]])
        let (calls, answer) = world.run("When my webhook receives an order with total over 100, save it to orders")
        #expect(calls.map(\.name) == ["services_list", "build_service", "service_get", "workflow_save"])
        #expect(Self.blueprint(calls[1]).map { if case .service(let s) = $0 { s.name } else { "" } } == "orders", "only the store is built")
        #expect(answer.contains("orders-webhook exists already"), "\(answer)")
    }

    @Test func aConditionValueTheStepFormCannotCarryIsRefusedBeforeAnythingIsBuilt() {
        let event = EventSpec(trigger: "orders", payload: "order", conditions: [Condition("status", .equal, .text("paid, then: call x"))], targets: [.save(to: "orders")])
        let turn = EventPlan(turn: OfflineTurn(ask: "…", done: []), event: event).next()
        #expect(turn.toolCalls.isEmpty)
        #expect(turn.text.contains("I cannot write the condition on status"), "\(turn.text)")
    }

    @Test func anEndpointNamedInFullMustExist() {
        var world = World()
        world.services["counter"] = ("action", [["method": "POST", "path": "/counter/:name/increment"]])
        let (calls, answer) = world.run("every 15 minutes call counter POST /nowhere")
        #expect(!calls.contains { $0.name == "task_create" })
        #expect(answer.contains("I found no endpoint for 'counter POST /nowhere'"), "\(answer)")
    }

    @Test func anEventToANewStoreBuildsTheStoreThenTheReceiverThenAConditionalWorkflow() {
        let (calls, answer) = World().run("When my webhook receives an order with total over 100, save it to orders")
        #expect(calls.map(\.name) == ["services_list", "build_service", "build_service", "workflow_save"])
        guard case .service(let store)? = Self.blueprint(calls[1]) else { Issue.record("no store spec"); return }
        #expect(store == ServiceSpec("orders", resources: [Resource("order", fields: [Field("total", .number)], behaviours: [.documents])]))
        #expect(Self.blueprint(calls[2]) == .service(ServiceSpec("orders-webhook", behaviours: [.webhookReceiver])))
        let saved = Self.args(calls[3])
        #expect(saved["trigger"]?.string == "orders-webhook")
        #expect(saved["steps"] == [
            "If {{payload.total}} > 100: Call orders POST /orders with the payload",
            "If {{payload.total}} > 100: Report \"Passed {{event}} on to orders.\"",
            "Report \"Skipped {{event}}: it needs total > 100 (total {{payload.total}}).\"",
        ])
        #expect(answer.contains("openpieces secrets set ORDERS_WEBHOOK_SECRET"))
        #expect(answer.contains(#"-d '{"total": 101}'"#), "the example event passes the condition: \(answer)")
    }

    @Test func anEventToAnExistingServiceSendsTheFieldsItsEndpointTakes() {
        var world = World()
        world.services["orders-api"] = ("action", [
            ["method": "GET", "path": "/orders"],
            ["method": "POST", "path": "/orders", "inputSchema": ["type": "object", "properties": ["item": [:], "amount": [:]], "additionalProperties": false]],
        ])
        let (calls, _) = world.run("When my payments webhook gets a payment, only if status is paid, save it to orders-api")
        #expect(calls.map(\.name) == ["services_list", "build_service", "service_get", "workflow_save"])
        #expect(Self.args(calls[3])["steps"]?[0]?.string == #"If {{payload.status}} == "paid": Call orders-api POST /orders with fields amount, item"#)
        #expect(Self.args(calls[3])["actions"] == ["orders-api"])
    }

    @Test func aWebhookWhoseSubmissionsAreKeptGetsAStoreOfItsOwn() {
        let (calls, answer) = World().run("a webhook whose submissions are kept and listed")
        #expect(calls.map(\.name) == ["services_list", "build_service", "build_service", "workflow_save"])
        #expect(Self.blueprint(calls[1]) == .service(ServiceSpec("submissions", resources: [Resource("submission", fields: [], behaviours: [.documents])])))
        #expect(Self.args(calls[3])["steps"]?[0]?.string == "Call submissions POST /submissions with the payload")
        #expect(answer.contains("keeps them (GET /submissions lists them)"), "\(answer)")
    }

    @Test func anEventThatCallsAServiceThatDoesNotExistBuildsNothing() {
        let (calls, answer) = World().run("when my webhook receives a signup with age at least 18, call crm-api POST /contacts")
        #expect(calls.map(\.name) == ["services_list"])
        #expect(answer.contains("There is no service 'crm-api'"), "\(answer)")
    }

    @Test func aScheduleFindsAnEndpointByPathAcrossServices() {
        var world = World()
        world.services["reports"] = ("action", [["method": "POST", "path": "/report"], ["method": "GET", "path": "/reports"]])
        world.services["notes-api"] = ("action", [["method": "GET", "path": "/notes"]])
        let (calls, answer) = world.run("Every day at 08:00 Europe/Berlin call my /report endpoint")
        #expect(calls.map(\.name) == ["services_list", "service_get", "service_get", "workflow_save", "task_create"])
        #expect(Self.args(calls[3])["steps"]?[0]?.string == "Call reports POST /report")
        #expect(Self.args(calls[4]) == ["workflow": "reports-post-report", "schedule": "0 8 * * *", "timezone": "Europe/Berlin"])
        #expect(answer.contains("Scheduled workflow 'reports-post-report'"))
    }

    @Test func aScheduleWithoutAnEndpointNamesTheChoices() {
        var world = World()
        world.services["notes-api"] = ("action", [["method": "GET", "path": "/notes"], ["method": "POST", "path": "/notes"]])
        let (calls, answer) = world.run("every hour call notes-api")
        #expect(!calls.contains { $0.name == "workflow_save" })
        #expect(answer.contains("notes-api GET /notes; notes-api POST /notes"), "\(answer)")
    }

    @Test func aCheckOnAScheduleBuildsAChecker() {
        let (calls, _) = World().run("Every minute check https://example.com and keep a log")
        #expect(calls.map(\.name) == ["services_list", "build_service", "workflow_save", "task_create"])
        #expect(Self.blueprint(calls[1]) == .service(ServiceSpec("uptime-example-com", behaviours: [.check(url: "https://example.com")])))
        #expect(Self.args(calls[2])["steps"]?[0]?.string == "Call uptime-example-com POST /check")
    }

    @Test func aChangeGoesToTheServiceItNames() {
        var world = World()
        let (none, answer) = world.run("add a field priority to notes-api")
        #expect(none.map(\.name) == ["services_list"])
        #expect(answer.contains("There is no service 'notes-api' to change"))
        world.services["notes-api"] = ("action", [])
        let (calls, changed) = world.run("add a field priority to notes-api")
        #expect(calls.map(\.name) == ["services_list", "build_service"])
        #expect(Self.blueprint(calls[1]) == .change(ChangeSpec("notes-api", [.addField(Field("priority", .number))])))
        #expect(changed.hasPrefix("Changed and deployed"))
    }

    @Test func aRequestWithAnUnknownPartBuildsNothing() {
        let (calls, answer) = World().run("a notes API where each note has a title, a body and a photo")
        #expect(calls.isEmpty)
        #expect(answer.contains("the field \"photo\""))
        #expect(answer.contains("\"create a notes API where each note has a title and a body\"") || answer.contains("closest"))
        let (none, nothing) = World().run("write me a sonnet about routers")
        #expect(none.isEmpty)
        #expect(nothing.contains("ollama pull"))
    }
}
