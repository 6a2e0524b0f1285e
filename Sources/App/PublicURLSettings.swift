import Core
import Foundation
import HTTPServer
import Store

/// The public URL users are shown (service URLs, webhook examples): `--public-url` / `OPENPIECES_PUBLIC_URL` when
/// given, else the one saved from the dashboard (`/api/v1/settings/public-url`), else `http://<host>:<port>`.
enum PublicURLSettings {
    static let key = "public_url"

    static func saved(_ db: Database) -> String? {
        (try? db.read { try $0.queryOne("SELECT value FROM settings WHERE key = ?", [key])?["value"].string }) ?? nil
    }

    static func install(_ r: inout Router, db: Database, options: ServeOptions, box: PublicURL, bound: @escaping @Sendable () -> String) {
        // The saved value is read, and changes written, on the database's threads, never the cooperative pool.
        @Sendable func describe() async throws -> Response {
            let source = options.publicURL != nil ? "flag" : (try await db.asyncReading { saved(db) } != nil ? "settings" : "default")
            return Response.json(raw: JSONValue.object(["publicUrl": .string(box.value), "source": .string(source)]).text)
        }
        r.get("/api/v1/settings/public-url", AppRouteDocs.getPublicURL) { _ in try await describe() }
        r.put("/api/v1/settings/public-url", AppRouteDocs.putPublicURL) { req in
            guard options.publicURL == nil else {
                throw HTTPError(409, code: "set_by_flag", message: "The public URL is set by --public-url or OPENPIECES_PUBLIC_URL; change it there.")
            }
            guard let v = JSONValue.parse(req.body)?["publicUrl"]?.string, v.hasPrefix("http://") || v.hasPrefix("https://"),
                  let host = URL(string: v)?.host, !host.isEmpty, v.count <= 500 else {
                throw HTTPError(400, code: "invalid_field", message: "Field 'publicUrl' must be an http(s) URL such as https://pieces.example.com.")
            }
            let clean = v.hasSuffix("/") ? String(v.dropLast()) : v
            try await db.asyncWrite { try $0.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, clean]) }
            box.set(clean)
            return try await describe()
        }
        r.delete("/api/v1/settings/public-url", AppRouteDocs.deletePublicURL) { _ in
            try await db.asyncWrite { _ = try $0.execute("DELETE FROM settings WHERE key = ?", [key]) }
            if options.publicURL == nil { box.set(bound()) }
            return try await describe()
        }
    }
}
