import Generator
import Intent
import Testing
import TestSupport

/// The spec a build request carries travels as data beside the user's words.
@Suite(.offPool) struct BlueprintTests {
    @Test func aBlueprintIsFoundInTheRequestItWasAttachedTo() {
        let spec = ServiceSpec("orders", resources: [Resource("order", fields: [Field("total", .number)], behaviours: [.documents])])
        let request = Blueprint.service(spec).attached(to: "When my webhook receives an order with total over 100, save it to orders")
        #expect(Blueprint.find(in: "Build the service 'orders': " + request) == .service(spec))
        #expect(Blueprint.words(of: request) == "When my webhook receives an order with total over 100, save it to orders")
        let change = Blueprint.change(ChangeSpec("notes-api", [.addField(Field("priority", .number))]))
        #expect(Blueprint.find(in: change.attached(to: "add a field priority to notes-api")) == change)
    }

    @Test func noBlockOrABrokenOneIsNone() {
        #expect(Blueprint.find(in: "create a notes API") == nil)
        #expect(Blueprint.find(in: "x\n\n```openpieces-blueprint\n{\"service\": 3}\n```") == nil)
    }
}
