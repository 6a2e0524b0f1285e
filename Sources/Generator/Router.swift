/// The router: a table of method + path pattern (`/tasks/:id`), literal paths before parameters, `/health`,
/// and JSON errors for unknown paths (404), wrong methods (405) and failures (500).
enum Router {
    static let code = #"""
        type Params = Record<string, string>;
        type Handler = (req: Request, params: Params, url: URL) => Response | Promise<Response>;
        interface Route {
          method: string;
          path: string;
          pattern: RegExp;
          names: string[];
          handler: Handler;
        }
        const ROUTES: Route[] = [];
        /** `:id` matches digits only, other parameters one path segment. */
        function route(method: string, path: string, handler: Handler): void {
          const names: string[] = [];
          const source = path.split("/").map((segment) => {
            if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            names.push(segment.slice(1));
            return segment === ":id" ? "(\\d{1,15})" : "([^/]{1,200})";
          }).join("/");
          ROUTES.push({ method, path, pattern: new RegExp(`^${source}$`), names, handler });
        }

        """#

    /// Last in `main.ts`, after every part registered its routes.
    static let serve = #"""

        // Literal paths win over parameters (/tasks/count before /tasks/:id); the sort is stable.
        ROUTES.sort((a, b) => a.names.length - b.names.length);
        Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
          const url = new URL(req.url);
          if (url.pathname === "/health") return new Response("ok");
          const allowed: string[] = [];
          for (const r of ROUTES) {
            const m = url.pathname.match(r.pattern);
            if (!m) continue;
            if (r.method !== req.method) {
              if (!allowed.includes(r.method)) allowed.push(r.method);
              continue;
            }
            try {
              const params: Params = {};
              r.names.forEach((name, i) => params[name] = decodeURIComponent(m[i + 1]));
              return await r.handler(req, params, url);
            } catch (e) {
              if (e instanceof HttpError) return fail(e.status, e.code, e.message);
              if (e instanceof URIError) return fail(400, "invalid_input", "the path is not valid percent-encoding");
              console.error(e);
              return fail(500, "internal", "the service failed on this request; see its logs");
            }
          }
          if (allowed.length) {
            return fail(405, "method_not_allowed", `${url.pathname} answers ${allowed.join(", ")}`, { allow: allowed.join(", ") });
          }
          const known = ROUTES.slice(0, 20).map((r) => `${r.method} ${r.path}`).join(", ");
          return fail(404, "not_found", `no route ${req.method} ${url.pathname}; routes: ${known}`);
        });

        """#
}
