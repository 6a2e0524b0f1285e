import Core
import HTTPServer

/// Anchors: file and folder paths a client grounds a conversation on (`pieces ask -f`). Only the path is stored;
/// a file is read when a question uses it.
extension PiecesAPI {
    static let maxPathLength = 4096

    func installAnchors(_ r: inout Router) {
        r.get("/anchors") { [self] _ in .jsonValue(PiecesJSON.iterable(try await store.reading { [store] in try store.anchors() }.map(PiecesJSON.anchor))) }
        r.post("/anchors/create") { [self] req in
            let body = try RequestBody.json(req)
            let path = try RequestBody.string(body["fullpath"], "fullpath")
            guard path.hasPrefix("/") || path.dropFirst().hasPrefix(":\\"), path.utf8.count <= PiecesAPI.maxPathLength, !path.contains("\0") else {
                throw HTTPError(400, code: "invalid_path", message: "Field 'fullpath' must be an absolute path of at most \(PiecesAPI.maxPathLength) bytes.")
            }
            let type = body["type"]?.string ?? "FILE"
            guard type == "FILE" || type == "DIRECTORY" else {
                throw HTTPError(400, code: "invalid_type", message: "Field 'type' must be FILE or DIRECTORY.")
            }
            let name = try body["name"]?.string.map(PiecesAPI.validName)
            let conversation = body["conversation"]?.string
            let anchor = try await store.writing { [store] () throws -> AnchorRecord in
                let anchor = try store.createAnchor(type: type, fullpath: path, name: name)
                guard let c = conversation else { return anchor }
                guard try store.link(conversation: c, .anchor, anchor.id, associate: true) else {
                    throw HTTPError.notFound("No conversation with id '\(c)'. Omit 'conversation' or create one first.")
                }
                return try store.anchor(anchor.id) ?? anchor
            }
            return .jsonValue(PiecesJSON.anchor(anchor))
        }
        r.get("/anchor/:anchor") { [self] req in
            let id = try req.require("anchor")
            guard let a = try await store.reading({ [store] in try store.anchor(id) }) else {
                throw HTTPError.notFound("No anchor with id '\(id)'. List them with GET /anchors.")
            }
            return .jsonValue(PiecesJSON.anchor(a))
        }
        r.post("/anchor/update") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["id"], "id")
            let name = body["name"]?.string
            let a = try await store.writing { [store] () throws -> AnchorRecord in
                guard let a = try store.anchor(id) else { throw HTTPError.notFound("No anchor with id '\(id)'. List them with GET /anchors.") }
                guard let name else { return a }
                return try store.renameAnchor(id, name: try PiecesAPI.validName(name)) ?? a
            }
            return .jsonValue(PiecesJSON.anchor(a))
        }
        r.post("/anchors/:anchor/delete") { [self] req in
            let id = try req.require("anchor")
            guard try await store.writing({ [store] in try store.deleteAnchor(id) }) else { throw HTTPError.notFound("No anchor with id '\(id)'.") }
            return .jsonValue(.string(id))
        }
    }
}
