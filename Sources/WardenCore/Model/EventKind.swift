import WardenABI

/// The kinds of kernel records, derived from `enum warden_event_kind` in the ABI header (the one
/// list): their order, names and bits are read from there, so adding a kind there adds it here.
public struct EventKind: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The ABI value (`WARDEN_EVENT_*`).
    public let rawValue: UInt32

    public static let exec = EventKind(WARDEN_EVENT_EXEC)
    public static let fork = EventKind(WARDEN_EVENT_FORK)
    public static let exit = EventKind(WARDEN_EVENT_EXIT)
    public static let open = EventKind(WARDEN_EVENT_OPEN)
    public static let execFailed = EventKind(WARDEN_EVENT_EXEC_FAILED)
    public static let rename = EventKind(WARDEN_EVENT_RENAME)
    public static let connect = EventKind(WARDEN_EVENT_CONNECT)
    public static let syscall = EventKind(WARDEN_EVENT_SYSCALL)

    /// Every kind, in ABI order.
    public static let allCases: [EventKind] =
        (WARDEN_EVENT_EXEC.rawValue..<WARDEN_EVENT_KIND_END.rawValue).map { EventKind(rawValue: $0) }
    private static let names: [String] = allCases.map { kind in
        guard let name = warden_event_kind_name(kind.rawValue) else { preconditionFailure("ABI kind \(kind.rawValue) has no name") }
        return String(cString: name)
    }
    private static let byName: [String: EventKind] = Dictionary(uniqueKeysWithValues: zip(names, allCases))

    private init(_ abi: warden_event_kind) { rawValue = abi.rawValue }
    private init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The kind named `name` in the JSON schema and the rule language (`evt.type`).
    public init?(name: String) {
        guard let kind = Self.byName[name] else { return nil }
        self = kind
    }

    /// Position in `allCases`.
    public var position: Int { Int(rawValue - WARDEN_EVENT_EXEC.rawValue) }
    /// One bit per kind, for kind masks.
    public var bit: UInt32 { 1 << UInt32(position) }
    /// "exec", "open", "exec_failed", ...
    public var name: String { Self.names[position] }
    public var description: String { name }
}
