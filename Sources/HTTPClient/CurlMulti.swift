import CCurlShim
import Core
import Foundation

/// Every transfer of the process runs on one thread, `op-http-client`, driving libcurl's multi interface, so a burst
/// of requests (readiness probes every 15 ms, streams, webhooks) costs sockets, not threads.
/// Requests arrive through `commands` and `curl_multi_wakeup`; finished transfers leave through `curl_multi_info_read`.
/// Easy handles are added, removed and cleaned up on that thread only.
final class CurlMulti: @unchecked Sendable {
    static let shared = CurlMulti()

    private enum Command {
        case add(Transfer)
        case cancel(Transfer)
    }

    /// How long the loop sleeps at most while transfers run: libcurl calls each one's progress callback on every
    /// `curl_multi_perform`, and that callback enforces the stall timeout and the cancellation flag.
    private static let activeTick: Int32 = 200
    private static let idleTick: Int32 = 60_000

    private let multi: UnsafeMutableRawPointer
    private let commands = Locked<[Command]>([])
    // Touched only by the multi thread.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]

    private init() {
        CurlGlobal.ensureInitialized()
        guard let m = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        multi = m
        // One connection per transfer, closed when it ends, as with one easy handle per request: no HTTP/2
        // multiplexing, and `FORBID_REUSE` on each handle keeps no idle connection open to a server.
        _ = op_curl_multi_set_long(m, CURLMOPT_PIPELINING, Int(CURLPIPE_NOTHING))
        Thread.detachNewThread { [self] in
            op_name_current_thread("op-http-client")
            self.run()
        }
    }

    func submit(_ transfer: Transfer) { enqueue(.add(transfer)) }

    /// Removes the transfer's handle on the multi thread; a transfer not (or no longer) running is left alone.
    func cancel(_ transfer: Transfer) { enqueue(.cancel(transfer)) }

    private func enqueue(_ command: Command) {
        commands.withLock { $0.append(command) }
        _ = curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let pending = commands.withLock { queue in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            for command in pending {
                switch command {
                case .add(let transfer): add(transfer)
                case .cancel(let transfer): abort(transfer)
                }
            }
            _ = curl_multi_perform(multi, &running)
            var easy: UnsafeMutableRawPointer?
            var result = CURLE_OK
            while op_curl_multi_next_done(multi, &easy, &result) == 1 {
                if let easy, let transfer = active.removeValue(forKey: easy) {
                    _ = curl_multi_remove_handle(multi, easy)
                    transfer.complete(result)
                }
            }
            _ = curl_multi_poll(multi, nil, 0, active.isEmpty ? Self.idleTick : Self.activeTick, nil)
        }
    }

    private func add(_ transfer: Transfer) {
        guard let easy = transfer.prepare() else { return }
        let rc = curl_multi_add_handle(multi, easy)
        guard rc == CURLM_OK else {
            transfer.complete(CURLE_FAILED_INIT, detail: String(cString: curl_multi_strerror(rc)))
            return
        }
        active[easy] = transfer
    }

    private func abort(_ transfer: Transfer) {
        guard let easy = transfer.handle, active.removeValue(forKey: easy) != nil else { return }
        _ = curl_multi_remove_handle(multi, easy)  // closes the connection: the transfer did not finish
        transfer.complete(CURLE_ABORTED_BY_CALLBACK)
    }
}
