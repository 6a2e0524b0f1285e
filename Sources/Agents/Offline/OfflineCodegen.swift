import Core
import Crypto
import Foundation
import Generator
import Intent
import LLM

/// The offline code-generation agent: the service's files come from `ServiceGenerator` (the blueprint's spec, or
/// the stored `spec.json` with the blueprint's changes applied), then go through the tools a model uses:
/// write_file, deno_check, test_service, deploy.
struct OfflineCodegen {
    /// "Build the service 'x': …" or "Change the service 'x': …" with the blueprint attached.
    let ask: String
    /// The calls of the last turn.
    let lastCalls: [ToolCall]
    /// Every tool result of this job, by call id.
    let results: [String: String]

    static let readSpec = "offline-read-spec"
    static let listFiles = "offline-list-files"

    /// The service this job is for: "Build the service 'notes-api': …".
    var slug: String? {
        guard let open = ask.firstIndex(of: "'"), let close = ask[ask.index(after: open)...].range(of: "':") else { return nil }
        return String(ask[ask.index(after: open)..<close.lowerBound])
    }

    func next() -> ChatResult {
        guard let blueprint = Blueprint.find(in: ask) ?? Self.parsed(ask) else {
            return .offlineAnswer("Offline I build and change only what I can read as a spec (see the README's \"Offline engine\" section); to fix or change this service, connect a model.")
        }
        let spec: ServiceSpec
        switch blueprint {
        case .service(let s):
            guard s.name == slug else { return .offlineAnswer("The spec is for '\(s.name)', not for this service ('\(slug ?? "")'); I build a spec only under its own name.") }
            spec = s
        case .change(let change):
            guard change.service == slug else { return .offlineAnswer("The change is for '\(change.service)', not for this service ('\(slug ?? "")').") }
            guard let readSpec = results[Self.readSpec], let listed = results[Self.listFiles] else {
                return .offlineCalls([Self.read(ServiceGenerator.specFile, id: Self.readSpec), ToolCall(id: Self.listFiles, name: "list_files", arguments: "{}")])
            }
            guard let stored = JSONValue.parse(readSpec)?["content"]?.string.flatMap(ServiceSpec.init(json:)) else {
                return .offlineAnswer("\(change.service) has no \(ServiceGenerator.specFile): it was not built by the offline engine, so I cannot change it without a model.")
            }
            // Regenerating would throw away edits made since (by hand or by a model): only an untouched service is changed.
            let generated = Hex.encode(Digest.sha256(Array(ServiceGenerator.generate(stored).main.utf8)))
            guard JSONValue.parse(listed)?["sha256"]?["main.ts"]?.string == generated else {
                return .offlineAnswer("\(change.service)'s main.ts was edited after it was generated, and regenerating it would lose those edits. "
                                      + "Connect a model to change it (see the README's LLM section).")
            }
            do { spec = try stored.applying(change.changes) } catch { return .offlineAnswer("I cannot make that change: \(error.description).") }
        }
        let generated = ServiceGenerator.generate(spec)
        switch lastCalls.first?.name {
        case nil, "read_file", "list_files":
            return .offlineCalls(generated.files.enumerated().map { i, f in
                ToolCall(id: "offline-write-\(i + 1)", name: "write_file", arguments: JSONValue.object(["path": .string(f.path), "content": .string(f.content)]).text)
            })
        case "write_file":
            let refused = lastCalls.filter { $0.name == "write_file" && !ok($0) }
            guard refused.isEmpty else { return .offlineAnswer("writing the files failed:\n\(refused.compactMap { results[$0.id] }.joined(separator: "\n").prefix(1500))") }
            return call("deno_check")
        case "deno_check":
            return ok("deno_check") ? call("test_service") : .offlineAnswer("deno check failed:\n\(output("deno_check"))")
        case "test_service":
            return ok("test_service") ? call("deploy") : .offlineAnswer("the test run failed:\n\(output("test_service"))")
        case "deploy":
            guard ok("deploy") else { return .offlineAnswer("deploying failed:\n\(output("deploy"))") }
            return .offlineAnswer(Self.summary(generated))
        default:
            return .offlineAnswer("done")
        }
    }

    /// A request without a blueprint (one typed by hand to the code-generation agent): read as the Orchestrator would.
    static func parsed(_ ask: String) -> Blueprint? {
        let request = ask.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init) ?? ask
        let parsed = RequestParser.parse(request)
        guard parsed.isComplete else { return nil }
        switch parsed.intent {
        case .service(let spec): return .service(spec)
        case .change(let change): return .change(change)
        default: return nil
        }
    }

    func ok(_ name: String) -> Bool {
        guard let c = lastCalls.first(where: { $0.name == name }) else { return false }
        return ok(c)
    }

    func ok(_ call: ToolCall) -> Bool {
        guard let out = results[call.id].flatMap({ JSONValue.parse($0) }) else { return false }
        return out["error"] == nil && out["ok"]?.bool != false
    }

    static func read(_ path: String, id: String) -> ToolCall {
        ToolCall(id: id, name: "read_file", arguments: JSONValue.object(["path": .string(path)]).text)
    }

    func output(_ name: String) -> String {
        lastCalls.first { $0.name == name }.flatMap { results[$0.id] }.map { String($0.prefix(1500)) } ?? ""
    }

    func call(_ name: String) -> ChatResult {
        .offlineCalls([ToolCall(id: "offline-\(name)", name: name, arguments: "{}")])
    }

    /// "Notes API: …. Endpoints: GET /notes, POST /notes, …."
    static func summary(_ generated: GeneratedService) -> String {
        let m = generated.manifest
        let endpoints = (m["endpoints"]?.array ?? []).map { "\($0["method"]?.string ?? "") \($0["path"]?.string ?? "")" }
        let description = (m["description"]?.string ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return "\(m["title"]?.string ?? generated.spec.name): \(description). Endpoints: \(endpoints.joined(separator: ", "))."
    }
}
