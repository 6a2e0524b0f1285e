import Core
import Foundation
@testable import HTTPServer
import Testing
import TestSupport

/// What `assertInEventLoop` checks (debug builds): a loop's state belongs to its thread while it runs, and to nobody
/// before it starts or after it ends.
@Suite struct LoopConfinementTests {
    @Test func onlyTheLoopThreadOwnsARunningLoop() async throws {
        let shared = ServerShared(router: Router(), limits: ServerLimits(), logger: Logger(sink: LogSink(capturingAt: .error)), requestIDPrefix: "t")
        let loop = try EventLoop(index: 0, shared: shared, listenFD: -1)
        #expect(loop.inEventLoop, "before it runs, its creator sets it up")
        loop.start()
        let inside = await withCheckedContinuation { cont in loop.execute { cont.resume(returning: loop.inEventLoop) } }
        #expect(inside)
        #expect(!loop.inEventLoop, "another thread, while it runs")
        #expect(try await offPool { loop.inEventLoop } == false)
        loop.execute { loop.stop(force: true) }
        try await offPool { loop.waitUntilFinished() }
        #expect(loop.inEventLoop, "once it ended, late work runs on whichever thread posts it")
    }
}
