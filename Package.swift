// swift-tools-version:6.0
// OpenPieces: one binary, zero package dependencies. System libraries only.
import PackageDescription

let package = Package(
    name: "OpenPieces",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "openpieces", targets: ["openpieces"]),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, libcurl4-openssl-dev, libssl-dev, libpq-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The PostgreSQL backend (Debian: libpq-dev).
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // Tiny C shims for what Swift cannot call directly (epoll, accept4, variadic curl setopt).
        .target(name: "CNetShim"),
        .target(name: "Processes", dependencies: ["CNetShim"]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(name: "CSQLiteVersion", dependencies: ["CSQLite", "CCurl"]),

        // Library modules, one job each.
        .target(name: "Core"),
        .target(name: "Crypto", dependencies: ["CCrypto"]),
        // The hot path of every request: exclusivity is proven statically where it can be; the dynamic checks (class
        // properties on the event loop, touched by one thread only) cost ~2% of CPU per proxied request.
        // Module-wide because SwiftPM has no per-file flags, and the files with dynamic checks (the loop-confined classes
        // EventLoop, Connection, ProxyExchange, Upstream, WebSocketSession) share internal state: a target of their own
        // would make that state cross a module boundary (no inlining on the hot path). The rest of the module holds no
        // mutable class state, so the flag changes nothing there.
        .target(name: "HTTPServer", dependencies: ["Core", "Crypto", "CNetShim"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        .target(name: "HTTPClient", dependencies: ["Core", "CCurlShim"]),
        .target(name: "Store", dependencies: ["Core", "CSQLite", "CPostgres"]),
        .target(name: "LLM", dependencies: ["Core", "HTTPClient"]),
        .target(name: "Secrets", dependencies: ["Core", "Crypto", "Store"]),
        .target(name: "Services", dependencies: ["Core", "Store", "CNetShim", "Crypto", "HTTPClient", "Processes"]),
        .target(name: "Brain", dependencies: ["Core", "Store", "Crypto"]),
        .target(name: "Scheduling", dependencies: ["Core"]),
        // The offline engine's request grammar: plain English → a typed service spec. Pure: no I/O.
        .target(name: "Intent", dependencies: ["Core", "Scheduling"]),
        .target(name: "Generator", dependencies: ["Core", "Intent"]),
        .target(name: "Workflows", dependencies: ["Core", "Store", "Services", "Scheduling"]),
        // The agents' prompts are Markdown files, embedded in the binary at build time.
        .target(name: "Agents", dependencies: ["Core", "Intent", "Generator", "Store", "LLM", "Brain", "Services", "Secrets", "HTTPClient", "HTTPServer", "Crypto", "Scheduling", "Processes"],
                resources: [.embedInCode("Prompts/orchestrator.md"), .embedInCode("Prompts/codegen.md")]),
        // The dashboard's assets as data; App serves them.
        .target(name: "Dashboard"),
        .target(name: "Webhooks", dependencies: ["Core", "Crypto", "Store", "HTTPServer", "HTTPClient"]),
        .target(name: "Auth", dependencies: ["Core", "Crypto", "Store", "HTTPServer"]),
        // The catalogue form of workflow steps ("Call …", "Remember …", "If … ,"): pure, so the fuzzer builds it alone.
        .target(name: "Steps", dependencies: ["Core"]),
        .target(name: "Events", dependencies: ["Core", "LLM", "Agents", "Services", "Workflows", "Store", "Steps"]),
        .target(name: "PlatformAPI", dependencies: ["Events", "Core", "HTTPServer", "HTTPClient", "Services", "Secrets", "Crypto", "Brain", "Agents", "Workflows", "Processes"]),
        .target(name: "PiecesAPI", dependencies: ["Core", "HTTPServer", "Store", "LLM", "Crypto", "CNetShim"]),
        // Model Context Protocol: Pieces' memory tools and the running services' endpoints, for any assistant.
        .target(name: "MCP", dependencies: ["Core", "Crypto", "HTTPServer", "Services", "Brain", "PiecesAPI", "PlatformAPI"]),
        // A scripted OpenAI-compatible server: replays recorded turns (tests, `openpieces eval --replay`).
        .target(name: "ScriptedLLM", dependencies: ["HTTPServer", "Core", "LLM"]),
        .target(name: "App", dependencies: ["ScriptedLLM", "Core", "HTTPServer", "HTTPClient", "Store", "LLM", "PiecesAPI", "Secrets", "Services", "PlatformAPI", "CNetShim", "CSQLiteVersion", "Brain", "Agents", "Workflows", "Events", "Auth", "Scheduling", "Webhooks", "Dashboard", "MCP", "Processes"]),

        // The thin executable: argument parsing and start-up.
        .executableTarget(name: "openpieces", dependencies: ["App", "Core"]),
        // Test helper: writes rows and reports each acknowledged one, to be killed with SIGKILL.
        .executableTarget(name: "CrashProbe", dependencies: ["Store"]),

        // Shared by the test targets: a raw-socket client and paths of built products.
        .target(name: "TestSupport", dependencies: ["CNetShim", "Crypto", "Core", "HTTPClient", "Processes", "Store"], path: "Tests/TestSupport"),
        // Scripted model servers for tests: the OpenAI-compatible one under its test name (it lives in Sources/ScriptedLLM),
        // and Anthropic's Messages API.
        .target(name: "FakeLLM", dependencies: ["ScriptedLLM", "HTTPServer", "Core", "LLM"], path: "Tests/FakeLLM"),
        // Fuzz targets for the parsers of outside input: replays the corpus normally, libFuzzer with -D FUZZING (scripts/fuzz).
        .executableTarget(name: "openpieces-fuzz", dependencies: ["HTTPServer", "Scheduling", "Steps", "Core"], path: "Tests/Fuzz/Sources",
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "fake-llm", dependencies: ["FakeLLM", "Core"], path: "Tests/FakeLLMMain"),
        .testTarget(name: "LLMTests", dependencies: ["LLM", "FakeLLM", "Core", "HTTPClient"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Core", "Crypto", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTPServer", "CNetShim", "Core", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "CrashProbe", "TestSupport"]),
        .testTarget(name: "PiecesAPITests", dependencies: ["App", "PiecesAPI", "HTTPServer", "HTTPClient", "Store", "LLM", "FakeLLM", "Core", "TestSupport"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "Crypto", "Store", "TestSupport"]),
        .testTarget(name: "ServicesTests", dependencies: ["Services", "HTTPClient", "Core", "Crypto", "TestSupport", "openpieces", "FakeLLM", "LLM", "HTTPServer"],
                    exclude: ["fixtures"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "TestSupport"]),
        .testTarget(name: "ProcessesTests", dependencies: ["Processes", "TestSupport"]),
        .testTarget(name: "IntentTests", dependencies: ["Intent", "TestSupport"]),
        .testTarget(name: "GeneratorTests", dependencies: ["Generator", "Intent", "Core", "Crypto", "Services", "Processes", "HTTPClient", "TestSupport"]),
        .testTarget(name: "EventsTests", dependencies: ["Events", "Workflows", "Services", "Store", "App", "Core", "TestSupport", "LLM", "Agents", "Steps"]),
        .testTarget(name: "BrainTests", dependencies: ["Brain", "Store", "TestSupport"]),
        .testTarget(name: "AgentsTests", dependencies: ["Agents", "Intent", "Generator", "Crypto", "Services", "Store", "FakeLLM", "LLM", "Core", "HTTPClient", "TestSupport", "openpieces"],
                    exclude: ["fixtures"]),
        .testTarget(name: "MCPTests", dependencies: ["MCP", "Services", "App", "Core", "HTTPClient", "HTTPServer", "TestSupport", "openpieces"]),
        .testTarget(name: "AppTests", dependencies: ["App", "HTTPClient", "HTTPServer", "openpieces", "TestSupport", "FakeLLM", "Core", "Steps"]),
    ],
    swiftLanguageModes: [.v6]
)
