import Core
import HTTPServer

/// One application, its updates and its onboarding flag.
extension PiecesAPI {
    func installApplicationEdits(_ r: inout Router) {
        r.get("/applications/:application") { [self] req in
            let id = try req.require("application")
            guard let a = try await store.reading({ [store] in try store.application(id) }) else { throw HTTPError.notFound("No application with id '\(id)'. List them with GET /applications.") }
            return .jsonValue(PiecesJSON.application(a))
        }
        r.post("/application/update") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["id"], "id")
            let registered = try await store.writing { [store] () throws -> ApplicationRecord in
                guard var a = try store.application(id) else {
                    throw HTTPError.notFound("No application with id '\(id)'. Register it with POST /applications/register or POST /connect.")
                }
                if let name = body["name"]?.string { a.name = try Self.short(name, "name") }
                if let version = body["version"]?.string { a.version = try Self.short(version, "version") }
                if let platform = body["platform"]?.string { a.platform = try Self.short(platform, "platform") }
                if let privacy = body["privacy"]?.string { a.privacy = try Self.short(privacy, "privacy") }
                if let onboarded = body["onboarded"]?.bool { a.onboarded = onboarded }
                return try store.register(a)
            }
            return .jsonValue(PiecesJSON.application(registered))
        }
        r.post("/:application/onboarded") { [self] req in
            let id = try req.require("application")
            let body = try RequestBody.optionalJSON(req)
            let onboarded: Bool
            switch body {
            case .bool(let b): onboarded = b
            case .object(let o) where o.isEmpty: onboarded = true
            default: throw HTTPError(400, code: "invalid_body", message: "Send true or false: whether the application finished onboarding.")
            }
            try await store.writing { [store] in
                guard var a = try store.application(id) else {
                    throw HTTPError.notFound("No application with id '\(id)'. Register it with POST /applications/register or POST /connect.")
                }
                a.onboarded = onboarded
                _ = try store.register(a)
            }
            return .jsonValue(.string(onboarded ? "onboarded" : "not onboarded"))
        }
    }

    static func short(_ value: String, _ field: String) throws -> String {
        guard !value.isEmpty, value.count <= 128 else {
            throw HTTPError(400, code: "invalid_field", message: "Field '\(field)' needs 1 to 128 characters.")
        }
        return value
    }
}
