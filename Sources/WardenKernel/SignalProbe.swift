internal import CLibBPF
import CWardenSpawn
import Glibc

/// Checks, for `warden doctor`, that a BPF program at sched_process_exec can act on the new image
/// with bpf_send_signal() before it runs: SIGKILL (kernel-kill) and SIGSTOP (the enforce-mode hold,
/// then continued through a pidfd).
public enum SignalProbe {
    public enum Outcome: Sendable, Equatable {
        /// The probe child was killed (SIGKILL) or stopped and then continued (SIGSTOP) at its exec.
        case works
        /// The child ran (wait status given): the helper loaded but had no effect.
        case noEffect(Int32)
    }

    public static func run(signal: Int32 = SIGKILL) throws -> Outcome {
        try PreflightError.check()
        let object = try BPFObject(elf: SensorImage.elf, name: "warden_probe")
        try object.loadOnly(program: "probe_send_signal")
        let target = try object.map(named: "probe_target")
        let links = try object.attachAll()
        return try withExtendedLifetime(links) {
            let child = try HeldChild(arguments: ["/bin/true"])
            try target.update(UInt32(1), UInt32(signal))
            try target.update(UInt32(0), UInt32(child.pid))
            try child.release()
            defer { try? target.update(UInt32(0), UInt32(0)) }
            if signal == SIGKILL {
                let status = child.wait(block: true) ?? 0
                return status & 0x7F == SIGKILL ? .works : .noEffect(status)
            }
            // SIGSTOP: the child must stop at its exec, and go on to exit 0 once continued by pidfd.
            guard let status = child.waitStopped(), status & 0xFF == 0x7F, (status >> 8) & 0xFF == SIGSTOP else {
                return .noEffect(child.wait(block: true) ?? 0)
            }
            let pidfd = warden_pidfd_open(child.pid)
            if pidfd >= 0 {
                _ = warden_pidfd_signal(pidfd, SIGCONT)
                close(pidfd)
            } else {
                kill(child.pid, SIGKILL)
            }
            let exited = child.wait(block: true) ?? 0
            return pidfd >= 0 && exited == 0 ? .works : .noEffect(exited)
        }
    }
}
