/// SQLite-style parameters (`?` in order, `?N` by number) as PostgreSQL's `$N`, so a statement is written once.
/// Quotes, quoted identifiers and comments are skipped; numbering follows SQLite (a bare `?` takes the largest number
/// used so far plus one).
enum PostgresParameters {
    static func numbered(_ sql: String) -> (sql: String, count: Int) {
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var highest = 0
        var i = 0
        func copy(until end: Int) { out.append(contentsOf: bytes[i..<min(end, bytes.count)]); i = min(end, bytes.count) }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // A quoted string or identifier; a doubled quote inside is an escaped one.
                var j = i + 1
                while j < bytes.count {
                    if bytes[j] == c {
                        if j + 1 < bytes.count, bytes[j + 1] == c { j += 2; continue }
                        break
                    }
                    j += 1
                }
                copy(until: j + 1)
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                var j = i
                while j < bytes.count, bytes[j] != UInt8(ascii: "\n") { j += 1 }
                copy(until: j)
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                var j = i + 2
                while j + 1 < bytes.count, !(bytes[j] == UInt8(ascii: "*") && bytes[j + 1] == UInt8(ascii: "/")) { j += 1 }
                copy(until: j + 2)
            case UInt8(ascii: "?"):
                var j = i + 1
                var n = 0
                while j < bytes.count, bytes[j] >= UInt8(ascii: "0"), bytes[j] <= UInt8(ascii: "9") {
                    n = n * 10 + Int(bytes[j] - UInt8(ascii: "0"))
                    j += 1
                }
                if j == i + 1 { n = highest + 1 }
                highest = max(highest, n)
                out.append(UInt8(ascii: "$"))
                out.append(contentsOf: Array(String(n).utf8))
                i = j
            default:
                out.append(c)
                i += 1
            }
        }
        return (String(decoding: out, as: UTF8.self), highest)
    }
}
