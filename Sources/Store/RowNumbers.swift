/// Reading reals and flags by the columns a query must return, like `Row.text` and `Row.int`: a missing column or a
/// value of the wrong kind throws instead of turning into a default.
extension Row {
    /// A REAL column (an INTEGER reads as its value).
    public func double(_ name: String) throws -> Double {
        let v = try value(name)
        guard let d = v.double else { throw StoreError.column(name: name, message: "holds \(v.kind), not a number") }
        return d
    }

    public func optionalDouble(_ name: String) throws -> Double? {
        let v = try value(name)
        if v.isNull { return nil }
        return try double(name)
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
}
