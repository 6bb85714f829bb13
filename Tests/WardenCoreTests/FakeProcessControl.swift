@testable import WardenCore

/// A `ProcessControl` that answers from a scripted table instead of the kernel, and records
/// every signal it delivers, in order, so tests can check what the Enforcer did and when.
final class FakeProcessControl: ProcessControl {
    enum Signal: Hashable, CustomStringConvertible {
        case kill(UInt32)
        case resume(UInt32)
        case continueStopped(UInt32)

        var description: String {
            switch self {
            case .kill(let pid): return "kill(\(pid))"
            case .resume(let pid): return "resume(\(pid))"
            case .continueStopped(let pid): return "continue(\(pid))"
            }
        }
    }

    /// Signals delivered (`.sent`), oldest first. A signal to a process that is gone is not one.
    private(set) var signals: [Signal] = []
    /// The image each live pid runs, as the kernel's process table says; no entry: exited.
    var running: [UInt32: UInt64] = [:]
    /// The kernel's hold table.
    var holds: [UInt32: HeldProcess] = [:]
    /// Pids stopped by a signal (not held).
    var stopped: Set<UInt32> = []
    /// Pipe inodes each pid has open for writing.
    var pipeWriters: [UInt32: Set<UInt64>] = [:]

    func resume(pid: UInt32, execID: UInt64) -> SignalOutcome {
        guard holds[pid]?.execID == execID else { return .gone }
        holds[pid] = nil
        signals.append(.resume(pid))
        return .sent
    }

    func kill(pid: UInt32, execID: UInt64) -> SignalOutcome {
        guard running[pid] == execID else { return .gone }
        running[pid] = nil
        holds[pid] = nil
        pipeWriters[pid] = nil
        signals.append(.kill(pid))
        return .sent
    }

    func continueStopped(pid: UInt32, execID: UInt64) -> Bool {
        guard running[pid] == execID, holds[pid] == nil, stopped.remove(pid) != nil else { return false }
        signals.append(.continueStopped(pid))
        return true
    }

    func heldProcesses() -> [HeldProcess] {
        holds.values.sorted { $0.pid < $1.pid }
    }

    func isHeld(pid: UInt32, execID: UInt64) -> Bool {
        holds[pid]?.execID == execID
    }

    func writesToPipe(pid: UInt32, pipeInode: UInt64) -> Bool {
        pipeWriters[pid]?.contains(pipeInode) == true
    }

    /// Pids signalled `kill`, in order.
    var killed: [UInt32] {
        signals.compactMap { if case .kill(let pid) = $0 { return pid } else { return nil } }
    }
}
