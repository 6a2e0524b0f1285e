import Core
import Crypto
import Foundation
import HTTPServer

/// A trigger's notification endpoint for a test run: it answers as the platform does (202 with a run id, 401 for a
/// wrong token, 400 for a body that is not `{"event", "payload"}`) and keeps what it was sent, so the agent sees the
/// events its trigger reported.
final class ScratchNotify: Sendable {
    let server: HTTPServer
    let token = "test-" + SecureRandom.hex(12)
    private let events = Locked<[JSONValue]>([])

    var url: String { "http://127.0.0.1:\(server.port)/events" }
    var port: Int { server.port }
    var received: [JSONValue] { events.withLock { $0 } }

    init(logger: Logger) throws {
        var router = Router()
        let token = self.token, events = self.events
        router.post("/events") { req in
            guard req.headers["Authorization"] == "Bearer \(token)" else {
                events.withLock { $0.append(["refused": "401: wrong or missing Authorization: Bearer $OPENPIECES_SERVICE_TOKEN"]) }
                return Response.error(401, code: "unauthorized", message: "Send Authorization: Bearer $OPENPIECES_SERVICE_TOKEN.")
            }
            guard let body = JSONValue.parse(req.body), let event = body["event"]?.string, !event.isEmpty, let payload = body["payload"] else {
                events.withLock { $0.append(["refused": .string("400: the body must be {\"event\": \"<name>\", \"payload\": {…}}, got: \(req.bodyText.prefix(300))")]) }
                return Response.error(400, code: "invalid_event", message: "Send {\"event\": \"<name>\", \"payload\": {…}}.")
            }
            let n = events.withLock { e -> Int in
                e.append(["event": .string(event), "payload": payload, "idempotencyKey": JSONValue(req.headers["Idempotency-Key"])])
                return e.count
            }
            return Response.jsonValue(["runId": .string("test-run-\(n)"), "status": "queued"], status: 202)
        }
        server = try HTTPServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 1), router: router, logger: logger)
    }

    func shutdown() async { await server.shutdown() }
}
