import Dashboard
import HTTPServer

extension Dashboard {
    /// Serves the dashboard's assets, each a response built once at start-up.
    static func install(_ r: inout Router) {
        for asset in assets {
            let response = Response(status: 200, headers: HTTPHeaders([("Content-Type", asset.contentType)] + securityHeaders), body: .bytes(asset.body))
            for path in asset.paths { r.add("GET", path, .inline { _ in response }) }
        }
    }
}
