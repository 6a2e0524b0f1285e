import Brain
import Core
import Foundation
import HTTPServer
import PiecesAPI

/// Pieces' two memory tools, with Pieces' names and input fields, answered from what OpenPieces keeps: saved
/// snippets (assets), conversations and the Brain. No model runs here: the assistant calling the tool is the model.
public struct MemoryTools: Sendable {
    let pieces: PiecesAPI
    let brain: Brain
    /// Matches per source.
    let perSource = 5

    public init(pieces: PiecesAPI, brain: Brain) {
        self.pieces = pieces
        self.brain = brain
    }

    public var all: [MCPTool] { [ask, create] }

    static let strings: JSONValue = ["type": "array", "items": ["type": "string", "maxLength": 2000], "maxItems": 50]

    static let askSchema: JSONValue = [
        "type": "object",
        "properties": [
            "question": ["type": "string", "minLength": 1, "maxLength": 4000, "description": "The question to answer from the user's memory."],
            "topics": .object(strings.object!.merging(["description": "Keywords that narrow the search."]) { $1 }),
            "related_questions": .object(strings.object!.merging(["description": "More phrasings of the question, searched too."]) { $1 }),
            "open_files": .object(strings.object!.merging(["description": "Files open in the client (context only)."]) { $1 }),
            "application_sources": .object(strings.object!.merging(["description": "Applications to prefer (context only)."]) { $1 }),
            "chat_llm": ["type": "string", "description": "The client's model (accepted for Pieces compatibility; no model runs here)."],
            "connected_client": ["type": "string", "description": "The calling client, e.g. Cursor or Claude."],
        ],
        "required": ["question"],
    ]

    static let createSchema: JSONValue = [
        "type": "object",
        "properties": [
            "summary_description": ["type": "string", "minLength": 1, "maxLength": 500, "description": "A short title for the memory (1-2 sentences)."],
            "summary": ["type": "string", "minLength": 1, "maxLength": 262_144, "description": "The memory itself, in Markdown: what happened, what was decided, why."],
            "project": ["type": "string", "maxLength": 1000, "description": "The project's root directory."],
            "files": .object(strings.object!.merging(["description": "Files or folders the memory is about (absolute paths)."]) { $1 }),
            "externalLinks": .object(strings.object!.merging(["description": "URLs the memory refers to."]) { $1 }),
            "connected_client": ["type": "string", "maxLength": 100, "description": "The calling client, e.g. Cursor or Claude."],
        ],
        "required": ["summary_description", "summary"],
    ]

    static func invalid(_ arguments: JSONValue, _ schema: JSONValue) -> MCPToolResult? {
        let errors = JSONSchema.validate(arguments, against: schema, at: "arguments")
        return errors.isEmpty ? nil : MCPToolResult(text: "Invalid arguments: \(errors.joined(separator: "; "))", isError: true)
    }

    // MARK: ask_pieces_ltm

    var ask: MCPTool {
        let pieces = self.pieces, brain = self.brain, n = perSource
        return MCPTool(name: "ask_pieces_ltm", title: "Ask Pieces long-term memory",
                       description: "Search the user's long-term memory (saved snippets, past conversations and the Brain: facts, decisions, preferences, built services, history) for context on a question. Returns the best matches from each source, ranked; read them and answer the user yourself.",
                       inputSchema: MemoryTools.askSchema, readOnly: true) { arguments in
            if let bad = MemoryTools.invalid(arguments, MemoryTools.askSchema) { return bad }
            let question = arguments["question"]?.string ?? ""
            let extra = (arguments["topics"]?.array ?? []) + (arguments["related_questions"]?.array ?? [])
            let query = ([question] + extra.compactMap(\.string)).joined(separator: " ")
            // Only reads, on one of the database's reader threads (snippets, conversations and the Brain share the file).
            let (assets, conversations, memories) = try await pieces.reading {
                (try pieces.rankedSnippets(query, limit: n), try pieces.searchConversations(query, limit: n),
                 try brain.search(query, limit: n).map(\.json))
            }
            let structured: JSONValue = ["question": .string(question), "assets": .array(assets), "conversations": .array(conversations),
                                         "memories": .array(memories)]
            return MCPToolResult(text: MemoryTools.render(question, assets, conversations, memories), structured: structured)
        }
    }

    static func clip(_ s: String, _ n: Int = 1200) -> String { s.count > n ? String(s.prefix(n)) + "…" : s }

    static func render(_ question: String, _ assets: [JSONValue], _ conversations: [JSONValue], _ memories: [JSONValue]) -> String {
        guard !(assets.isEmpty && conversations.isEmpty && memories.isEmpty) else {
            return "Nothing in the user's saved snippets, conversations or Brain matches \"\(question)\". Try other words, or save what you learn with create_pieces_memory."
        }
        var out = "Matches for \"\(question)\" in the user's long-term memory, best first in each section.\n"
        out += "\n## Saved snippets (\(assets.count))\n"
        for (i, a) in assets.enumerated() {
            out += "\(i + 1). \(a["name"]?.string ?? "") [\(a["language"]?.string ?? "text"), score \(a["score"]?.double ?? 0), id \(a["id"]?.string ?? "")]\n"
            out += "```\n\(clip(a["text"]?.string ?? ""))\n```\n"
        }
        out += "\n## Conversations (\(conversations.count))\n"
        for (i, m) in conversations.enumerated() {
            let name = m["conversationName"]?.string.map { " in \"\($0)\"" } ?? ""
            out += "\(i + 1). \(m["role"]?.string ?? "")\(name), \(m["created"]?.string ?? "") [score \(m["score"]?.double ?? 0)]: \(clip(m["text"]?.string ?? ""))\n"
        }
        out += "\n## Brain (\(memories.count))\n"
        for (i, e) in memories.enumerated() {
            let tags = (e["tags"]?.array ?? []).compactMap(\.string)
            out += "\(i + 1). [\(e["kind"]?.string ?? ""), confidence \(e["confidence"]?.double ?? 0), score \(e["score"]?.double ?? 0)\(tags.isEmpty ? "" : ", tags: " + tags.joined(separator: " "))] \(clip(e["text"]?.string ?? ""))\n"
        }
        return out
    }

    // MARK: create_pieces_memory

    var create: MCPTool {
        let pieces = self.pieces, brain = self.brain
        return MCPTool(name: "create_pieces_memory", title: "Create a Pieces memory",
                       description: "Save something worth remembering (a decision, a fix, a finding, a summary of work) to the user's long-term memory: it becomes a saved snippet and a Brain entry, found later by ask_pieces_ltm and by OpenPieces' agents.",
                       inputSchema: MemoryTools.createSchema) { arguments in
            if let bad = MemoryTools.invalid(arguments, MemoryTools.createSchema) { return bad }
            let title = (arguments["summary_description"]?.string ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let summary = (arguments["summary"]?.string ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let project = arguments["project"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            let files = (arguments["files"]?.array ?? []).compactMap(\.string)
            let links = (arguments["externalLinks"]?.array ?? []).compactMap(\.string)
            let client = arguments["connected_client"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            var markdown = "# \(title)\n\n\(summary)\n"
            if let project { markdown += "\nProject: \(project)\n" }
            if !files.isEmpty { markdown += "\nFiles:\n" + files.map { "- \($0)\n" }.joined() }
            if !links.isEmpty { markdown += "\nLinks:\n" + links.map { "- \($0)\n" }.joined() }
            markdown += "\nSaved over MCP\(client.map { " by \($0)" } ?? "").\n"
            // The Brain keeps at most 16 KiB per entry: a long memory keeps its start there, and all of it as the asset.
            var brainText = markdown
            if brainText.utf8.count > 16 * 1024 - 64 {
                brainText = String(decoding: Array(brainText.utf8.prefix(16 * 1024 - 64)), as: UTF8.self) + "\n… (the full text is in the saved snippet)"
            }
            var tags = ["pieces-memory"]
            if let client { tags.append(String(client.lowercased().prefix(40))) }
            if let project, let last = project.split(separator: "/").last { tags.append(String(last.lowercased().prefix(40))) }
            let (entryText, entryTags, assetText) = (brainText, tags, markdown)
            do {
                // SQL only, on the database's writer thread.
                let (asset, entry) = try await pieces.writing { () throws -> (JSONValue, Brain.WriteResult) in
                    let entry = try brain.write(kind: "history", text: entryText, tags: entryTags, source: "mcp" + (client.map { ":\($0.prefix(60))" } ?? ""))
                    let asset = try pieces.saveSnippet(name: String(title.prefix(200)), text: assetText, language: "md")
                    return (asset, entry)
                }
                let structured: JSONValue = ["asset": asset, "brain": entry.entry.json, "merged": .bool(entry.merged)]
                return MCPToolResult(text: "Saved the memory \"\(title)\": snippet \(asset["id"]?.string ?? "") and Brain entry \(entry.entry.id)\(entry.merged ? " (it reinforced one that said the same)" : ""). Ask for it later with ask_pieces_ltm.",
                                     structured: structured)
            } catch let e as Brain.Invalid {
                return MCPToolResult(text: "Not saved: \(e.description).", isError: true)
            } catch let e as SnippetTooLarge {
                return MCPToolResult(text: "Not saved: \(e.description)", isError: true)
            }
        }
    }
}
