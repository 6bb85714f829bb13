/// What an alert's action led to. `description` is the alert's `outcome` field and `mechanism`
/// its `mechanism` field, with the exact texts docs/enforce.md lists: SIEM rules match on them.
public enum EnforcementOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The rule's action is `alert`: there is nothing to enforce.
    case notApplicable
    /// A `kill` rule in audit mode.
    case wouldKillInAuditMode
    /// A `kill` rule in enforce mode before the Enforcer acted (what an alert says if it never does).
    case undecided
    /// The offender was killed, and `companions` other processes of its scope with it.
    case killed(when: KillTime, companions: Int, companionScope: CompanionScope)
    /// The offender is the agent root and `--kill-agent` is off: it is left running.
    case sparedAgent
    /// The process had exited (or its pid runs another image) before the kill. `wasHeld`: the
    /// kill was meant as a hold-kill.
    case alreadyGone(wasHeld: Bool)

    /// When, relative to the event, the offender died.
    public enum KillTime: Sendable, Equatable {
        /// Held at exec: the new image never ran.
        case beforeFirstInstruction
        /// Held at open: not one byte read or written.
        case beforeFileUse
        /// Held at a syscall event (io_uring set up, a mount made, a tracer attached): the call was
        /// made, but the process ran no instruction after it.
        case beforeNextInstruction
        /// Not held: the process may have acted.
        case afterEvent
    }

    /// What the other processes killed with the offender make up.
    public enum CompanionScope: Sendable, Equatable {
        case toolCall
        /// `--kill-agent`: the agent and everything it started.
        case agentSession
    }

    public var mechanism: EnforcementMechanism {
        switch self {
        case .notApplicable, .wouldKillInAuditMode, .undecided, .sparedAgent: return .none
        case .killed(let when, _, _): return when == .afterEvent ? .lateKill : .holdKill
        case .alreadyGone(let wasHeld): return wasHeld ? .holdKill : .lateKill
        }
    }

    public var description: String {
        switch self {
        case .notApplicable: return "none"
        case .wouldKillInAuditMode: return "would kill (audit mode)"
        case .undecided: return "undecided"
        case .sparedAgent: return "not killed: it is the agent itself (--kill-agent kills agents)"
        case .alreadyGone: return "already gone"
        case .killed(let when, let companions, let scope):
            var text: String
            switch when {
            case .beforeFirstInstruction: text = "killed before its first instruction"
            case .beforeFileUse: text = "killed before it used the file"
            case .beforeNextInstruction: text = "killed before its next instruction"
            case .afterEvent: text = "killed after the event; it may have acted"
            }
            if companions > 0 { text += "; \(companions) more in its \(scope == .agentSession ? "agent session" : "tool call")" }
            return text
        }
    }
}
