import Core
import HTTPServer

/// Edits the SDK makes to a saved asset: a format's value (`pieces modify`) and its language (`pieces edit -c`).
extension PiecesAPI {
    func installAssetEdits(_ r: inout Router) {
        r.post("/format/update/value") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["id"], "id")
            guard let seeded = try SeedFormat.parse(body) else {
                throw HTTPError(400, code: "missing_field", message: "Field 'fragment.string.raw' (or 'file.string.raw') is required: the format's new text.")
            }
            let (text, language) = (seeded.text, seeded.language)
            let (f, asset, apps) = try await store.writing { [self] () throws -> (FormatRecord, AssetRecord?, [String: ApplicationRecord]) in
                guard let f = try store.updateFormat(id, text: text, specific: language) else {
                    throw HTTPError.notFound("No format with id '\(id)'. An asset's formats are listed in GET /asset/{id}.")
                }
                return (f, try store.asset(f.assetID), try self.apps())
            }
            return .jsonValue(PiecesJSON.format(f, asset: asset, apps: apps))
        }
        r.post("/asset/reclassify") { [self] req in
            let body = try RequestBody.json(req)
            let id = try RequestBody.string(body["asset"]?["id"], "asset.id")
            let language = try SeedFormat.language(try RequestBody.string(body["ext"], "ext"))
            let (a, apps) = try await store.writing { [self] () throws -> (AssetRecord, [String: ApplicationRecord]) in
                guard let a = try store.updateAsset(id: id, name: nil, favorited: nil, text: nil, specific: language) else {
                    throw HTTPError.notFound("No asset with id '\(id)'. List them with GET /assets.")
                }
                return (a, try self.apps())
            }
            return .jsonValue(PiecesJSON.asset(a, apps: apps))
        }
    }
}
