import HTTPServer

/// The web dashboard: one HTML page, a stylesheet and a script, hand-written and compiled into the binary (no build
/// step, no third-party assets). Served at `/` with a strict Content-Security-Policy; it talks to `/api/v1` with
/// the session cookie and the CSRF token.
public enum Dashboard {
    /// One script, from its parts (the core first: it says "use strict" and defines `h`, `api` and the pages).
    static var script: String { DashboardScript.js + DashboardMarkdown.js + DashboardStory.js + DashboardCode.js }

    public static func install(_ r: inout Router) {
        let page = Response(status: 200, headers: headers("text/html; charset=utf-8"), body: .bytes(Array(DashboardPage.html.utf8)))
        for path in ["/", "/login"] { r.add("GET", path, .inline { _ in page }) }
        let css = Response(status: 200, headers: headers("text/css; charset=utf-8"), body: .bytes(Array(DashboardStyle.css.utf8)))
        r.add("GET", "/ui/app.css", .inline { _ in css })
        let js = Response(status: 200, headers: headers("text/javascript; charset=utf-8"), body: .bytes(Array(script.utf8)))
        r.add("GET", "/ui/app.js", .inline { _ in js })
        let icon = Response(status: 200, headers: headers("image/svg+xml"), body: .bytes(Array(DashboardPage.icon.utf8)))
        r.add("GET", "/favicon.ico", .inline { _ in icon })
    }

    static func headers(_ type: String) -> HTTPHeaders {
        HTTPHeaders([
            ("Content-Type", type),
            ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Cache-Control", "no-cache"),
        ])
    }
}
