import Brain
import Core
import Foundation
import Secrets
import Services

/// The platform's tools for agents, backed by the same managers the API uses.
public enum PlatformTools {
    /// `urls` says where services answer: `url` for people (the service's own origin), `pathUrl` for programs.
    public static func all(brain: Brain, services: ServiceManager, secrets: SecretStore, codegen: Codegen?, urls: ServiceURLs) -> [Tool] {
        var tools: [Tool] = []
        if let codegen {
            tools.append(Tool(name: "build_service",
                              description: "Commission the code-generation agent to build a new service, or change an existing one (it reuses that service's session). Returns when deployed.",
                              parameters: ["type": "object", "properties": ["slug": ["type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,46}[a-z0-9]$|^[a-z0-9]$"],
                                                                            "request": ["type": "string", "minLength": 1, "maxLength": 8000]],
                                           "required": ["slug", "request"]], BuildInput.self) { input, context in
                var result = try await codegen.build(slug: input.slug, request: input.request,
                                                     origin: context.chatID.map { .chat(chatID: $0, session: nil) } ?? .unknown, progress: context.progress)
                if case .object(var o) = result {
                    let slug = input.slug
                    o["url"] = .string(urls.url(slug))
                    o["pathUrl"] = .string(urls.pathURL(slug))
                    result = .object(o)
                }
                return result
            })
        }
        tools.append(contentsOf: [
            Tool(name: "service_start", description: "Start (or restart) a service.",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"]], "required": ["slug"]], SlugInput.self) { input, _ in
                do {
                    let s = try await services.start(input.slug)
                    return ["slug": .string(s.slug), "status": .string(s.status.rawValue), "reason": JSONValue(s.reason)]
                } catch let f as ServiceManager.Failure { throw ToolFailure(f.description) }
            },
            Tool(name: "service_stop", description: "Stop a service.",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"]], "required": ["slug"]], SlugInput.self) { input, _ in
                do {
                    let s = try await services.stop(input.slug)
                    return ["slug": .string(s.slug), "status": .string(s.status.rawValue)]
                } catch let f as ServiceManager.Failure { throw ToolFailure(f.description) }
            },
            Tool(name: "secrets_request", description: "Ask the user for secrets a service needs: says which are missing and how to set them (never ask for values in chat).",
                 parameters: ["type": "object", "properties": ["names": ["type": "array", "items": ["type": "string"], "minItems": 1, "maxItems": 20]],
                              "required": ["names"]], NamesInput.self) { input, _ in
                let set = Set(try secrets.names())
                let missing = input.names.filter { !set.contains($0) }
                return ["missing": .array(missing.map { .string($0) }),
                        "instructions": .string(missing.isEmpty ? "All are set." : missing.map { "openpieces secrets set \($0)" }.joined(separator: "\n"))]
            },
        ])
        return tools + [
            Tool(name: "brain_search", description: "Search long-term memory (facts, decisions, preferences, built services, history).",
                 parameters: ["type": "object", "properties": ["query": ["type": "string", "minLength": 1],
                                                               "kind": ["type": "string", "enum": ["fact", "decision", "preference", "service", "history"]]],
                              "required": ["query"]], BrainSearchInput.self) { input, _ in
                let found = try brain.search(input.query, kind: input.kind, limit: 8)
                try brain.reinforce(found.map(\.id))
                return ["entries": .array(found.map(\.json))]
            },
            Tool(name: "brain_write", description: "Remember something for later: a fact, a decision, a preference, a built service, or history.",
                 parameters: ["type": "object", "properties": ["kind": ["type": "string", "enum": ["fact", "decision", "preference", "service", "history"]],
                                                               "text": ["type": "string", "minLength": 1, "maxLength": 4000],
                                                               "tags": ["type": "array", "items": ["type": "string"], "maxItems": 10]],
                              "required": ["kind", "text"]], BrainWriteInput.self) { input, _ in
                do {
                    let r = try brain.write(kind: input.kind, text: input.text, tags: input.tags ?? [], source: "orchestrator")
                    return ["id": .string(r.entry.id), "merged": .bool(r.merged)]
                } catch let e as Brain.Invalid {
                    throw ToolFailure(e.description)
                }
            },
            Tool(name: "services_list", description: "List the services: slug, kind, status, URL.",
                 parameters: ["type": "object", "properties": [:]]) { _, _ in
                return ["services": .array(try services.store.all().map {
                    ["slug": .string($0.slug), "kind": .string($0.kind), "status": .string($0.status.rawValue), "url": .string(urls.url($0.slug)),
                     "pathUrl": .string(urls.pathURL($0.slug)), "title": .string($0.title)]
                })]
            },
            Tool(name: "service_get", description: "One service: status, reason, endpoints (with ids for endpoints_call), secrets.",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"]], "required": ["slug"]], SlugInput.self) { input, _ in
                guard let s = try services.store.find(input.slug) else { throw ToolFailure("no service '\(input.slug)'. List them with services_list.") }
                let names = Set(try secrets.names())
                var o: [String: JSONValue] = [
                    "slug": .string(s.slug), "kind": .string(s.kind), "status": .string(s.status.rawValue), "version": JSONValue(s.currentVersion),
                    "url": .string(urls.url(s.slug)), "pathUrl": .string(urls.pathURL(s.slug)),
                    "endpoints": .array(try services.store.endpoints(s.id).map {
                        var e: [String: JSONValue] = ["id": .string($0.id), "method": .string($0.method), "path": .string($0.path),
                                                      "description": .string($0.description)]
                        if let schema = $0.inputSchema { e["inputSchema"] = schema }
                        return .object(e)
                    }),
                    "secrets": .array(s.secrets.map { ["name": .string($0), "set": .bool(names.contains($0))] }),
                ]
                if let r = s.reason { o["reason"] = .string(r) }
                return .object(o)
            },
            Tool(name: "service_logs", description: "The last lines a service printed.",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"], "lines": ["type": "integer", "minimum": 1, "maximum": 200]],
                              "required": ["slug"]], LogsInput.self) { input, _ in
                do {
                    let log = try await services.logs(input.slug)
                    return ["lines": .array(log.tail(input.lines ?? 40).map { .string($0) })]
                } catch let f as ServiceManager.Failure {
                    throw ToolFailure(f.description)
                }
            },
            Tool(name: "endpoints_call",
                 description: "Call a service's endpoint through the platform, as a public request to its URL arrives; input validated against its schema. 'endpoint' is its id or \"METHOD /path\" (declared, or concrete like GET /notes/7). Returns status, headers (location, content-type, set-cookie names) and the body.",
                 parameters: ["type": "object", "properties": ["slug": ["type": "string"], "endpoint": ["type": "string", "minLength": 1],
                                                               "endpoint_id": ["type": "string", "description": "the older name of 'endpoint'"],
                                                               "input": ["type": "object"]],
                              "required": ["slug"]], CallInput.self) { input, _ in
                // The same call the API's …/call route and the Events agent make, so validation and errors are identical.
                guard let endpoint = input.endpoint ?? input.endpoint_id else {
                    throw ToolFailure("Give 'endpoint': an endpoint id, or \"METHOD /path\" (see service_get).")
                }
                do {
                    return try await services.call(service: input.slug, endpoint: endpoint, input: input.input ?? .object([:])).json
                } catch let f as ServiceManager.Failure { throw ToolFailure(f.description) }
            },
            Tool(name: "secrets_list", description: "Secret names, whether each is set, and which services need it. Never values.",
                 parameters: ["type": "object", "properties": [:]]) { _, _ in
                ["secrets": .array(try services.secretNeeds(set: Set(try secrets.names())).map { n in
                    ["name": .string(n.name), "set": .bool(n.set), "services": .array(n.services.map { .string($0) })]
                })]
            },
        ]
    }
}

struct BuildInput: ToolInput { let slug: String; let request: String }
struct NamesInput: ToolInput { let names: [String] }
struct BrainSearchInput: ToolInput { let query: String; let kind: String? }
struct BrainWriteInput: ToolInput { let kind: String; let text: String; let tags: [String]? }
struct LogsInput: ToolInput { let slug: String; let lines: Int? }
// The field names are the tool's JSON Schema's; `endpoint_id` is the older name of `endpoint`.
struct CallInput: ToolInput { let slug: String; let endpoint: String?; let endpoint_id: String?; let input: JSONValue? }
