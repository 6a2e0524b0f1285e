@testable import App
import Core
import Testing

@Suite struct OptionsTests {
    let env = ["HOME": "/home/u"]

    @Test func defaultsMatchTheDesign() throws {
        let o = try OptionSpec.resolve(arguments: [], environment: env)
        #expect(o.host == "127.0.0.1")
        #expect(o.port == 39300)
        #expect(o.home == "/home/u/.openpieces")
        #expect(o.resolvedPublicURL(boundPort: 39300) == "http://127.0.0.1:39300")
        #expect(o.logLevel == .info)
    }

    @Test func flagsOverrideEnvironmentOverrideDefaults() throws {
        var e = env
        e["OPENPIECES_PORT"] = "40000"
        e["OPENPIECES_HOME"] = "/data/op"
        e["OPENPIECES_LOG_LEVEL"] = "debug"
        let fromEnv = try OptionSpec.resolve(arguments: [], environment: e)
        #expect(fromEnv.port == 40000)
        #expect(fromEnv.home == "/data/op")
        #expect(fromEnv.logLevel == .debug)
        let fromFlags = try OptionSpec.resolve(arguments: ["--port", "41000", "--home=/x", "--max-body", "2M",
                                                           "--public-url", "https://pieces.example.com/"], environment: e)
        #expect(fromFlags.port == 41000)
        #expect(fromFlags.home == "/x")
        #expect(fromFlags.logLevel == .debug)
        #expect(fromFlags.maxBodyBytes == 2 * 1024 * 1024)
        #expect(fromFlags.resolvedPublicURL(boundPort: 41000) == "https://pieces.example.com")
    }

    @Test(arguments: [
        (["--port", "70000"], "--port takes a number"),
        (["--port"], "needs a value"),
        (["--prot", "1"], "Did you mean --port?"),
        (["serve"], "unexpected argument"),
        (["--log-level", "loud"], "debug, info, warn or error"),
        (["--public-url", "ftp://x"], "http(s) URL"),
        (["--max-body", "lots"], "--max-body"),
        (["--host", "my host"], "IP address"),
    ])
    func badFlagsSayWhatIsWrong(_ args: [String], _ fragment: String) {
        do {
            _ = try OptionSpec.resolve(arguments: args, environment: env)
            Issue.record("expected a usage error for \(args)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func badEnvironmentNamesTheVariable() {
        do {
            _ = try OptionSpec.resolve(arguments: [], environment: ["OPENPIECES_PORT": "x"])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("OPENPIECES_PORT:"))
        }
    }

    @Test func byteSizes() {
        #expect(ByteSize.parse("16M") == 16 << 20)
        #expect(ByteSize.parse("512k") == 512 << 10)
        #expect(ByteSize.parse("1G") == 1 << 30)
        #expect(ByteSize.parse("1000") == 1000)
        #expect(ByteSize.parse("-1M") == nil)
        #expect(ByteSize.parse("M") == nil)
    }
}
