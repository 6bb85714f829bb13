/// How enforce mode acted on an alert; the raw values are the `mechanism` field of alerts
/// (docs/events.md, docs/enforce.md).
public enum EnforcementMechanism: String, Sendable, CaseIterable {
    /// Nothing was killed.
    case none
    /// Killed while the kernel held it: before the exec's first instruction or the open's first byte.
    case holdKill = "hold-kill"
    /// Killed after the event, which was not held (or whose hold the fail mode had released).
    case lateKill = "late-kill"
}
