/// A value SQLite stores: the five storage classes.
public enum SQLValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int? { if case .integer(let v) = self { return Int(v) }; return nil }
    public var double: Double? {
        switch self {
        case .real(let v): v
        case .integer(let v): Double(v)
        default: nil
        }
    }
    public var string: String? { if case .text(let v) = self { return v }; return nil }
    public var bytes: [UInt8]? {
        switch self {
        case .blob(let v): v
        case .text(let v): Array(v.utf8)
        default: nil
        }
    }
    public var bool: Bool? { int.map { $0 != 0 } }
    public var isNull: Bool { self == .null }
}

/// Swift values that bind to statement parameters.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One result row; columns by name or position.
public struct Row: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public subscript(_ name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }

    public subscript(_ index: Int) -> SQLValue { values[index] }
}

/// Reading a row by the columns its query must return: a missing or misspelt column, or a value of the wrong kind,
/// throws instead of turning into a default.
extension Row {
    /// The value of a column the query must select (NULL is a value).
    public func value(_ name: String) throws -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { throw StoreError.column(name: name, message: "is not in the row") }
        return values[i]
    }

    public func text(_ name: String) throws -> String {
        let v = try value(name)
        guard let s = v.string else { throw StoreError.column(name: name, message: "holds \(v.kind), not text") }
        return s
    }

    public func optionalText(_ name: String) throws -> String? {
        try value(name).isNull ? nil : text(name)
    }

    public func int(_ name: String) throws -> Int {
        let v = try value(name)
        guard let n = v.int else { throw StoreError.column(name: name, message: "holds \(v.kind), not an integer") }
        return n
    }

    public func optionalInt(_ name: String) throws -> Int? {
        try value(name).isNull ? nil : int(name)
    }

    /// A BLOB (BYTEA) column.
    public func bytes(_ name: String) throws -> [UInt8] {
        let v = try value(name)
        guard let b = v.bytes else { throw StoreError.column(name: name, message: "holds \(v.kind), not bytes") }
        return b
    }

    /// A REAL column (an INTEGER reads as its value).
    public func double(_ name: String) throws -> Double {
        let v = try value(name)
        guard let d = v.double else { throw StoreError.column(name: name, message: "holds \(v.kind), not a number") }
        return d
    }

    public func optionalDouble(_ name: String) throws -> Double? {
        try value(name).isNull ? nil : double(name)
    }

    /// An INTEGER column holding 0 or 1.
    public func bool(_ name: String) throws -> Bool {
        let n = try int(name)
        guard n == 0 || n == 1 else { throw StoreError.column(name: name, message: "holds \(n), not 0 or 1") }
        return n == 1
    }

    public func optionalBool(_ name: String) throws -> Bool? {
        try value(name).isNull ? nil : bool(name)
    }

    /// A text column holding one of a type's raw values.
    public func decode<T: RawRepresentable>(_ name: String, as _: T.Type = T.self) throws -> T where T.RawValue == String {
        let s = try text(name)
        guard let v = T(rawValue: s) else { throw StoreError.column(name: name, message: "holds '\(s)', not a known \(T.self)") }
        return v
    }
}

extension SQLValue {
    /// The storage class, for messages.
    var kind: String {
        switch self {
        case .null: "NULL"
        case .integer: "an integer"
        case .real: "a real"
        case .text: "text"
        case .blob: "a blob"
        }
    }
}
