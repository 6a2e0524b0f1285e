// A change ("add a field priority", "make the counter start at 10") applied to a stored spec gives the spec of the
// next version. What cannot apply is an error that says why, so nothing is half-changed.

public struct ChangeError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension ServiceSpec {
    public func applying(_ changes: [Change]) throws(ChangeError) -> ServiceSpec {
        var next = self
        for change in changes { try next.apply(change) }
        return next
    }

    /// Field changes go to the service's resource; with several, to the first (the one its name comes from).
    private mutating func apply(_ change: Change) throws(ChangeError) {
        switch change {
        case .addField(let field):
            try withResource { r throws(ChangeError) in
                guard !r.fields.contains(where: { $0.name == field.name }) else { throw ChangeError("\(r.name) already has a field '\(field.name)'") }
                if let old = r.retiredFields.first(where: { $0.name == field.name }) {
                    guard old.type == field.type else {
                        throw ChangeError("'\(field.name)' was a \(old.type.rawValue) field of \(r.name) that was removed; its old values are still stored under that name, so add it back as \(old.type.rawValue) or choose another name")
                    }
                    r.retiredFields.removeAll { $0.name == field.name }
                }
                guard r.fields.count < 40 else { throw ChangeError("\(r.name) has 40 fields, the most a generated store keeps") }
                r.fields.append(field)
            }
        case .removeField(let name):
            try withResource { r throws(ChangeError) in
                guard r.fields.contains(where: { $0.name == name }) else { throw ChangeError("\(r.name) has no field '\(name)' (fields: \(r.fieldNames))") }
                guard r.fields.count > 1 else { throw ChangeError("'\(name)' is the only field of \(r.name); add another first") }
                r.retiredFields.append(contentsOf: r.fields.filter { $0.name == name })
                r.fields.removeAll { $0.name == name }
                r.behaviours.removeAll { $0 == .toggle(field: name) }
                r.operations.removeAll { $0.mentions(name) }
            }
        case .renameField(let old, let new):
            try withResource { r throws(ChangeError) in
                guard let i = r.fields.firstIndex(where: { $0.name == old }) else { throw ChangeError("\(r.name) has no field '\(old)' (fields: \(r.fieldNames))") }
                guard !r.fields.contains(where: { $0.name == new }) else { throw ChangeError("\(r.name) already has a field '\(new)'") }
                try r.checkNotRetired(new)
                r.fields[i].previousNames.append(old)
                r.fields[i].name = new
                r.behaviours = r.behaviours.map { $0 == .toggle(field: old) ? .toggle(field: new) : $0 }
                r.operations = r.operations.map { $0.renaming(old, to: new) }
            }
        case .setCounterStart(let start):
            guard let i = behaviours.firstIndex(where: { if case .counter = $0 { true } else { false } }),
                  case .counter(var counter) = behaviours[i] else { throw ChangeError("\(name) has no counter") }
            counter.start = start
            behaviours[i] = .counter(counter)
        case .addBehaviour(let behaviour):
            if case .expiry = behaviour, behaviours.contains(.keyValue) {
                behaviours.removeAll { if case .expiry = $0 { true } else { false } }
                behaviours.append(behaviour)
                return
            }
            try withResource { r throws(ChangeError) in
                if case .expiry = behaviour { r.behaviours.removeAll { if case .expiry = $0 { true } else { false } } }
                if case .toggle(let f) = behaviour, !r.fields.contains(where: { $0.name == f }) {
                    r.fields.append(Field(f, .boolean, default: .boolean(false)))
                }
                if !r.behaviours.contains(behaviour) { r.behaviours.append(behaviour) }
            }
        case .addOperation(let op):
            try withResource { r throws(ChangeError) in
                if !r.operations.contains(op) { r.operations.append(op) }
            }
        }
    }

    private mutating func withResource(_ body: (inout Resource) throws(ChangeError) -> Void) throws(ChangeError) {
        guard !resources.isEmpty else { throw ChangeError("\(name) keeps no records, so it has no fields to change") }
        try body(&resources[0])
    }
}

extension Resource {
    var fieldNames: String { fields.map(\.name).joined(separator: ", ") }

    /// A removed field's column still holds its old values: reusing the name would bring them back under it.
    func checkNotRetired(_ name: String) throws(ChangeError) {
        guard !retiredFields.contains(where: { $0.name == name }) else {
            throw ChangeError("'\(name)' was a field of \(self.name) that was removed; its old values are still stored under that name, so choose another")
        }
    }
}

extension Operation {
    func mentions(_ field: String) -> Bool {
        switch self {
        case .search(let f), .sum(let f), .filter(.byField(let f)), .filter(.flag(let f, _)), .filter(.compare(let f, _, _)): f == field
        case .count(.some(.flag(let f, _))), .count(.some(.compare(let f, _, _))), .count(.some(.byField(let f))): f == field
        default: false
        }
    }

    func renaming(_ old: String, to new: String) -> Operation {
        func r(_ f: String) -> String { f == old ? new : f }
        func rf(_ filter: Filter) -> Filter {
            switch filter {
            case .flag(let f, let on): .flag(r(f), on)
            case .compare(let f, let c, let v): .compare(r(f), c, v)
            case .byField(let f): .byField(r(f))
            }
        }
        switch self {
        case .search(let f): return .search(field: r(f))
        case .sum(let f): return .sum(field: r(f))
        case .filter(let f): return .filter(rf(f))
        case .count(let f): return .count(f.map(rf))
        default: return self
        }
    }
}
