import Core
import HTTPServer
import Secrets
import Services

extension PlatformRoutes {
    /// Secrets: names and which services need them; values are write-only.
    func installSecrets(_ r: inout Router) {
        r.get("/api/v1/secrets", ServiceDocs.secrets) { [self] _ in
            let items: [JSONValue] = try await manager.store.reading { [self] in
                try manager.secretNeeds(set: Set(try secrets.names())).map { n in
                    ["name": .string(n.name), "set": .bool(n.set), "services": .array(n.services.map { .string($0) })]
                }
            }
            return .jsonValue(["secrets": .array(items)])
        }
        r.put("/api/v1/secrets/:name", ServiceDocs.setSecret) { [self] req in
            let name = try req.require("name")
            let body = try PlatformRoutes.json(req)
            guard let value = body["value"]?.string else {
                throw HTTPError(400, code: "missing_field", message: "Field 'value' is required: the secret's value.")
            }
            try await manager.store.db.asyncWriting { [secrets] in try secrets.set(name, value) }
            logger.info("secret.set", ["name": name, "request_id": req.requestID])
            await manager.secretChanged(name)
            return .jsonValue(["name": .string(name), "set": true, "hint": .string(SecretStore.hint(value))])
        }
        r.delete("/api/v1/secrets/:name", ServiceDocs.deleteSecret) { [self] req in
            let name = try req.require("name")
            guard try await manager.store.db.asyncWriting({ [secrets] in try secrets.delete(name) }) else { throw HTTPError.notFound("No secret '\(name)'.") }
            logger.info("secret.deleted", ["name": name, "request_id": req.requestID])
            return Response(status: 204)
        }
    }
}
