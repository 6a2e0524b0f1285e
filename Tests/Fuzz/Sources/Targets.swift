import Core
import Foundation
import HTTPServer
import Scheduling
import Steps

/// The parsers that read outside input, each a fuzz target. One input is one call; a crash, a trap or a hang is a
/// finding. Built normally, this executable replays a corpus (a regression check); built with `-sanitize=fuzzer`
/// and `-D FUZZING`, libFuzzer drives the target named by `OPENPIECES_FUZZ_TARGET`.
enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "http-request": httpRequest, "chunked": chunked, "websocket": websocket, "cron": cron, "json": json, "steps": steps,
    ]

    /// HTTP/1.1 requests, pipelined, with bodies (fixed and chunked).
    static func httpRequest(_ bytes: [UInt8]) {
        var limits = ServerLimits()
        limits.maxBodyBytes = 64 * 1024
        var parser = RequestParser(limits: limits)
        var index = 0
        for _ in 0..<64 {
            let step = bytes.withUnsafeBufferPointer { parser.parse($0, &index) }
            switch step {
            case .needMore, .failure: return
            case .request(let head, _), .headWithBody(let head):
                _ = Request.splitTarget(head.target)
                _ = Router.segments(Request.splitTarget(head.target).0)
            default: continue
            }
        }
    }

    /// A chunked response body scanned in two pieces, split where the first byte says.
    static func chunked(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        let cut = rest.isEmpty ? 0 : Int(first) % (rest.count + 1)
        var scanner = ChunkScanner()
        guard (try? scanner.feed(Array(rest[..<cut]))) != nil else { return }
        _ = try? scanner.feed(Array(rest[cut...]))
    }

    /// Client WebSocket frames, one after another.
    static func websocket(_ bytes: [UInt8]) {
        var at = 0
        for _ in 0..<64 {
            guard case .header(let h) = WebSocketFrame.decodeHeader(bytes, at: at), h.length <= 1 << 20,
                  let (_, total) = WebSocketFrame.payload(bytes, at: at, h) else { return }
            at += total
        }
    }

    /// Cron expressions: parse, describe, and the next runs in a zone with DST.
    static func cron(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        _ = SchedulePhrase.parse(text)
        guard let c = try? CronExpression(text) else { return }
        _ = c.summary
        let zones = ["UTC", "Europe/Zurich", "America/New_York", "Australia/Lord_Howe"]
        let zone = TimeZone(identifier: zones[Int(bytes.first ?? 0) % zones.count])!
        _ = c.preview(after: Date(timeIntervalSince1970: 1_800_000_000), in: zone, count: 3)
    }

    /// JSON bodies: parse, serialise, parse again to the same value; and the value used as a schema.
    static func json(_ bytes: [UInt8]) {
        guard let v = JSONValue.parse(bytes) else { return }
        let again = JSONValue.parse(v.text)
        precondition(again != nil, "serialised JSON does not parse: \(v.text.prefix(200))")
        _ = JSONSchema.validate(v, against: v)
    }

    /// Workflow steps in the offline engine's form, rendered against a run context.
    static func steps(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(4000), as: UTF8.self)
        let context: JSONValue = ["event": "x.y", "payload": ["a": [1, 2, ["b": "c"]], "title": "t"], "steps": ["1": ["status": 201]]]
        switch StepForm.parse(text) {
        case .call(_, _, _, let input): _ = StepForm.input(input, context: context)
        case .remember(let t), .report(let t): _ = StepForm.render(t, context: context)
        case .unsupported: _ = StepForm.render(text, context: context)
        case .conditional(let c, _): _ = c.holds(in: context)
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`: hand the process to libFuzzer's driver from there.
@_cdecl("openpieces_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var vector: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzOne(data, size) }
}

enum FuzzTarget {
    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["OPENPIECES_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTargets.all[name] else {
            fatalError("set OPENPIECES_FUZZ_TARGET to one of: \(FuzzTargets.all.keys.sorted().joined(separator: ", "))")
        }
        return t
    }()
}
#else
/// Replays every file of `corpus/<target>/` through its target: `openpieces-fuzz DIR`.
@main struct Replay {
    static func main() {
        let root = CommandLine.arguments.dropFirst().first ?? "Tests/Fuzz/corpus"
        var total = 0
        for (name, target) in FuzzTargets.all.sorted(by: { $0.key < $1.key }) {
            let dir = (root as NSString).appendingPathComponent(name)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for f in files.sorted() {
                guard let data = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent(f)) else { continue }
                target(Array(data))
                total += 1
            }
            print("\(name): \(files.count) inputs")
        }
        print("replayed \(total) inputs without a crash")
    }
}
#endif
