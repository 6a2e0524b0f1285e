import Core
import HTTPServer

/// JSON request bodies, with errors that name the field.
enum RequestBody {
    static func json(_ req: Request) throws -> JSONValue {
        guard !req.body.isEmpty else { throw HTTPError(400, code: "missing_body", message: "This endpoint needs a JSON body.") }
        guard let v = JSONValue.parse(req.body) else {
            throw HTTPError(400, code: "invalid_json", message: "The body is not valid JSON. Send application/json.")
        }
        return v
    }

    /// The body when present; `{}` for an empty one.
    static func optionalJSON(_ req: Request) throws -> JSONValue {
        req.body.isEmpty ? .object([:]) : try json(req)
    }

    static func string(_ v: JSONValue?, _ path: String) throws -> String {
        guard let s = v?.string else {
            throw HTTPError(400, code: "missing_field", message: "Field '\(path)' is required and must be a string.")
        }
        return s
    }
}
