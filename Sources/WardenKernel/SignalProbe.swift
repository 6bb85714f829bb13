internal import CLibBPF
import Glibc

/// Checks, for `warden doctor`, that this kernel lets a BPF program at sched_process_exec kill the
/// new image with bpf_send_signal(SIGKILL) before it runs: the mechanism enforcement builds on.
public enum SignalProbe {
    public enum Outcome: Sendable, Equatable {
        /// The probe child died by SIGKILL at its exec.
        case works
        /// The child ran (wait status given): the helper loaded but had no effect.
        case noEffect(Int32)
    }

    public static func run() throws -> Outcome {
        try PreflightError.check()
        let object = try BPFObject(elf: PackageResources.warden_bpf_o, name: "warden_probe")
        try object.loadOnly(program: "probe_send_signal")
        let target = try object.map(named: "probe_target")
        let links = try object.attachAll()
        return try withExtendedLifetime(links) {
            let child = try HeldChild(arguments: ["/bin/true"])
            try target.update(UInt32(0), UInt32(child.pid))
            try child.release()
            let status = child.wait(block: true) ?? 0
            try target.update(UInt32(0), UInt32(0))
            return status & 0x7F == SIGKILL ? .works : .noEffect(status)
        }
    }
}
