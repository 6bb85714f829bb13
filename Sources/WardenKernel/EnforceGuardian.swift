import CWardenSpawn
import Glibc

/// Enforce mode: the child that releases held processes if Warden dies (see warden_guardian.h).
/// Started before any program is attached, so that no hold can outlive Warden.
final class EnforceGuardian {
    let pid: pid_t

    init(held: BPFMap, failClosed: Bool) throws {
        let pid = warden_guardian_start(held.fd, failClosed ? 1 : 0)
        guard pid > 0 else { throw KernelError("starting the enforce-mode guardian", errno: errno) }
        self.pid = pid
    }
}
