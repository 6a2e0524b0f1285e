import Core
import Crypto
import HTTPServer

/// The start-up handshake of Pieces clients (the SDK's `PiecesClient`, pieces-cli, the editor plugins): after finding
/// us by port scan they `POST /connect`, read `/user`, and keep WebSockets open on the health and user streams.
/// All Pieces-compatible paths: open on loopback, key needed when exposed; `/.well-known/*` is public.
extension PiecesAPI {
    func installConnect(_ r: inout Router) {
        r.post("/connect") { [self] req in
            let body = try RequestBody.json(req)
            let (registered, context) = try await store.writing { [self] () throws -> (ApplicationRecord, JSONValue) in
                let registered = try store.register(try connectingApplication(body["application"]))
                return (registered, try self.context(registered))
            }
            logger.info("pieces.connected", ["application": registered.id, "name": registered.name, "version": registered.version,
                                             "request_id": req.requestID])
            return .jsonValue(context)
        }
        // `ok` once connected, then silence until either side leaves: clients treat the open socket as "Pieces OS is up".
        r.webSocket("/.well-known/stream/health") { ws in
            try? await ws.send("ok")
            while await ws.receive() != nil {}
        }
        // The signed-in user, as a UserProfile; the local user never signs out.
        r.webSocket("/user/stream") { ws in
            try? await ws.send(LocalUser.profile.text)
            while await ws.receive() != nil {}
        }
        // Long-term memory: one answer, here and on the stream. pieces-cli (`pieces mcp`, `ask_pieces_ltm`) goes on only
        // when `vision.activation` is set; OpenPieces' memory (snippets, conversations, the Brain) is always on.
        r.get("/workstream_pattern_engine/processors/vision/status") { _ in .jsonValue(LocalUser.visionStatus) }
        r.webSocket("/workstream_pattern_engine/processors/vision/status/stream") { ws in
            try? await ws.send(LocalUser.visionStatus.text)
            while await ws.receive() != nil {}
        }
    }

    /// The application a `SeededConnectorConnection` describes. Its id is stable per name and platform,
    /// so a client that reconnects (or upgrades) keeps one record in `/applications`. Reads SQLite: call it off the pool.
    func connectingApplication(_ seed: JSONValue?) throws -> ApplicationRecord {
        guard let seed, case .object = seed else {
            throw HTTPError(400, code: "missing_field", message: "Field 'application' is required: the SeededTrackedApplication {name, platform, version} of the connecting client.")
        }
        let name = try RequestBody.string(seed["name"], "application.name")
        let platform = seed["platform"]?.string ?? "UNKNOWN"
        let version = seed["version"]?.string ?? "0.0.0"
        for (field, value) in [("name", name), ("platform", platform), ("version", version)] where value.count > 100 || value.isEmpty {
            throw HTTPError(400, code: "invalid_field", message: "'application.\(field)' must hold 1 to 100 characters.")
        }
        let existing = try store.application(PiecesAPI.applicationID(name: name, platform: platform))
        return ApplicationRecord(id: PiecesAPI.applicationID(name: name, platform: platform), name: name, version: version, platform: platform,
                                 privacy: seed["privacy"]?.string ?? existing?.privacy ?? "OPEN", onboarded: true,
                                 created: existing?.created ?? PiecesTime.now())
    }

    static func applicationID(name: String, platform: String) -> String {
        let h = Array(Hex.encode(Array(Digest.sha256(Array("openpieces-app|\(name)|\(platform)".utf8)).prefix(16))))
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }

    /// The SDK's `Context`: the registered application, the OS's health (id and API level), the OS id and the user.
    /// Writes SQLite the first time: call it in `store.writing`.
    func context(_ app: ApplicationRecord) throws -> JSONValue {
        let os = try osID()
        return ["application": PiecesJSON.application(app), "health": ["os": ["id": .string(os), "version": .string(ProductVersion.piecesAPILevel)]],
                "os": .string(os), "user": LocalUser.profile]
    }

    /// This installation's id, made once and kept in the settings table.
    func osID() throws -> String {
        try store.db.write { conn in
            if let id = try conn.queryOne("SELECT value FROM settings WHERE key = 'pieces.os_id'")?["value"].string { return id }
            let id = PiecesAPI.applicationID(name: IDs.make(), platform: "os")
            try conn.execute("INSERT INTO settings(key, value) VALUES ('pieces.os_id', ?)", [id])
            return id
        }
    }
}

extension LocalUser {
    /// `GET /user`: the seed's fields at the top level and the SDK's `{"user": UserProfile}` wrapper, in one object.
    static var snapshot: JSONValue {
        guard case .object(var top) = profile else { return profile }
        top["user"] = profile
        return .object(top)
    }

    /// A `WorkstreamPatternEngineStatus` activated for good (`continuous`): the memory the MCP tools and Copilot answer
    /// from needs no screen capture to be on. (No screen vision is recorded; nothing asks for its permissions.)
    static let visionStatus: JSONValue = ["vision": ["activation": ["continuous": true], "degraded": false]]
}
