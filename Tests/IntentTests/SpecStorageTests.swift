import Foundation
import Intent
import Testing
import TestSupport

/// A spec is stored with the service it built (`spec.json`); a change applies to the stored spec.
@Suite(.offPool) struct SpecStorageTests {
    @Test(arguments: PhrasingTable.all.compactMap { p -> ServiceSpec? in if case .service(let s) = p.expected { s } else { nil } })
    func everyServiceSpecRoundTrips(_ spec: ServiceSpec) throws {
        let stored = spec.json
        #expect(ServiceSpec(json: stored) == spec)
        #expect(ServiceSpec(json: stored)?.json == stored, "stable: the same spec is the same text")
    }

    @Test func notASpecReadsAsNone() {
        #expect(ServiceSpec(json: "{}") == nil)
        #expect(ServiceSpec(json: "not json") == nil)
    }

    let notes = ServiceSpec("notes-api", resources: [Resource("note", fields: [Field("title"), Field("body")], operations: Operation.crud + [.search(field: "body")])])

    @Test func addingAFieldAppendsIt() throws {
        let next = try notes.applying([.addField(Field("priority", .number))])
        #expect(next.resources[0].fields.map(\.name) == ["title", "body", "priority"])
        #expect(throws: ChangeError.self) { try next.applying([.addField(Field("priority"))]) }
    }

    @Test func renamingAFieldRemembersItsOldNameAndFollowsIntoOperations() throws {
        let next = try notes.applying([.renameField(from: "body", to: "text")])
        #expect(next.resources[0].fields[1] == Field("text", previousNames: ["body"]))
        #expect(next.resources[0].operations.contains(.search(field: "text")))
        #expect(throws: ChangeError.self) { try notes.applying([.renameField(from: "nope", to: "x")]) }
    }

    @Test func removingAFieldDropsWhatUsesIt() throws {
        let next = try notes.applying([.removeField("body")])
        #expect(next.resources[0].fields.map(\.name) == ["title"])
        #expect(!next.resources[0].operations.contains(.search(field: "body")))
        #expect(throws: ChangeError.self) { try next.applying([.removeField("title")]) }
    }

    @Test func aRemovedFieldComesBackOnlyAsWhatItWas() throws {
        let next = try notes.applying([.removeField("body")])
        #expect(next.resources[0].retiredFields == [Field("body")])
        #expect(throws: ChangeError.self) { try next.applying([.addField(Field("body", .number))]) }
        #expect(throws: ChangeError.self) { try next.applying([.renameField(from: "title", to: "body")]) }
        let back = try next.applying([.addField(Field("body"))])
        #expect(back.resources[0].fields.map(\.name) == ["title", "body"] && back.resources[0].retiredFields.isEmpty, "its values come back with it")
        #expect(ServiceSpec(json: next.json) == next)
    }

    @Test func aCounterStartAndAnExpiryApplyWhereTheyBelong() throws {
        let counter = ServiceSpec("counter", behaviours: [.counter(CounterSpec())])
        #expect(try counter.applying([.setCounterStart(10)]).behaviours == [.counter(CounterSpec(start: 10))])
        #expect(throws: ChangeError.self) { try notes.applying([.setCounterStart(10)]) }
        let kv = ServiceSpec("kv-store", behaviours: [.keyValue, .expiry(seconds: 60)])
        #expect(try kv.applying([.addBehaviour(.expiry(seconds: 3600))]).behaviours == [.keyValue, .expiry(seconds: 3600)])
        #expect(throws: ChangeError.self) { try counter.applying([.addField(Field("x"))]) }
    }
}
