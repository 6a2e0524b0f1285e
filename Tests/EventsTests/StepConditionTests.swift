import Core
@testable import Events
@testable import Steps
import Testing

/// Conditional steps: the form a model is told to write and the offline engine runs.
@Suite struct StepConditionTests {
    @Test func conditionsParseInTheWaysPeopleWriteThem() {
        for text in ["If {{payload.total}} > 100, call big-orders POST /orders with the payload",
                     "Only when payload.total is over 100: Call big-orders POST /orders with the payload",
                     "When {{payload.total}} >= 101 then call big-orders POST /orders with the payload"] {
            guard case .conditional(let c, .call(let service, "POST", "/orders", .payload)) = StepForm.parse(text) else {
                Issue.record("not a conditional call: \(text)")
                continue
            }
            #expect(service == "big-orders")
            #expect(c.holds(in: ["payload": ["total": 150]]))
            #expect(!c.holds(in: ["payload": ["total": 50]]))
            #expect(!c.holds(in: ["payload": [:]]), "a missing value skips the step")
        }
        if case .unsupported = StepForm.parse("If the moon is full, dance") {} else { Issue.record("an unrunnable step must say so") }
        guard case .conditional(let eq, .report) = StepForm.parse("If {{event}} is \"opened\": Report opened") else { Issue.record("eq"); return }
        #expect(eq.holds(in: ["event": "Opened"]))
        guard case .conditional(let has, .remember) = StepForm.parse("If {{payload.labels}} contains urgent, remember it was urgent") else { Issue.record("contains"); return }
        #expect(has.holds(in: ["payload": ["labels": ["urgent", "bug"]]]))
        #expect(!has.holds(in: ["payload": ["labels": ["bug"]]]))
    }

    @Test func theOfflineEngineSkipsAStepWhoseConditionDoesNotHold() async throws {
        let engine = OfflineEventsEngine(steps: ["If {{payload.total}} > 100, call big POST /orders with the payload"], context: ["payload": ["total": 5]])
        let turn = engine.decide([])
        #expect(turn.toolCalls.first?.name == "skip_step")
        let taken = OfflineEventsEngine(steps: ["If {{payload.total}} > 100, call big POST /orders with the payload"], context: ["payload": ["total": 500]]).decide([])
        #expect(taken.toolCalls.first?.name == "call_endpoint")
    }
}
