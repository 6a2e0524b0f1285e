@testable import App
import Core
import Testing
import TestSupport

@Suite(.offPool) struct OptionsTests {
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

    @Test func runSupervisorAndWebhookTuningGoThroughOptions() throws {
        let o = try OptionSpec.resolve(arguments: ["--run-concurrency", "8", "--max-failed-starts=2"], environment: env.merging([
            "OPENPIECES_RUN_CONCURRENCY": "3", "OPENPIECES_RUN_TIMEOUT": "12.5", "OPENPIECES_RUN_MAX_STEPS": "7",
            "OPENPIECES_RUN_MAX_ATTEMPTS": "2", "OPENPIECES_RUN_RETRY_BASE": "0.2", "OPENPIECES_MAX_FAILED_STARTS": "1",
            "OPENPIECES_WEBHOOK_RETRY_BASE": "0.1",
        ]) { $1 })
        #expect(o.runLimits.concurrency == 8)
        #expect(o.runLimits.timeBudget == 12.5)
        #expect(o.runLimits.maxSteps == 7)
        #expect(o.runLimits.maxAttempts == 2)
        #expect(o.runLimits.backoff == 0.2)
        #expect(o.maxFailedStarts == 2)
        #expect(o.webhookRetryBase == 0.1)
        let defaults = try OptionSpec.resolve(arguments: [], environment: env)
        #expect(defaults.runLimits.concurrency == 4 && defaults.runLimits.maxAttempts == 5 && defaults.runLimits.backoff == 2)
        #expect(defaults.maxFailedStarts == 5)
        #expect(defaults.webhookRetryBase == 5)
    }

    /// Out-of-range tuning used to be dropped silently; now it is refused with the allowed range.
    @Test(arguments: [
        ("OPENPIECES_RUN_CONCURRENCY", "0", "--run-concurrency takes a whole number from 1 to 64, not '0'"),
        ("OPENPIECES_RUN_TIMEOUT", "-1", "--run-timeout takes a number of seconds from 0.1 to 86400, not '-1'"),
        ("OPENPIECES_RUN_MAX_STEPS", "500", "--run-max-steps takes a whole number from 1 to 200, not '500'"),
        ("OPENPIECES_RUN_MAX_ATTEMPTS", "many", "--run-max-attempts takes a whole number from 1 to 50, not 'many'"),
        ("OPENPIECES_RUN_RETRY_BASE", "7200", "--run-retry-base takes a number of seconds from 0.05 to 3600, not '7200'"),
        ("OPENPIECES_MAX_FAILED_STARTS", "51", "--max-failed-starts takes a whole number from 1 to 50, not '51'"),
        ("OPENPIECES_WEBHOOK_RETRY_BASE", "0.01", "--webhook-retry-base takes a number of seconds from 0.05 to 3600, not '0.01'"),
        ("OPENPIECES_WEBHOOK_RETRY_BASE", "nan", "--webhook-retry-base takes a number of seconds"),
    ])
    func outOfRangeTuningIsAnError(_ variable: String, _ value: String, _ message: String) {
        do {
            _ = try OptionSpec.resolve(arguments: [], environment: [variable: value])
            Issue.record("expected \(variable)=\(value) to be refused")
        } catch {
            #expect(error.message.hasPrefix("\(variable): \(message)"), "\(error.message)")
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
