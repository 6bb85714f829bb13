/// Falco's eight priorities, most severe first.
public enum Priority: String, Sendable, CaseIterable, Comparable {
    case emergency = "Emergency", alert = "Alert", critical = "Critical", error = "Error"
    case warning = "Warning", notice = "Notice", informational = "Informational", debug = "Debug"

    /// Accepts Falco's spellings in any case, and "info".
    public init?(name: String) {
        let lowered = name.lowercased()
        if lowered == "info" { self = .informational; return }
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else { return nil }
        self = match
    }

    var severity: Int { Self.allCases.firstIndex(of: self)! }

    /// More severe compares greater.
    public static func < (a: Priority, b: Priority) -> Bool { a.severity > b.severity }
}

/// What a matching rule asks for. `kill` acts only in enforce mode; in audit mode the alert says
/// what would have been done.
public enum RuleAction: String, Sendable {
    case alert, kill
}

/// What a `kill` takes down in enforce mode. The agent itself is never killed unless Warden runs
/// with --kill-agent: Warden stops tool calls, and the agent sees them fail.
public enum KillScope: String, Sendable, CaseIterable {
    /// The offending process only.
    case process
    /// The tool call the offending process belongs to: the agent's child it descends from, and
    /// everything under it.
    case toolCall = "tool_call"
}
