import Core
import HTTPServer
import PlatformAPI

/// The documentation of the `/api/v1` routes the App module registers itself (bodies declared here are enforced).
enum AppRouteDocs {
    static let version = RouteDoc("The product's version", tag: "Platform",
        responses: [ResponseDoc(200, "The version and the Pieces OS API level served.",
                                DocSchema.object(["version": DocSchema.string(), "piecesApiLevel": DocSchema.string()], required: ["version", "piecesApiLevel"]))])
    static let openAPI = RouteDoc("This document", tag: "Platform",
        description: "The platform API as OpenAPI 3.1, generated from the server's own routes: every route documented here validates its request body against the schema shown.",
        responses: [ResponseDoc(200, "An OpenAPI 3.1 document.", DocSchema.object(["openapi": DocSchema.string(), "paths": DocSchema.object()], required: ["openapi", "paths"]))])
    static let serviceOpenAPI = RouteDoc("A service's API as OpenAPI", tag: "Services",
        description: "The service's endpoints from its manifest as OpenAPI 3.1: inputSchema as the request body (query parameters for GET and DELETE), outputSchema as the 200 answer, its public URL as the server.",
        parameters: ["id": "The service's slug or id."],
        responses: [ResponseDoc(200, "An OpenAPI 3.1 document.", DocSchema.object(["openapi": DocSchema.string(), "servers": DocSchema.array(DocSchema.object()),
                                                                                "paths": DocSchema.object()], required: ["openapi", "paths"]))])
    static let assets = RouteDoc("Search saved snippets", tag: "Platform", description: "The Pieces assets (snippets) the user saved.",
        query: [QueryParameter("query", "Text to search for; without it, the newest."), QueryParameter("limit", "1–200 (default 50).", DocSchema.integer(minimum: 1, maximum: 200))],
        responses: [ResponseDoc(200, "The snippets.", DocSchema.object())])
    static let repairs = RouteDoc("List a service's repair attempts", tag: "Services", description: "What the repair agent tried after the service crashed.",
        parameters: ["id": "The service's slug or id."], responses: [ResponseDoc(200, "The attempts.", DocSchema.list("repairs", DocSchema.object()))])

    static let llm = DocSchema.object([
        "provider": DocSchema.string("openai-compatible, anthropic, or offline."), "providerDetected": DocSchema.boolean("The provider was detected from the base URL."),
        "baseUrl": DocSchema.string(nullable: true), "model": DocSchema.string(nullable: true),
        "apiKey": DocSchema.object(["set": DocSchema.boolean(), "hint": DocSchema.string(nullable: true)]),
    ], required: ["provider", "apiKey"])
    static let getLLM = RouteDoc("The LLM provider", tag: "Settings", responses: [ResponseDoc(200, "The settings; the key only as a hint.", llm)])
    static let putLLM = RouteDoc("Change the LLM provider", tag: "Settings",
        description: "Fields left out keep their value. The key is stored encrypted.",
        body: RequestBody(DocSchema.object([
            "provider": DocSchema.string("openai or anthropic; null or auto detects it from baseUrl.", nullable: true),
            "baseUrl": DocSchema.string("An http(s) URL such as https://api.openai.com/v1.", maxLength: 2048),
            "model": DocSchema.string(minLength: 1, maxLength: 200), "apiKey": DocSchema.string("Empty or null removes it.", maxLength: 4096, nullable: true),
        ])),
        responses: [ResponseDoc(200, "The new settings.", llm)])
    static let deleteLLM = RouteDoc("Go back to the offline engine", tag: "Settings", responses: [ResponseDoc(200, "The settings.", llm)])

    static let publicURL = DocSchema.object(["publicUrl": DocSchema.string(format: "uri"), "source": DocSchema.string(oneOf: ["flag", "settings", "default"])],
                                         required: ["publicUrl", "source"])
    static let getPublicURL = RouteDoc("The public URL", tag: "Settings", description: "The URL users are shown (service URLs, webhook examples).",
                                       responses: [ResponseDoc(200, "The public URL and where it comes from.", publicURL)])
    static let putPublicURL = RouteDoc("Set the public URL", tag: "Settings",
        body: RequestBody(DocSchema.object(["publicUrl": DocSchema.string("An http(s) URL such as https://pieces.example.com.", minLength: 1, maxLength: 500)],
                                        required: ["publicUrl"])),
        responses: [ResponseDoc(200, "Set.", publicURL), ResponseDoc(409, "Set by --public-url; change it there.", OpenAPI.errorSchema)])
    static let deletePublicURL = RouteDoc("Forget the saved public URL", tag: "Settings", responses: [ResponseDoc(200, "The public URL now.", publicURL)])
}
