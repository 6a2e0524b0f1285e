import Core
import Services

enum ServiceJSON {
    /// `url` is the service's own origin, for people; `pathUrl` the `/s/<slug>/` form any HTTP client resolves.
    static func service(_ s: ServiceRecord, endpoints: [EndpointRecord], versions: [Int], urls: ServiceURLs, secretSet: (String) -> Bool,
                        placement: Placement? = nil) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(s.id), "slug": .string(s.slug), "title": .string(s.title), "description": .string(s.description),
            "kind": .string(s.kind), "status": .string(s.status.rawValue), "url": .string(urls.url(s.slug)),
            "pathUrl": .string(urls.pathURL(s.slug)),
            "version": JSONValue(s.currentVersion), "versions": .array(versions.map { JSONValue($0) }),
            "secrets": .array(s.secrets.map { ["name": .string($0), "set": .bool(secretSet($0))] }),
            "hosts": .array(s.hosts.map { .string($0) }),
            "endpoints": .array(endpoints.map(endpoint)),
            "created": .string(s.created), "updated": .string(s.updated),
        ]
        if let v = s.runningVersion, s.status == .running { o["runningVersion"] = JSONValue(v) }
        if let r = s.reason { o["reason"] = .string(r) }
        if let w = s.workflow { o["workflow"] = .string(w) }
        if let p = s.port, s.status == .running { o["port"] = JSONValue(p) }
        if let p = s.pid, s.status == .running { o["pid"] = JSONValue(p) }
        // Replicas sharing a store: which one runs it, and whether its data keeps it there.
        if let p = placement {
            o["placement"] = ["node": .string(p.node), "address": .string(p.address), "pinned": .bool(p.pinned), "live": .bool(p.isLive())]
        }
        return .object(o)
    }

    static func endpoint(_ e: EndpointRecord) -> JSONValue {
        var o: [String: JSONValue] = ["id": .string(e.id), "method": .string(e.method), "path": .string(e.path),
                                      "description": .string(e.description), "source": .string(e.source)]
        if let schema = e.inputSchema { o["inputSchema"] = schema }
        if let schema = e.outputSchema { o["outputSchema"] = schema }
        return .object(o)
    }
}
