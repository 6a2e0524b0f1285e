import HTTPServer

extension AuthPolicy {
    /// The scope an `/api/v1` call needs, or nil for the open ones: the rules `gate` applies, stated for the OpenAPI
    /// document (OpenAPITests checks the two agree for every route).
    public static func requiredScope(method: String, path: String) -> String? {
        if openAPI.contains(path) { return nil }
        if adminPrefixes.contains(where: { path.hasPrefix($0) }) { return "admin" }
        return isSafe(method) ? "read" : "write"
    }
}
