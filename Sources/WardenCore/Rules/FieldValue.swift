public enum FieldType: String, Sendable {
    case string, number, bool, list
}

public enum FieldValue: Sendable, Hashable {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case list([String])

    /// The value as output templates show it.
    public var text: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return items.joined(separator: ",")
        }
    }
}

/// Event kinds a field or rule applies to.
public enum EventKind: String, Sendable, CaseIterable {
    case exec, open, execFailed = "exec_failed", fork, exit

    init?(_ event: Event) {
        switch event {
        case .exec: self = .exec
        case .open: self = .open
        case .execFailed: self = .execFailed
        case .fork: self = .fork
        case .exit: self = .exit
        case .loss: return nil
        }
    }
}
