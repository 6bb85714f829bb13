import CWardenSpawn
import Glibc
import WardenCore

/// Enforce mode: the child that releases held processes if Warden dies (see warden_guardian.h).
/// Started before any program is attached, so that no hold can outlive Warden.
final class EnforceGuardian: @unchecked Sendable {
    // @unchecked: `heartbeat` is a shared word written with an atomic store by one thread.
    let pid: pid_t
    private let heartbeat: UnsafeMutablePointer<UInt64>
    /// A Warden that has not finished a poll round for this long is stalled (SIGSTOP, starved):
    /// the guardian then gives holds older than this the fail mode. Longer than the longest a
    /// healthy Warden keeps a hold (3 s stale rule) plus scheduling noise.
    static let stallLimitNanoseconds: UInt64 = 5_000_000_000

    init(held: BPFMap, failClosed: Bool) throws {
        var heartbeat: UnsafeMutablePointer<UInt64>?
        let pid = warden_guardian_start(held.fd, failClosed ? 1 : 0, Self.stallLimitNanoseconds, &heartbeat)
        guard pid > 0, let heartbeat else { throw KernelError("starting the enforce-mode guardian", errno: errno) }
        self.pid = pid
        self.heartbeat = heartbeat
    }

    /// Warden finished a poll round: it is deciding.
    func beat() {
        warden_guardian_beat(heartbeat, WallClock.bootTimeNow())
    }
}
