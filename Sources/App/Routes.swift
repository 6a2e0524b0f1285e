import Core
import HTTPServer

/// The routes of the foundation: discovery for Pieces clients and the platform's own version.
enum Routes {
    static func install(_ router: inout Router) {
        // Pieces clients find the server with HEAD /.well-known/health on ports 39300–39333.
        router.add("GET", "/.well-known/health", .inline { _ in Response.text("ok") })
        router.add("GET", "/.well-known/version", .inline { _ in Response.text(ProductVersion.piecesAPILevel) })
    }

    /// The platform's version: open, so that a client can tell what it talks to before it has credentials.
    static func installVersion(_ api: inout Router) {
        api.group(.open) { open in
            open.add("GET", "/api/v1/version", AppRouteDocs.version, .inline { _ in
                Response.json(raw: "{\"version\":\(JSONText.quote(ProductVersion.current)),\"piecesApiLevel\":\(JSONText.quote(ProductVersion.piecesAPILevel))}")
            })
        }
    }
}
