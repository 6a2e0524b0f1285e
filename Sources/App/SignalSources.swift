import Core
import Foundation

/// Keeps signal sources alive for the life of the process (a released source stops delivering).
enum SignalSources {
    private static let retained = Locked<[DispatchSourceSignal]>([])
    static func keep(_ s: [DispatchSourceSignal]) { retained.withLock { $0 += s } }
}
