import Core
import Crypto
import Foundation

/// Message ids that sort in the order they were made. The SDK wrapper lists a conversation's messages in the key
/// order of `messages.indices`, and our JSON writes object keys sorted: so sorted ids must mean creation order.
extension IDs {
    /// UUIDv7 layout: 48 bits of Unix milliseconds, then a 12-bit sequence within the millisecond (monotonic in
    /// this process, even when the clock steps back), then random bits.
    static func ordered() -> String {
        let (ms, seq) = OrderedIDClock.shared.next()
        var b = SecureRandom.bytes(16)
        for i in 0..<6 { b[i] = UInt8((ms >> UInt64(8 * (5 - i))) & 0xFF) }
        b[6] = 0x70 | UInt8((seq >> 8) & 0x0F)
        b[7] = UInt8(seq & 0xFF)
        b[8] = 0x80 | (b[8] & 0x3F)
        let h = Array(Hex.encode(b))
        return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
    }
}

final class OrderedIDClock: Sendable {
    static let shared = OrderedIDClock()
    private let last = Locked<(ms: UInt64, seq: UInt64)>((0, 0))

    func next() -> (UInt64, UInt64) {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        return last.withLock { l in
            if now > l.ms {
                l = (now, 0)
            } else if l.seq < 0xFFF {
                l.seq += 1
            } else {
                l = (l.ms + 1, 0)  // 4096 in one millisecond: borrow the next one
            }
            return l
        }
    }
}
