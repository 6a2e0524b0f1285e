import Core

/// `service.json`: what a service is and needs. Validated strictly: it decides the service's permissions.
public struct Manifest: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var method: String
        public var path: String
        public var description: String
        public var inputSchema: JSONValue?
        /// What a successful answer looks like; test runs check answers against it.
        public var outputSchema: JSONValue?
    }

    public var kind: String  // action | trigger
    public var title: String
    public var description: String
    public var endpoints: [Endpoint]
    /// Secret names the service reads from its environment.
    public var secrets: [String]
    /// Hosts (`host` or `host:port`) the service may reach besides itself.
    public var hosts: [String]
    /// For a trigger: the workflow it belongs to.
    public var workflow: String?

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    static let methods: Set<String> = ["GET", "POST", "PUT", "DELETE", "PATCH"]

    public static func parse(_ bytes: [UInt8]) throws -> Manifest {
        guard let v = JSONValue.parse(bytes), v.object != nil else { throw Invalid(description: "service.json is not a JSON object") }
        let kind = v["kind"]?.string ?? "action"
        guard kind == "action" || kind == "trigger" else { throw Invalid(description: "service.json: 'kind' must be \"action\" or \"trigger\"") }
        var endpoints: [Endpoint] = []
        for (i, e) in (v["endpoints"]?.array ?? []).enumerated() {
            guard let method = e["method"]?.string?.uppercased(), methods.contains(method) else {
                throw Invalid(description: "service.json: endpoints[\(i)].method must be one of GET POST PUT DELETE PATCH")
            }
            guard let path = e["path"]?.string, path.hasPrefix("/"), !path.contains(".."), path.count <= 512 else {
                throw Invalid(description: "service.json: endpoints[\(i)].path must start with '/' and not contain '..'")
            }
            let schema = e["inputSchema"] ?? e["input_schema"]
            if let schema, schema.object == nil { throw Invalid(description: "service.json: endpoints[\(i)].inputSchema must be a JSON Schema object") }
            let output = e["outputSchema"] ?? e["output_schema"]
            if let output, output.object == nil { throw Invalid(description: "service.json: endpoints[\(i)].outputSchema must be a JSON Schema object") }
            endpoints.append(Endpoint(method: method, path: path, description: e["description"]?.string ?? "", inputSchema: schema, outputSchema: output))
        }
        let secrets = (v["secrets"]?.array ?? []).compactMap(\.string)
        for s in secrets where !isSecretName(s) {
            throw Invalid(description: "service.json: secret '\(s)' must look like API_KEY (capitals, digits, underscores)")
        }
        let hosts = (v["hosts"]?.array ?? []).compactMap(\.string)
        for h in hosts where !isHost(h) {
            throw Invalid(description: "service.json: host '\(h)' must be a host name or host:port, without a scheme or path")
        }
        return Manifest(kind: kind, title: v["title"]?.string ?? "", description: v["description"]?.string ?? "",
                        endpoints: endpoints, secrets: secrets, hosts: hosts, workflow: v["workflow"]?.string)
    }

    static func isSecretName(_ s: String) -> Bool {
        guard let f = s.utf8.first, f >= 65, f <= 90, s.utf8.count <= 128 else { return false }
        return s.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// The shape of a `hosts` entry; what it may reach is the egress policy's to say (with reasons), at deploy and start.
    static func isHost(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253 && s.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 58 || $0 == 91 || $0 == 93 || $0 == 42
        }
    }
}

public enum Slug {
    /// `[a-z0-9-]`, 1–48, not starting or ending with `-`: safe as a path segment and a DNS label.
    public static func isValid(_ s: String) -> Bool {
        guard (1...48).contains(s.utf8.count), s.first != "-", s.last != "-" else { return false }
        return s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    /// A slug made from a name or host: "Example.com" → "example-com"; at most `limit` characters.
    public static func clean(_ s: String, limit: Int = 38) -> String { SlugText.from(s, limit: limit) }
}
