import Core
import Intent

/// The files of one generated service, as the code-generation tools write them.
public struct GeneratedService: Sendable {
    /// `main.ts`: a Deno HTTP service that uses only Deno built-ins, web APIs and `node:sqlite`.
    public var main: String
    /// `service.json`: kind, title, description, endpoints (each with its inputSchema and outputSchema), secrets, hosts.
    public var manifest: JSONValue
    /// `spec.json`: the spec this was generated from, which a later change applies to.
    public var spec: ServiceSpec

    public init(main: String, manifest: JSONValue, spec: ServiceSpec) {
        self.main = main
        self.manifest = manifest
        self.spec = spec
    }

    /// In the order they are written.
    public var files: [(path: String, content: String)] {
        [("main.ts", main), ("service.json", manifest.text), (ServiceGenerator.specFile, spec.json)]
    }
}

/// Builds a service from a spec out of parts: a router, a typed `node:sqlite` store per resource, and a mixin per
/// behaviour (toggle, expiry, counter, key-value, short codes and redirects, text tools, conversion, lookup table,
/// URL check, fetch, webhook receiver, documents).
public enum ServiceGenerator {
    /// Where the spec is kept among a service's files.
    public static let specFile = "spec.json"

    public static func generate(_ spec: ServiceSpec) -> GeneratedService {
        fatalError("not yet")
    }

    /// The secret a webhook receiver checks: `ORDERS_WEBHOOK_SECRET` for `orders-webhook`.
    public static func secretName(_ slug: String) -> String {
        slug.uppercased().replacingOccurrences(of: "-", with: "_") + (slug.hasSuffix("-webhook") ? "_SECRET" : "_WEBHOOK_SECRET")
    }

    /// The path of a resource's collection: "/notes" for "note".
    public static func collectionPath(_ resource: Resource) -> String {
        "/" + Tokenizer.plural(resource.name).replacingOccurrences(of: "_", with: "-")
    }
}
