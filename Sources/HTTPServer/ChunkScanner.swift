import Core

/// Finds where a chunked body ends while its bytes pass through unchanged. (`package` for the fuzz target.)
package struct ChunkScanner {
    enum State { case size, sizeLineRest, data(Int), dataCR, dataLF, trailer, trailerLF, trailerLineStart }
    private var state = State.size
    private var size = 0
    private var digits = 0
    private var lastChunk = false
    private var lineLength = 0

    package init() {}

    /// Feeds bytes; returns the index just past the end of the body if it ends in `bytes`, nil if more follows.
    /// Throws on malformed framing.
    package mutating func feed(_ bytes: [UInt8]) throws -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch state {
            case .size:
                if let h = PercentEncoding.hexValue(b) {
                    digits += 1
                    guard digits <= 15 else { throw ChunkError() }
                    size = size << 4 | Int(h)
                } else if b == 0x3B || b == 0x20 || b == 0x09 || b == 0x0D {
                    guard digits > 0 else { throw ChunkError() }
                    state = .sizeLineRest
                } else if b == 0x0A {
                    guard digits > 0 else { throw ChunkError() }
                    endOfSizeLine()
                } else {
                    throw ChunkError()
                }
            case .sizeLineRest:
                lineLength += 1
                guard lineLength < 4096 else { throw ChunkError() }
                if b == 0x0A { endOfSizeLine() }
            case .data(let remaining):
                let take = min(remaining, bytes.count - i)
                i += take
                state = take == remaining ? .dataCR : .data(remaining - take)
                continue
            case .dataCR:
                if b == 0x0D { state = .dataLF } else if b == 0x0A { state = .size } else { throw ChunkError() }
            case .dataLF:
                guard b == 0x0A else { throw ChunkError() }
                state = .size
            case .trailerLineStart:
                if b == 0x0D { state = .trailerLF } else if b == 0x0A { return i + 1 } else { state = .trailer }
            case .trailer:
                lineLength += 1
                guard lineLength < 65536 else { throw ChunkError() }
                if b == 0x0A { state = .trailerLineStart }
            case .trailerLF:
                guard b == 0x0A else { throw ChunkError() }
                return i + 1
            }
            i += 1
        }
        return nil
    }

    private mutating func endOfSizeLine() {
        lineLength = 0
        if size == 0 {
            state = .trailerLineStart
        } else {
            state = .data(size)
        }
        size = 0
        digits = 0
    }
}

struct ChunkError: Error {}
