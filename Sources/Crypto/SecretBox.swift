import CCrypto

/// Authenticated encryption (AES-256-GCM, libcrypto) for secrets at rest.
/// Sealed form: 12-byte random nonce ‖ ciphertext ‖ 16-byte tag. The associated data binds a value to its name,
/// so a ciphertext copied onto another secret's row does not open.
public struct SecretBox: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case badKey
        case tampered
        case crypto(String)

        public var description: String {
            switch self {
            case .badKey: "the master key must be 32 bytes"
            case .tampered: "a secret failed authentication: it was altered, or the master key changed"
            case .crypto(let s): "encryption failed: \(s)"
            }
        }
    }

    private let key: [UInt8]
    static let nonceLength = 12
    static let tagLength = 16

    public init(key: [UInt8]) throws {
        guard key.count == 32 else { throw Failure.badKey }
        self.key = key
    }

    public func seal(_ plaintext: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        let nonce = SecureRandom.bytes(SecretBox.nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure.crypto("no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: SecretBox.tagLength)
        var n: Int32 = 0, total = 0
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(SecretBox.nonceLength), nil) == 1,
              EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1 else { throw Failure.crypto("init") }
        if !aad.isEmpty, EVP_EncryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) != 1 { throw Failure.crypto("aad") }
        if !plaintext.isEmpty {
            guard EVP_EncryptUpdate(ctx, &out, &n, plaintext, Int32(plaintext.count)) == 1 else { throw Failure.crypto("update") }
            total = Int(n)
        }
        let finalOK = out.withUnsafeMutableBufferPointer { buf in EVP_EncryptFinal_ex(ctx, buf.baseAddress! + total, &n) }
        guard finalOK == 1 else { throw Failure.crypto("final") }
        total += Int(n)
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(SecretBox.tagLength), &tag) == 1 else { throw Failure.crypto("tag") }
        return nonce + out[0..<total] + tag
    }

    public func open(_ sealed: [UInt8], aad: [UInt8]) throws -> [UInt8] {
        guard sealed.count >= SecretBox.nonceLength + SecretBox.tagLength else { throw Failure.tampered }
        let nonce = Array(sealed[0..<SecretBox.nonceLength])
        let body = Array(sealed[SecretBox.nonceLength..<(sealed.count - SecretBox.tagLength)])
        var tag = Array(sealed[(sealed.count - SecretBox.tagLength)...])
        guard let ctx = EVP_CIPHER_CTX_new() else { throw Failure.crypto("no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: body.count + 16)
        var n: Int32 = 0, total = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(SecretBox.nonceLength), nil) == 1,
              EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1 else { throw Failure.crypto("init") }
        if !aad.isEmpty, EVP_DecryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) != 1 { throw Failure.tampered }
        if !body.isEmpty {
            guard EVP_DecryptUpdate(ctx, &out, &n, body, Int32(body.count)) == 1 else { throw Failure.tampered }
            total = Int(n)
        }
        guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(SecretBox.tagLength), &tag) == 1 else { throw Failure.crypto("tag") }
        let ok = out.withUnsafeMutableBufferPointer { buf in EVP_DecryptFinal_ex(ctx, buf.baseAddress! + total, &n) }
        guard ok == 1 else { throw Failure.tampered }
        total += Int(n)
        return Array(out[0..<total])
    }
}
