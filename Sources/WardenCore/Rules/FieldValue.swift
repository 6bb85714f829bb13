public enum FieldType: String, Sendable {
    case string, number, bool, list
}

/// A field's value for one event. Strings stay bytes end to end: comparisons run on UTF-8 bytes,
/// so no event field is decoded into a Swift String unless a rule needs a regular expression.
public enum FieldValue: Sendable, Hashable {
    case bytes(ByteString)
    case number(Int64)
    case bool(Bool)
    case byteList([ByteString])

    public static func string(_ text: String) -> FieldValue { .bytes(ByteString(text)) }
    public static func list(_ items: [String]) -> FieldValue { .byteList(items.map { ByteString($0) }) }

    /// The value as output templates show it.
    public var text: String {
        switch self {
        case .bytes(let b): return b.text
        case .number(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .byteList(let items): return items.map(\.text).joined(separator: ",")
        }
    }
}
