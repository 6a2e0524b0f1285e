/// The web dashboard: one HTML page, a stylesheet and a script, hand-written and compiled into the binary (no build
/// step, no third-party assets). Served at `/` with a strict Content-Security-Policy; it talks to `/api/v1` with
/// the session cookie and the CSRF token. This module only holds the assets; App serves them (`DashboardRoutes`).
public enum Dashboard {
    /// One file the dashboard is made of, and the paths it answers at.
    public struct Asset: Sendable {
        public let paths: [String]
        public let contentType: String
        public let body: [UInt8]
    }

    /// One script, from its parts (the core first: it says "use strict" and defines `h`, `api` and the pages).
    static var script: String { DashboardScript.js + DashboardMarkdown.js + DashboardStory.js + DashboardCode.js }

    /// Every asset, built once.
    public static let assets: [Asset] = [
        Asset(paths: ["/", "/login"], contentType: "text/html; charset=utf-8", body: Array(DashboardPage.html.utf8)),
        Asset(paths: ["/ui/app.css"], contentType: "text/css; charset=utf-8", body: Array(DashboardStyle.css.utf8)),
        Asset(paths: ["/ui/app.js"], contentType: "text/javascript; charset=utf-8", body: Array(script.utf8)),
        Asset(paths: ["/favicon.ico"], contentType: "image/svg+xml", body: Array(DashboardPage.icon.utf8)),
    ]

    /// Sent with every asset: the page runs only its own script and style, and is never framed or cached stale.
    public static let securityHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-cache"),
    ]
}
