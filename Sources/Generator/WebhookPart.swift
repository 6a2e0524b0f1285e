import Core
import Intent

/// A trigger: `POST /webhook` accepts an event that carries the shared secret (`X-Webhook-Secret`) or signs the body
/// with it (`X-Signature-256: sha256=<HMAC-SHA256 hex>`), and hands it to the platform, which starts the workflow.
enum WebhookPart {
    /// With `keep` (a documents resource of the same service), each accepted event is also stored there, payload fields
    /// and `event`, so "a webhook whose submissions are kept and listed" needs no workflow step to keep them.
    static func make(service: String, keep: ResourceModel? = nil) -> Part {
        let secret = ServiceGenerator.secretName(service)
        let name = service.hasSuffix("-webhook") ? String(service.dropLast("-webhook".count)) : service
        var part = Part(code: """
            // A variable the platform did not grant reads as unset rather than failing the start.
            function env(name: string): string {
              try {
                return Deno.env.get(name) ?? "";
              } catch {
                return "";
              }
            }
            const WEBHOOK_SECRET = env(\(JSONText.quote(secret)));
            const WEBHOOK_EVENT = \(JSONText.quote(name));

            """ + #"""
            const encoder = new TextEncoder();
            // Constant-time: the comparison must not leak the secret through timing.
            function equal(a: string, b: string): boolean {
              const x = encoder.encode(a), y = encoder.encode(b);
              let diff = x.length ^ y.length;
              for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
              return diff === 0;
            }
            async function signature(raw: ArrayBuffer): Promise<string> {
              const key = await crypto.subtle.importKey("raw", encoder.encode(WEBHOOK_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
              const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, raw));
              return "sha256=" + [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
            }
            async function receive(req: Request): Promise<Response> {
              if (!WEBHOOK_SECRET) return fail(503, "not_configured", `The secret ${SECRET_NAME} is not set.`);
              const raw = await req.arrayBuffer();
              if (raw.byteLength > MAX_BODY) return fail(413, "too_large", "Payloads are limited to 1 MB.");
              const signed = req.headers.get("x-signature-256");
              const ok = signed !== null ? equal(signed, await signature(raw)) : equal(req.headers.get("x-webhook-secret") ?? "", WEBHOOK_SECRET);
              if (!ok) return fail(401, "unauthorized", "Send the secret in X-Webhook-Secret, or sign the body: X-Signature-256: sha256=<HMAC-SHA256 hex>.");
              let payload: unknown;
              try {
                payload = raw.byteLength ? JSON.parse(new TextDecoder().decode(raw)) : {};
              } catch {
                payload = { text: new TextDecoder().decode(raw) };
              }
              const event = WEBHOOK_EVENT + "." + (req.headers.get("x-event") ?? "received");
              keep(event, payload);
              const headers: Record<string, string> = { "content-type": "application/json", authorization: `Bearer ${env("OPENPIECES_SERVICE_TOKEN")}` };
              const key = req.headers.get("idempotency-key") ?? req.headers.get("x-delivery-id");
              if (key) headers["idempotency-key"] = key;
              try {
                const res = await fetch(env("OPENPIECES_NOTIFY_URL"), { method: "POST", headers, body: JSON.stringify({ event, payload }) });
                return json(await res.json().catch(() => ({})), res.status);
              } catch (e) {
                return fail(502, "platform_unreachable", (e as Error).message);
              }
            }

            """#, secrets: [secret], summary: "receives \(name) webhooks checked with the secret \(secret) and starts its workflow", trigger: true)
        part.code = part.code.replacingOccurrences(of: "${SECRET_NAME}", with: secret)
        if let keep {
            part.code += """
                function keep(event: string, payload: unknown): void {
                  const fields = payload && typeof payload === "object" && !Array.isArray(payload) ? payload as Row : { value: payload };
                  \(keep.store).create({ ...fields, event });
                }

                """
            part.summary += "; each event is kept in \(keep.table)"
        } else {
            part.code += "function keep(_event: string, _payload: unknown): void {}\n"
        }
        part.route("POST", "/webhook", "(req) => receive(req)",
                   "Receive an event: a JSON body, the secret in X-Webhook-Secret or an X-Signature-256 HMAC of the body; X-Event names it. Answers the platform's 202 with the run id." +
                   (keep.map { " Each event is also kept in \($0.path)." } ?? ""),
                   input: ["type": "object"], output: ["type": "object"])
        return part
    }
}
