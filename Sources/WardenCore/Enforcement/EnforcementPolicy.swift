/// How enforce mode behaves; see docs/enforce.md.
public struct EnforcementPolicy: Sendable {
    /// What happens to a process the kernel holds when Warden cannot decide about it: Warden
    /// exits or crashes, the event was lost, or the hold outlived `staleHoldNanoseconds`.
    public enum FailMode: String, Sendable, CaseIterable {
        /// The process continues, unjudged.
        case open
        /// The process is killed.
        case closed
    }

    public var failMode: FailMode
    /// Kill the whole agent session, the agent included, instead of the tool call.
    public var killAgent: Bool
    /// How often an interpreter that reads its program from a pipe, held while the pipe's writer
    /// has not exec'd (`curl … | sh` where sh starts first), is looked at again: it is let go once
    /// no process of its agent session holds the pipe for writing (a shell builtin wrote and
    /// exited), or after `stdinWriterMaximumNanoseconds`.
    public var stdinWriterWaitNanoseconds: UInt64
    /// The longest such a reader is held waiting; then the fail mode decides.
    public var stdinWriterMaximumNanoseconds: UInt64
    /// A hold Warden has not decided after this long (its event was never read) gets the fail mode.
    public var staleHoldNanoseconds: UInt64

    public init(failMode: FailMode = .open, killAgent: Bool = false,
                stdinWriterWaitNanoseconds: UInt64 = 100_000_000, stdinWriterMaximumNanoseconds: UInt64 = 30_000_000_000,
                staleHoldNanoseconds: UInt64 = 3_000_000_000) {
        self.failMode = failMode
        self.killAgent = killAgent
        self.stdinWriterWaitNanoseconds = stdinWriterWaitNanoseconds
        self.stdinWriterMaximumNanoseconds = stdinWriterMaximumNanoseconds
        self.staleHoldNanoseconds = staleHoldNanoseconds
    }
}
