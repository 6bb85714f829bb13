import WardenABI
import WardenCore

/// The kernel's process table: which thread groups are in a lineage, and as which image. The
/// kernel adds agent roots and forked children itself; user space adds processes that already ran.
public struct KernelLineage: Sendable {
    private let processes: BPFMap

    init(processes: BPFMap) {
        self.processes = processes
    }

    /// Puts a running process into a lineage. Its children from now on inherit it in the kernel.
    public func track(pid: UInt32, _ process: TrackedProcess) throws {
        // A session's root is the agent itself: enforce mode never holds its own opens.
        let flags = process.execID == process.sessionID ? WARDEN_PROCESS_AGENT_ROOT.rawValue : 0
        try processes.update(pid, warden_process(exec_id: process.execID, parent_exec_id: process.parentExecID,
                                                 session_id: process.sessionID, agent_id: process.agentID, flags: flags))
    }

    /// The live thread groups of one agent session, with the image each runs (the kernel evicts a
    /// process when it exits, so what is here is alive or about to be reaped).
    public func members(ofSession session: UInt64) -> [(pid: UInt32, execID: UInt64)] {
        processes.keys(as: UInt32.self, limit: Int(WARDEN_MAX_PROCESSES)).compactMap { pid in
            guard let process = processes.lookup(pid, as: warden_process.self), process.session_id == session else { return nil }
            return (pid, process.exec_id)
        }
    }

    public func tracked(pid: UInt32) -> TrackedProcess? {
        processes.lookup(pid, as: warden_process.self).map {
            TrackedProcess(execID: $0.exec_id, parentExecID: $0.parent_exec_id, sessionID: $0.session_id, agentID: $0.agent_id)
        }
    }
}
