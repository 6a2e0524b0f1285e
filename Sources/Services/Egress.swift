import CNetShim
import Core
import Foundation

/// One entry of a manifest's `hosts`: where a service may connect besides its own port.
public struct EgressHost: Sendable, Equatable {
    /// Lower-cased, without a trailing dot; an IPv6 literal without its brackets.
    public let name: String
    public let port: Int?
    /// The literal's address when the name is an IP literal (in any spelling), nil for a DNS name.
    let literal: IPAddress?

    /// How Deno's `--allow-net` writes it.
    var denoForm: String {
        let host = literal.map { $0.isV4 ? $0.description : "[\($0.description)]" } ?? name
        return port.map { "\(host):\($0)" } ?? host
    }
}

/// A declared host that generated code may not be given, with what to change.
public struct EgressRefusal: Error, CustomStringConvertible, Equatable {
    public let host: String
    public let reason: String
    public var description: String {
        "service.json's hosts include \(host), \(reason): services may not call it. Remove it from hosts; a service reaches the "
            + "platform only through its callback URL and other services through their public URLs."
    }
}

/// An IPv4 or IPv6 address as 16 bytes (IPv4 as ::ffff:a.b.c.d), so one classifier covers both families.
struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Any spelling the resolver itself accepts: `127.0.0.1`, `127.1`, `0x7f000001`, `2130706433`, `::1`, `::ffff:127.0.0.1`.
    init?(literal text: String) {
        var out = [UInt8](repeating: 0, count: 16)
        guard !text.isEmpty, text.utf8.count < 64, op_parse_ip(text, &out) != 0 else { return nil }
        bytes = out
    }

    var isV4: Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF }

    var description: String {
        if isV4 { return bytes[12...].map(String.init).joined(separator: ".") }
        var buf = [CChar](repeating: 0, count: 64)
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        return inet_ntop(AF_INET6, &raw, &buf, 64) != nil ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : bytes.map { String($0, radix: 16) }.joined(separator: ":")
    }

    /// Why generated code may never connect here, or nil when it may.
    var forbiddenReason: String? {
        if isV4 {
            let a = bytes[12], b = bytes[13]
            if a == 127 { return "a loopback address (this machine)" }
            if a == 0 { return "the unspecified address (it reaches this machine)" }
            if a == 169 && b == 254 { return "a link-local address (169.254.0.0/16 holds the cloud metadata service)" }
            if bytes[12...] == [100, 100, 100, 200] { return "the cloud metadata address" }  // Alibaba Cloud
            return nil
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? "a loopback address (this machine)" : "the unspecified address (it reaches this machine)" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "a link-local address (fe80::/10)" }
        if bytes == IPAddress.awsMetadataV6.bytes { return "the cloud metadata address" }
        return nil
    }

    static let awsMetadataV6 = IPAddress(literal: "fd00:ec2::254")!
}

/// Where generated code may connect. Declared hosts are checked as written and after resolution (a name is only as
/// safe as what it resolves to), and the same deny list goes to Deno, which checks it again on every connection, so
/// a name that re-resolves later is still refused.
public struct EgressPolicy: Sendable {
    /// The platform's own ports on loopback.
    public var platformPorts: Set<Int> = []
    /// The platform's listen addresses beyond loopback (every interface address when it listens on a wildcard).
    var platformAddresses: Set<IPAddress> = []
    /// Blocking name resolution; nil when the name does not resolve.
    var resolve: @Sendable (String) -> [IPAddress]? = EgressPolicy.systemResolve
    /// How long one name may take to resolve before it is passed to Deno's own checks unresolved.
    var resolveTimeout: Double = 3
    /// `host:port` entries the administrator lets services reach although they are local (a model server on this
    /// machine, say): `--egress-allow`. Never one of the platform's own ports.
    var exceptions: Set<String> = []

    public init() {}

    /// Parses `--egress-allow` entries; each needs a port, so an exception is one service on one host, never a host.
    public static func exceptions(_ entries: [String]) throws(EgressRefusal) -> Set<String> {
        var out: Set<String> = []
        for entry in entries {
            let host: EgressHost
            do { host = try parse(entry) } catch {
                guard let parsed = try? parseShape(entry) else { throw error }
                host = parsed
            }
            guard host.port != nil else { throw EgressRefusal(host: entry, reason: "no port (an exception names one host:port)") }
            out.insert(host.denoForm)
        }
        return out
    }

    /// Records where the platform listens: `host` as given to `--host`, and its ports.
    public mutating func platformListens(on host: String, ports: [Int]) {
        platformPorts = Set(ports)
        guard let ip = IPAddress(literal: host) else { return }
        if ip.forbiddenReason?.hasPrefix("the unspecified") == true {
            platformAddresses = Set(EgressPolicy.localAddresses().filter { $0.forbiddenReason == nil })
        } else if ip.forbiddenReason == nil {
            platformAddresses = [ip]
        }
    }

    /// Parses one `hosts` entry (`name`, `name:port`, `[v6]:port`), refusing what no resolution can make safe.
    public static func parse(_ text: String) throws(EgressRefusal) -> EgressHost {
        let host = try parseShape(text)
        if let reason = host.literal?.forbiddenReason { throw EgressRefusal(host: text, reason: reason) }
        if host.literal == nil {
            if host.name == "localhost" || host.name.hasSuffix(".localhost") { throw EgressRefusal(host: text, reason: "a name for loopback (this machine)") }
            if host.name == "metadata.google.internal" || host.name == "metadata" { throw EgressRefusal(host: text, reason: "the cloud metadata address") }
        }
        return host
    }

    /// The form of an entry alone: name or literal, optional port, no wildcard.
    static func parseShape(_ text: String) throws(EgressRefusal) -> EgressHost {
        var host = text.trimmingCharacters(in: .whitespaces).lowercased()
        var port: Int?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw EgressRefusal(host: text, reason: "an IPv6 literal without its closing ']'") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 } else if !after.isEmpty { port = -1 }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.lastIndex(of: ":") {
            port = Int(host[host.index(after: colon)...]) ?? -1
            host = String(host[..<colon])
        }
        if let p = port, !(1...65535).contains(p) { throw EgressRefusal(host: text, reason: "a port that is not a number from 1 to 65535") }
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { throw EgressRefusal(host: text, reason: "an empty name") }
        if host.contains("*") { throw EgressRefusal(host: text, reason: "a wildcard (list each host by name)") }
        if let ip = IPAddress(literal: host) { return EgressHost(name: ip.description, port: port, literal: ip) }
        guard host.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 }) else {
            throw EgressRefusal(host: text, reason: "not a host name (letters, digits, '-' and '.' only, no scheme or path)")
        }
        return EgressHost(name: host, port: port, literal: nil)
    }

    /// Every declared host, parsed and resolved: the first one that is or resolves to a forbidden address is refused.
    /// A name that does not resolve here (no network, or not yet in DNS) passes; Deno's deny list still guards it.
    public func check(_ hosts: [String]) async throws(EgressRefusal) -> [EgressHost] {
        var out: [EgressHost] = []
        for text in hosts {
            if let excepted = try exception(text) {
                out.append(excepted)
                continue
            }
            let host = try EgressPolicy.parse(text)
            if let reason = own(host) { throw EgressRefusal(host: text, reason: reason) }
            if host.literal == nil {
                for ip in await resolveWithin(host.name) ?? [] {
                    if let reason = ip.forbiddenReason ?? (platformAddresses.contains(ip) ? "one of the platform's own addresses" : nil) {
                        throw EgressRefusal(host: text, reason: "a name that resolves to \(ip), \(reason)")
                    }
                }
            }
            out.append(host)
        }
        return out
    }

    /// The entry when the administrator excepted it, and it is not one of the platform's own ports.
    private func exception(_ text: String) throws(EgressRefusal) -> EgressHost? {
        guard !exceptions.isEmpty, let host = try? EgressPolicy.parseShape(text), exceptions.contains(host.denoForm) else { return nil }
        if let port = host.port, platformPorts.contains(port), host.literal?.forbiddenReason != nil || host.literal == nil {
            throw EgressRefusal(host: text, reason: "the platform's own port")
        }
        return host
    }

    private func own(_ host: EgressHost) -> String? {
        guard let ip = host.literal, platformAddresses.contains(ip) else { return nil }
        return "one of the platform's own addresses"
    }

    /// `--deny-net` for Deno: the platform's ports on loopback (except `callbackPort`, a trigger's way in), every other
    /// service's and test run's port (all but `ownPort`), loopback and unspecified names, the metadata addresses and the
    /// platform's other addresses. Deno checks it on every connection, after resolution.
    public func denoDenyList(except callbackPort: Int?, ownPort: Int? = nil) -> [String] {
        var out: [String] = []
        for p in platformPorts.sorted() where p != callbackPort {
            out += ["127.0.0.1:\(p)", "[::1]:\(p)", "0.0.0.0:\(p)"]
        }
        for range in [Sandbox.servicePorts, Sandbox.testRunPorts] {
            // An administrator's exception may sit in these ranges too (any free port can): it stays reachable.
            for p in range where p != ownPort && p != callbackPort && !exceptions.contains("127.0.0.1:\(p)") { out.append("127.0.0.1:\(p)") }
        }
        // Whole loopback names, unless an administrator's exception lives there (its platform ports stay denied above).
        out += ["localhost", "[::1]"].filter { name in !exceptions.contains { $0.hasPrefix(name + ":") } }
        out += ["[::]", "169.254.169.254", "100.100.100.200", "[fd00:ec2::254]"]
        out += platformAddresses.map { $0.isV4 ? $0.description : "[\($0.description)]" }.sorted()
        return out
    }

    private func resolveWithin(_ name: String) async -> [IPAddress]? {
        let resolve = self.resolve
        return await Blocking.run(timeout: resolveTimeout) { resolve(name) } ?? nil
    }

    static func systemResolve(_ name: String) -> [IPAddress]? {
        var out = [UInt8](repeating: 0, count: 16 * 32)
        let n = op_resolve(name, &out, 32)
        guard n >= 0 else { return nil }
        return (0..<Int(n)).map { IPAddress(bytes: Array(out[($0 * 16)..<($0 * 16 + 16)])) }
    }

    static func localAddresses() -> [IPAddress] {
        var out = [UInt8](repeating: 0, count: 16 * 64)
        let n = op_local_addresses(&out, 64)
        guard n > 0 else { return [] }
        return (0..<Int(n)).map { IPAddress(bytes: Array(out[($0 * 16)..<($0 * 16 + 16)])) }
    }
}
