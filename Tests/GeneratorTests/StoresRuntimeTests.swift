import Core
import Generator
import Intent
import Testing
import TestSupport

/// The key-value store with a lifetime and the counter, run by Deno.
@Suite(.serialized) struct StoresRuntimeTests {
    @Test func aKeyWithAOneSecondLifetimeReadsAtOnceAndIsGoneAfterTwo() async throws {
        try await withService(SpecTable.kv) { s async throws in
            _ = try await s.expect("PUT", "/kv/long", #"{"value":1,"ttl":60}"#)
            // Written and read back to back on a thread of their own: a stalled test pool cannot stretch "at once".
            let port = s.port
            let (put, read, keys) = try await offPool { () throws -> (JSONValue?, JSONValue?, JSONValue?) in
                let put = try BlockingHTTP.exchange(port: port, "PUT", "/kv/session", body: #"{"value":{"user":"ada"}}"#)
                let read = try BlockingHTTP.exchange(port: port, "GET", "/kv/session")
                let keys = try BlockingHTTP.exchange(port: port, "GET", "/keys")
                return (JSONValue.parse(put.body), JSONValue.parse(read.body), JSONValue.parse(keys.body))
            }
            #expect(put?["expires"]?.string != nil, "the spec's lifetime applies without a ttl")
            #expect(read?["value"]?["user"]?.string == "ada")
            #expect(keys?["keys"] == ["long", "session"])
            try await Task.sleep(nanoseconds: 2_000_000_000)
            #expect(try await s.expect("GET", "/kv/session", status: 404)["error"]?["code"]?.string == "not_found")
            #expect(try await s.expect("GET", "/keys")["keys"] == ["long"])
            #expect(try await s.expect("GET", "/kv/long")["value"]?.int == 1)
            _ = try await s.expectInvalid("PUT", "/kv/x", #"{"value":1,"ttl":-5}"#)
            _ = try await s.expectInvalid("PUT", "/kv/x", #"{"nothing":1}"#)
            #expect(try await s.call("DELETE", "/kv/long").0 == 204)
            #expect(try await s.call("DELETE", "/kv/long").0 == 404)
        }
    }

    @Test func aCounterStartingAt10IncrementsTo11AndResetsTo10() async throws {
        try await withService(SpecTable.counter) { s async throws in
            #expect(try await s.expect("GET", "/counter/visits") == ["name": "visits", "count": 10, "value": 10])
            #expect(try await s.expect("POST", "/counter/visits/increment")["count"]?.int == 11)
            #expect(try await s.expect("POST", "/counter/visits/increment", #"{"by":4}"#)["count"]?.int == 15)
            #expect(try await s.expect("POST", "/counter/visits/decrement")["count"]?.int == 14)
            #expect(try await s.expect("POST", "/counter/visits/reset")["count"]?.int == 10)
            #expect(try await s.expect("GET", "/counter/visits")["count"]?.int == 10)
            #expect(try await s.expect("POST", "/counter/increment")["name"]?.string == "default")
            #expect(try await s.expect("GET", "/counter")["count"]?.int == 11)
            _ = try await s.expectInvalid("POST", "/counter/visits/increment", #"{"by":1.5}"#)
        }
        // Without decrement and reset in the spec, there are no such routes.
        try await withService(ServiceSpec("counter", behaviours: [.counter(CounterSpec(start: 0, steps: [.increment]))])) { s async throws in
            #expect(try await s.expect("POST", "/counter/a/increment")["count"]?.int == 1)
            #expect(try await s.call("POST", "/counter/a/reset").0 == 404)
        }
    }
}
