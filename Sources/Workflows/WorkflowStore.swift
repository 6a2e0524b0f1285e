import Core
import Foundation
import Services
import Store

public struct Workflow: Sendable, Equatable {
    public var slug: String
    public var title: String
    public var description: String
    /// The trigger service that starts it (a trigger belongs to exactly one workflow).
    public var trigger: String?
    /// Action services it may call.
    public var actions: [String]
    /// Ordered natural-language instructions: a plan, not code.
    public var steps: [String]
    public var status: WorkflowStatus
    public var created: String
    public var updated: String

    /// The file form: `workflows/<slug>.json`.
    public var json: JSONValue {
        ["slug": .string(slug), "title": .string(title), "description": .string(description), "trigger": JSONValue(trigger),
         "actions": .array(actions.map { .string($0) }), "steps": .array(steps.map { .string($0) }), "status": .string(status.rawValue),
         "created": .string(created), "updated": .string(updated)]
    }
}

/// Workflows in SQLite, validated against the services they link.
public final class WorkflowStore: Sendable {
    public static let migrations: [Migration] = [
        Migration(10, "workflows", """
            CREATE TABLE workflows (
                slug TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                trigger_service TEXT UNIQUE,
                actions TEXT NOT NULL DEFAULT '[]',
                steps TEXT NOT NULL DEFAULT '[]',
                status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            );
            """),
    ]

    /// A workflow or task the user must change: malformed, or in conflict with one that exists.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public enum Kind: Sendable, Equatable { case invalid, conflict }
        public let kind: Kind
        public let description: String
        public init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    /// Public so that request handlers can await its calls on the database's threads (`asyncReading`/`asyncWriting`).
    public let db: Database
    let services: ServiceStore

    public init(db: Database, services: ServiceStore) {
        self.db = db
        self.services = services
    }

    public func all() throws -> [Workflow] {
        try db.read { try $0.query("SELECT * FROM workflows ORDER BY slug").map(WorkflowStore.workflow) }
    }

    public func get(_ slug: String) throws -> Workflow? {
        try db.read { try $0.queryOne("SELECT * FROM workflows WHERE slug = ?", [slug]).map(WorkflowStore.workflow) }
    }

    /// Creates or replaces a workflow from its JSON form (the API body or a `workflows/<slug>.json` file).
    public func save(_ v: JSONValue, slug forced: String? = nil, allowReplace: Bool) throws -> Workflow {
        guard let slug = forced ?? v["slug"]?.string, Slug.isValid(slug) else {
            throw Invalid(.invalid, "Field 'slug' must be 1–48 of a-z, 0-9 and '-'.")
        }
        let existing = try get(slug)
        if existing != nil && !allowReplace { throw Invalid(.conflict, "A workflow '\(slug)' exists already; update it with PATCH.") }
        let title = v["title"]?.string ?? existing?.title ?? slug
        guard !title.isEmpty, title.count <= 200 else { throw Invalid(.invalid, "Field 'title' must hold 1 to 200 characters.") }
        let steps = try v["steps"].map(WorkflowStore.strings(field: "steps")) ?? existing?.steps ?? []
        guard steps.count <= 50, steps.allSatisfy({ !$0.isEmpty && $0.count <= 2000 }) else {
            throw Invalid(.invalid, "Field 'steps' holds at most 50 non-empty instructions of at most 2000 characters.")
        }
        let actions = try v["actions"].map(WorkflowStore.strings(field: "actions")) ?? existing?.actions ?? []
        for a in actions {
            guard let s = try services.find(a) else { throw Invalid(.invalid, "Action service '\(a)' does not exist.") }
            guard s.kind == "action" else { throw Invalid(.invalid, "'\(a)' is a \(s.kind) service; actions must be action services.") }
        }
        var trigger = existing?.trigger
        if let t = v["trigger"] { trigger = t.isNull ? nil : t.string }
        if let t = trigger {
            guard let s = try services.find(t) else { throw Invalid(.invalid, "Trigger service '\(t)' does not exist.") }
            guard s.kind == "trigger" else { throw Invalid(.invalid, "'\(t)' is an \(s.kind) service; a workflow's trigger must be a trigger service.") }
            if let owner = try db.read({ try $0.queryOne("SELECT slug FROM workflows WHERE trigger_service = ? AND slug != ?", [t, slug])?.text("slug") }) {
                throw Invalid(.conflict, "Trigger '\(t)' already belongs to workflow '\(owner)': a trigger belongs to exactly one workflow.")
            }
        }
        let status: WorkflowStatus
        if let given = v["status"]?.string {
            guard let s = WorkflowStatus(rawValue: given) else { throw Invalid(.invalid, "Field 'status' must be active or archived.") }
            status = s
        } else {
            status = existing?.status ?? .active
        }
        let now = Clock.iso8601Now()
        try db.write { conn in
            try conn.execute("""
                INSERT INTO workflows(slug, title, description, trigger_service, actions, steps, status, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(slug) DO UPDATE SET title = excluded.title, description = excluded.description, trigger_service = excluded.trigger_service,
                    actions = excluded.actions, steps = excluded.steps, status = excluded.status, updated = excluded.updated
                """, [slug, title, v["description"]?.string ?? existing?.description ?? "", trigger,
                      JSONValue.array(actions.map { .string($0) }).text, JSONValue.array(steps.map { .string($0) }).text, status.rawValue,
                      existing?.created ?? now, now])
        }
        return try get(slug)!
    }

    public func delete(_ slug: String) throws -> Bool {
        try db.write { try $0.execute("DELETE FROM workflows WHERE slug = ?", [slug]) > 0 }
    }

    static func strings(field: String) -> (JSONValue) throws -> [String] {
        { v in
            guard let a = v.array, a.allSatisfy({ $0.string != nil }) else {
                throw Invalid(.invalid, "Field '\(field)' must be a list of strings.")
            }
            return a.compactMap(\.string)
        }
    }

    /// Decodes a `workflows` row; a missing column is an error, not a default.
    static func workflow(_ r: Row) throws -> Workflow {
        func list(_ column: String) throws -> [String] {
            let text = try r.text(column)
            guard let items = JSONValue.parse(text)?.array else { throw StoreError.column(name: column, message: "holds '\(text.prefix(80))', not a JSON list") }
            return items.compactMap(\.string)
        }
        return Workflow(slug: try r.text("slug"), title: try r.text("title"), description: try r.text("description"),
                        trigger: try r.optionalText("trigger_service"), actions: try list("actions"), steps: try list("steps"),
                        status: try r.decode("status"), created: try r.text("created"), updated: try r.text("updated"))
    }
}
