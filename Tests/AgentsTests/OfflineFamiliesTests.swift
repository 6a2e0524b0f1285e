import Agents
import Core
import FakeLLM
import Foundation
import HTTPClient
import Testing
import TestSupport

/// One request of each family, offline, from the chat to a running service whose behaviour is then checked by
/// calling it: what was asked is what was built. (Deno-bound: scripts/sanitize skips it.)
@Suite(.serialized) struct OfflineFamiliesTests: OfflineChatting {
    @Test func aTodoListCountsWhatRemainsAndTakesANewFieldKeepingItsTasks() async throws {
        let (bin, c, base) = try await serve("offline-todo")
        let said = try await chat(c, base, "a to-do list: add tasks, tick them off, and see how many remain")
        #expect(said.contains("Built and deployed (version 1): http://tasks-api.localhost:\(bin.port)/"), "\(said)")
        var ids: [Int] = []
        for title in ["milk", "bread", "tea"] {
            let (status, row) = try await json(c, "POST", base + "/s/tasks-api/tasks", #"{"title":"\#(title)"}"#)
            #expect(status == 201, "\(row.text)")
            #expect(row["done"]?.bool == false, "a new task is open: \(row.text)")
            ids.append(row["id"]?.int ?? 0)
        }
        #expect(try await json(c, "POST", base + "/s/tasks-api/tasks/\(ids[0])/done").1["done"]?.bool == true)
        #expect(try await json(c, "GET", base + "/s/tasks-api/tasks/count").1["count"]?.int == 2, "2 remain open")
        #expect(try await json(c, "GET", base + "/s/tasks-api/tasks?done=false").1["tasks"]?.array?.count == 2)
        #expect(try await json(c, "POST", base + "/s/tasks-api/tasks", "{}").0 == 400, "a task needs its title")

        // A change offline: a new version from the stored spec; the tasks stay, and the new field is stored.
        let changed = try await chat(c, base, "add a field priority to tasks-api")
        #expect(changed.contains("Changed and deployed (version 2)"), "\(changed)")
        let listed = try await json(c, "GET", base + "/s/tasks-api/tasks").1["tasks"]?.array ?? []
        #expect(Set(listed.compactMap { $0["title"]?.string }) == ["milk", "bread", "tea"])
        let (s2, made) = try await json(c, "POST", base + "/s/tasks-api/tasks", #"{"title":"jam","priority":5}"#)
        #expect(s2 == 201 && made["priority"]?.double == 5, "\(made.text)")
        let service = try await json(c, "GET", base + "/api/v1/services/tasks-api").1
        let create = (service["endpoints"]?.array ?? []).first { $0["method"]?.string == "POST" && $0["path"]?.string == "/tasks" }
        let priority = create?["inputSchema"]?["properties"]?["priority"]?["type"]
        #expect(priority == "number" || priority == ["number", "null"], "the new field is in the schema: \(priority?.text ?? "none")")
        #expect(create?["outputSchema"] != nil, "endpoints declare what they answer")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aKeyWithAOneSecondLifetimeIsGoneAfterTwo() async throws {
        let (bin, c, base) = try await serve("offline-kv")
        let said = try await chat(c, base, "a key-value store where keys expire after 1 s")
        #expect(said.contains("Built and deployed"), "\(said)")
        // Written and read back to back on a thread of their own: a stalled test pool cannot stretch "at once".
        let port = bin.port
        let (put, read) = try await offPool { () throws -> (Int, JSONValue?) in
            let put = try BlockingHTTP.exchange(port: port, "PUT", "/s/kv-store/kv/session", body: #"{"value":"abc"}"#)
            return (put.status, JSONValue.parse(try BlockingHTTP.exchange(port: port, "GET", "/s/kv-store/kv/session").body))
        }
        #expect(put == 200)
        #expect(read?["value"]?.string == "abc", "readable at once")
        try await Task.sleep(nanoseconds: 2_000_000_000)
        #expect(try await json(c, "GET", base + "/s/kv-store/kv/session").0 == 404, "gone after 2 s")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aConditionalWebhookStoresOnlyEventsAboveItsThresholdAndRunsForEach() async throws {
        let (bin, c, base) = try await serve("offline-cond")
        let said = try await chat(c, base, "When my webhook receives an order with total over 100, save it to orders")
        #expect(said.contains("openpieces secrets set ORDERS_WEBHOOK_SECRET"), "\(said)")
        #expect(said.contains("If {{payload.total}} > 100: Call orders POST /orders with the payload"), "\(said)")
        #expect(try await json(c, "GET", base + "/api/v1/services/orders-webhook").1["kind"]?.string == "trigger")
        #expect(try await json(c, "GET", base + "/api/v1/workflows/orders-webhook").1["actions"] == ["orders"])
        #expect(try await json(c, "PUT", base + "/api/v1/secrets/ORDERS_WEBHOOK_SECRET", #"{"value":"s3cret"}"#).0 == 200)
        try await waitStatus(c, base, "orders-webhook", "running")

        var runs: [JSONValue] = []
        for body in [#"{"total":150,"customer":"ada"}"#, #"{"total":50,"customer":"bob"}"#] {
            let accepted = try await c.send(ClientRequest(method: "POST", url: base + "/s/orders-webhook/webhook",
                                                          headers: [("X-Webhook-Secret", "s3cret")], body: Array(body.utf8)))
            #expect(accepted.status == 202)
            runs.append(try await waitRun(c, base, try #require(JSONValue.parse(accepted.body)?["runId"]?.string)))
        }
        #expect(runs.map { $0["status"]?.string } == ["succeeded", "succeeded"], "a run for each event")
        let calls = runs.map { ($0["steps"]?.array ?? []).filter { $0["tool"]?.string == "call_endpoint" }.count }
        #expect(calls == [1, 0], "only the event above the threshold is passed on")
        #expect((runs[1]["steps"]?.array ?? []).contains { $0["tool"]?.string == "skip_step" })
        let stored = try await json(c, "GET", base + "/s/orders/orders").1["orders"]?.array ?? []
        #expect(stored.count == 1)
        #expect(stored.first?["total"]?.double == 150)
        #expect(stored.first?["customer"]?.string == "ada", "the store keeps every field of the event")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aCounterIsToldWhereToStartAfterItWasBuilt() async throws {
        let (bin, c, base) = try await serve("offline-counter")
        let said = try await chat(c, base, "A counter: each hit increments and returns the count; a reset endpoint.")
        #expect(said.contains("Built and deployed"), "\(said)")
        #expect(try await json(c, "POST", base + "/s/counter/counter/visits/increment", "{}").1["count"]?.int == 1)
        let changed = try await chat(c, base, "make the counter start at 10")
        #expect(changed.contains("Changed and deployed (version 2)"), "\(changed)")
        #expect(try await json(c, "GET", base + "/s/counter/counter/visits").1["count"]?.int == 1, "its count is kept")
        #expect(try await json(c, "POST", base + "/s/counter/counter/visits/reset", "{}").1["count"]?.int == 10)
        #expect(try await json(c, "POST", base + "/s/counter/counter/clicks/increment", "{}").1["count"]?.int == 11)
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aCheckOnAScheduleKeepsALogAndAnEndpointIsScheduledByItsPath() async throws {
        let target = try FakeLLMServer([.text(["ok"])], loop: true)
        defer { Task { await target.shutdown() } }
        let (bin, c, base) = try await serve("offline-check", ["--egress-allow", "127.0.0.1:\(target.port)"])
        let said = try await chat(c, base, "Every minute check \(target.baseURL)/models and keep a log")
        #expect(said.contains("Scheduled workflow 'uptime-127-0-0-1'"), "\(said)")
        let tasks = try await json(c, "GET", base + "/api/v1/tasks?workflow=uptime-127-0-0-1").1["tasks"]?.array ?? []
        #expect(tasks.first?["schedule"]?.string == "* * * * *")
        let queued = try await json(c, "POST", base + "/api/v1/workflows/uptime-127-0-0-1/run", "{}").1
        #expect(try await waitRun(c, base, try #require(queued["id"]?.string))["status"]?.string == "succeeded")
        #expect(try await json(c, "GET", base + "/s/uptime-127-0-0-1/history").1["checks"]?.array?.count == 1, "each check is logged")

        // By path alone: the one endpoint of any service that ends in /history.
        let daily = try await chat(c, base, "Every day at 08:00 Europe/Berlin call my /history endpoint")
        #expect(daily.contains("Scheduled workflow 'uptime-127-0-0-1-get-history'"), "\(daily)")
        #expect(daily.contains("it calls uptime-127-0-0-1 GET /history"), "\(daily)")
        let t2 = try await json(c, "GET", base + "/api/v1/tasks?workflow=uptime-127-0-0-1-get-history").1["tasks"]?.array ?? []
        #expect(t2.first?["timezone"]?.string == "Europe/Berlin")
        let nowhere = try await chat(c, base, "every day at 9 call my /report endpoint")
        #expect(nowhere.contains("I found no endpoint for '/report'"), "\(nowhere)")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }

    @Test func aRequestNotFullyUnderstoodBuildsNothingAndSaysWhy() async throws {
        let (bin, c, base) = try await serve("offline-limits")
        let said = try await chat(c, base, "a notes API where each note has a title, a body and a photo")
        #expect(said.contains("I have built nothing"), "\(said)")
        #expect(said.contains("records of note with title (text), body (text)"), "what was understood: \(said)")
        #expect(said.contains("the field \\\"photo\\\""), "what was not: \(said)")
        #expect(said.contains("The closest request I can build is"), "\(said)")
        #expect(said.contains("ollama pull"), "\(said)")
        #expect(said.contains("--llm-provider anthropic"), "\(said)")
        #expect(try await json(c, "GET", base + "/api/v1/services").1["services"]?.array?.isEmpty == true, "nothing else was built")
        let unknown = try await chat(c, base, "add a field priority to recipes-api")
        #expect(unknown.contains("There is no service 'recipes-api'") || unknown.contains("built nothing"), "\(unknown)")
        kill(bin.process.processIdentifier, SIGTERM)
        try await bin.waitUntilExit()
    }
}
