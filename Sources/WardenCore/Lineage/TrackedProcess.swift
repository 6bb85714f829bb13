/// A process's place in a lineage, as the kernel's process table holds it.
public struct TrackedProcess: Sendable, Hashable {
    public var execID: UInt64
    public var parentExecID: UInt64
    public var sessionID: UInt64
    public var agentID: UInt32

    public init(execID: UInt64, parentExecID: UInt64, sessionID: UInt64, agentID: UInt32) {
        self.execID = execID
        self.parentExecID = parentExecID
        self.sessionID = sessionID
        self.agentID = agentID
    }
}
