import CCrypto

/// Hashes, HMAC and randomness from OpenSSL's libcrypto. Never hand-rolled.
public enum Digest {
    public static func sha1<B: Collection>(_ data: B) -> [UInt8] where B.Element == UInt8 {
        digest(data, EVP_sha1(), length: 20)
    }

    public static func sha256<B: Collection>(_ data: B) -> [UInt8] where B.Element == UInt8 {
        digest(data, EVP_sha256(), length: 32)
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var outLength: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &outLength)
            }
        }
        return out
    }

    /// Compares secrets in constant time.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 } }
    }

    private static func digest<B: Collection>(_ data: B, _ md: OpaquePointer?, length: Int) -> [UInt8] where B.Element == UInt8 {
        let bytes = Array(data)
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        bytes.withUnsafeBufferPointer { buf in
            _ = EVP_Digest(buf.baseAddress, buf.count, &out, &outLength, md, nil)
        }
        return out
    }
}

public enum SecureRandom {
    /// Cryptographically secure random bytes (RAND_bytes).
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: the system has no entropy source")
        return out
    }

    /// Random lowercase hex of `byteCount` bytes.
    public static func hex(_ byteCount: Int) -> String { Hex.encode(bytes(byteCount)) }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
