import ArgumentParser
import Foundation
import Glibc
import WardenCore
import WardenKernel

/// Probes the kernel and says what works and what Warden will use.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what this kernel offers Warden, and what Warden will use."
    )

    func run() throws {
        var blocking = false
        func report(_ ok: Bool, _ what: String, _ detail: String, required: Bool = false) {
            print("\(ok ? "ok  " : (required ? "FAIL" : "no  ")) \(what.padding(toLength: 18, withPad: " ", startingAt: 0)) \(detail)")
            if required && !ok { blocking = true }
        }

        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: uts.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let supported = machine == SensorImage.machine
        report(supported, "architecture", "\(machine), kernel \(release)\(supported ? "" : " (this build of Warden carries sensors for \(SensorImage.machine))")", required: true)
        report(geteuid() == 0, "root", geteuid() == 0 ? "running as root" : "not root: run `sudo warden doctor`", required: true)
        let btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0
        report(btf, "kernel BTF", btf ? "/sys/kernel/btf/vmlinux (CO-RE relocations and tp_btf attach)" : "missing: needs CONFIG_DEBUG_INFO_BTF=y", required: true)

        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        report(mounts.contains(" tracefs "), "tracefs", mounts.contains(" tracefs ") ? "mounted" : "not mounted (not needed: every sensor attaches through BTF)")
        report(mounts.contains(" bpf "), "bpffs", mounts.contains(" bpf ") ? "mounted" : "not mounted (not needed: Warden pins nothing)")
        let securityfs = mounts.contains(" securityfs ")
        if let text = try? String(contentsOfFile: "/sys/kernel/security/lockdown", encoding: .utf8) {
            let mode = text.split(separator: " ").first { $0.hasPrefix("[") }.map { String($0.dropFirst().dropLast()) } ?? "unknown"
            report(mode != "confidentiality", "lockdown", mode == "confidentiality" ? "confidentiality: kernel memory reads are blocked" : "\(mode) (kernel reads allowed)")
        } else {
            report(true, "lockdown", "unknown (\(securityfs ? "no lockdown file" : "securityfs not mounted")); the sensors loading below is the real test")
        }
        var bpfLSMActive = false
        if let lsms = try? String(contentsOfFile: "/sys/kernel/security/lsm", encoding: .utf8) {
            let list = lsms.trimmingCharacters(in: .whitespacesAndNewlines)
            bpfLSMActive = list.split(separator: ",").contains("bpf")
            report(bpfLSMActive, "BPF-LSM", bpfLSMActive ? "active (lsm=\(list))" : "not in the active LSM list (\(list)); not used")
        } else {
            report(false, "BPF-LSM", "unknown (\(securityfs ? "no lsm file" : "securityfs not mounted")); not used")
        }

        let (compatPossible, compatDetail) = Self.compatABI()
        report(compatPossible, "32-bit syscalls", compatDetail)

        guard !blocking else {
            print("Warden cannot run here: fix the FAIL lines above.")
            throw ExitCode.failure
        }
        do {
            let sensors = try SensorSet()
            report(true, "sensors", "loaded and attached in \(String(format: "%.0f", sensors.loadSeconds * 1000)) ms: \(sensors.attachedPrograms.joined(separator: ", "))")
            report(true, "ring buffer", "\(sensors.options.ringBufferBytes >> 20) MiB BPF ring buffer")
            let ioUring = !sensors.unavailablePrograms.contains("on_io_uring_complete")
            report(ioUring, "io_uring sensor", ioUring ? "tp_btf/io_uring_complete: opens made by an io_uring are file events like open's"
                   : "this kernel has no io_uring_complete tracepoint (built without io_uring?): there are no rings to open files through")
            let receives = !sensors.unavailablePrograms.contains(SensorSet.receiveProgram)
            report(receives, "receive sensor", receives ? "tp_btf/sock_recv_length: a process is network-tainted by the bytes it receives (UDP, passed sockets, io_uring), not only by its connects"
                   : "this kernel has no sock_recv_length tracepoint (before Linux 6.3): processes are tainted by their connects and accepts only; datagrams and passed sockets go unseen")
            let killWorks = try SignalProbe.run(signal: SIGKILL)
            let holdWorks = try SignalProbe.run(signal: SIGSTOP)
            switch killWorks {
            case .works: report(true, "kernel-kill", "bpf_send_signal(SIGKILL) at sched_process_exec kills a new image before it runs")
            case .noEffect(let status): report(false, "kernel-kill", "the probe child was not killed (wait status \(status))")
            }
            switch holdWorks {
            case .works: report(true, "hold-kill", "bpf_send_signal(SIGSTOP) at exec holds a new image before it runs; pidfd continue works")
            case .noEffect(let status): report(false, "hold-kill", "the probe child was not held (wait status \(status)): enforce mode cannot hold here")
            }
            report(false, "lsm-deny", bpfLSMActive ? "BPF-LSM is active, but Warden does not use it yet" : "unavailable (BPF-LSM not active); enforce mode holds and kills instead")
            print("Warden will use: tp_btf sensors for exec, fork, exit, io_uring completions and syscall exit (opens, open_by_handle_at, failed execs, renames, links, symlinks, connects, unix connects to servers outside the session, io_uring_setup, the mount API, ptrace attach, process_vm_readv/writev, signals out of the session, the first call through a compat ABI); in-kernel lineage; ring buffer delivery.")
            if killWorks == .works && holdWorks == .works {
                print("Enforce mode (--enforce) will use: hold-kill for execs in agent lineages, guarded opens, renames/links, io_uring set-up, mounts, ptrace attach, process_vm_*, unix connects to servers outside the session and the first compat-ABI call by tool processes; kernel-kill when an event cannot be delivered and --fail-mode is closed.")
            } else {
                print("Enforce mode is not available on this kernel: run in audit mode.")
            }
        } catch {
            report(false, "sensors", "\(error)", required: true)
            throw ExitCode.failure
        }
    }

    /// Whether processes here can make syscalls through a 32-bit ABI (which Warden reports as
    /// `compat` calls): "ok" means the interface exists, i.e. the class is live on this host.
    static func compatABI() -> (Bool, String) {
        #if arch(x86_64)
        // abi/vsyscall32 exists only with CONFIG_IA32_EMULATION; ia32_emulation= on the command
        // line switches it at boot (the kernel's default may be off: IA32_EMULATION_DEFAULT_DISABLED).
        let compiled = access("/proc/sys/abi/vsyscall32", F_OK) == 0
        let cmdline = ((try? String(contentsOfFile: "/proc/cmdline", encoding: .utf8)) ?? "").split(separator: " ")
        let setting = cmdline.last { $0.hasPrefix("ia32_emulation=") }.map { String($0.dropFirst("ia32_emulation=".count)) }
        guard compiled else {
            return (false, "ia32 emulation is not built into this kernel: int 0x80 and 32-bit programs cannot make calls")
        }
        if let setting, ["0", "n", "no", "off", "false"].contains(setting.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()) {
            return (false, "ia32 emulation is built in but disabled (ia32_emulation=\(setting)): int 0x80 and 32-bit programs cannot make calls")
        }
        let how = setting.map { " (ia32_emulation=\($0))" } ?? " (built in; off only if the kernel was built with IA32_EMULATION_DEFAULT_DISABLED)"
        return (true, "ia32 emulation is enabled\(how): int 0x80 and 32-bit programs work; their first call per image is reported as compat")
        #else
        return (true, "AArch32 tasks (where the CPU runs them) are reported as compat by number")
        #endif
    }
}
