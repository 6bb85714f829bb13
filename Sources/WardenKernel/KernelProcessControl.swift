import CWardenSpawn
import Glibc
import WardenABI
import WardenCore

/// Enforce mode's hands in the kernel: the hold table and the process table, and signals through
/// pidfds. Every signal is checked against the kernel's own tables after the
/// pidfd exists, so a pid that was reused is never signalled.
public final class KernelProcessControl: ProcessControl, Sendable {
    private let held: BPFMap
    private let processes: BPFMap
    private let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))

    init(held: BPFMap, processes: BPFMap) {
        self.held = held
        self.processes = processes
    }

    public func resume(pid: UInt32, execID: UInt64) -> SignalOutcome {
        withPidfd(pid) { pidfd in
            // The kernel's hold table, read after the pidfd exists, names the process it refers to.
            guard held.lookup(pid, as: warden_hold.self)?.exec_id == execID else { return .gone }
            held.delete(pid)
            return warden_pidfd_signal(pidfd, SIGCONT) == 0 ? .sent : .gone
        }
    }

    public func kill(pid: UInt32, execID: UInt64) -> SignalOutcome {
        withPidfd(pid) { pidfd in
            guard processes.lookup(pid, as: warden_process.self)?.exec_id == execID else { return .gone }
            return warden_pidfd_signal(pidfd, SIGKILL) == 0 ? .sent : .gone
        }
    }

    public func continueStopped(pid: UInt32, execID: UInt64) -> Bool {
        // The state first: one file read for the common answer (running), no pidfd.
        guard ProcFS().isStopped(pid) else { return false }
        return withPidfd(pid) { pidfd in
            guard processes.lookup(pid, as: warden_process.self)?.exec_id == execID,
                  held.lookup(pid, as: warden_hold.self) == nil, ProcFS().isStopped(pid) else { return .gone }
            return warden_pidfd_signal(pidfd, SIGCONT) == 0 ? .sent : .gone
        } == .sent
    }

    public func heldProcesses() -> [HeldProcess] {
        held.keys(as: UInt32.self, limit: Int(WARDEN_MAX_HELD)).compactMap { pid in
            held.lookup(pid, as: warden_hold.self).map { HeldProcess(pid: pid, execID: $0.exec_id, heldAt: $0.held_at_ns) }
        }
    }

    public func isHeld(pid: UInt32, execID: UInt64) -> Bool {
        held.lookup(pid, as: warden_hold.self)?.exec_id == execID
    }

    public func writesToPipe(pid: UInt32, pipeInode: UInt64) -> Bool {
        ProcFS().writes(pipe: pipeInode, pid: pid)
    }

    /// Every process still held gets the fail mode (after the sensors were detached and the last
    /// events judged, these are holds whose events were never read). Returns how many were signalled.
    public func releaseAllHeld(failClosed: Bool) -> Int {
        Int(warden_release_all_held(held.fd, failClosed ? 1 : 0, ticksPerSecond))
    }

    /// Runs `body` with a pidfd for `pid`: signals through it reach that process or fail, never a
    /// process that reused the pid after the check in `body`.
    private func withPidfd(_ pid: UInt32, _ body: (Int32) -> SignalOutcome) -> SignalOutcome {
        let pidfd = warden_pidfd_open(pid_t(pid))
        guard pidfd >= 0 else { return .gone }
        defer { close(pidfd) }
        return body(pidfd)
    }
}
