/// What enforce mode needs from the kernel side. Implemented over the BPF maps and pidfds by
/// WardenKernel; every call checks the process against the kernel's own tables first, so a pid
/// that was reused is never signalled.
public protocol ProcessControl: AnyObject {
    /// Lets a held process run (SIGCONT), if the kernel still holds image `execID` under `pid`.
    func resume(pid: UInt32, execID: UInt64) -> SignalOutcome
    /// SIGKILL, if `pid` still runs image `execID` according to the kernel's process table.
    func kill(pid: UInt32, execID: UInt64) -> SignalOutcome
    /// Processes the kernel holds now.
    func heldProcesses() -> [HeldProcess]
    /// Whether the kernel still holds image `execID` under `pid` (a hold can be let go by the
    /// fail mode before its event is judged).
    func isHeld(pid: UInt32, execID: UInt64) -> Bool
    /// SIGCONT to `pid` if it still runs image `execID`, is stopped by a signal, and is not held by
    /// the kernel; true when sent. (A parent that stopped itself because it saw its child held.)
    func continueStopped(pid: UInt32, execID: UInt64) -> Bool
    /// Whether process `pid` holds the pipe with this inode open for writing.
    func writesToPipe(pid: UInt32, pipeInode: UInt64) -> Bool
}

public enum SignalOutcome: Sendable, Equatable {
    case sent
    /// The process exited, or the pid belongs to another image now.
    case gone
}

public struct HeldProcess: Sendable, Equatable {
    public var pid: UInt32
    public var execID: UInt64
    /// CLOCK_BOOTTIME when the kernel stopped it.
    public var heldAt: UInt64

    public init(pid: UInt32, execID: UInt64, heldAt: UInt64) {
        self.pid = pid
        self.execID = execID
        self.heldAt = heldAt
    }
}
