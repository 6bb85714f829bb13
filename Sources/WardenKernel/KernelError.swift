import Glibc

/// A failed kernel or libbpf operation: what was attempted, the errno, and what to do about it.
public struct KernelError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var errno: Int32
    public var detail: String?

    public init(_ operation: String, errno: Int32, detail: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = "\(operation) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        if let hint { text += "; \(hint)" }
        if let detail, !detail.isEmpty { text += "\n\(detail)" }
        return text
    }

    private var hint: String? {
        switch errno {
        case EPERM, EACCES: return "run Warden as root (it needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)"
        case ENOENT: return "the kernel lacks a tracepoint or BTF type Warden needs; run `warden doctor`"
        case E2BIG, ENOSPC: return "a kernel table is full"
        case EINVAL: return "the kernel rejected the request; run `warden doctor` to see what it supports"
        default: return nil
        }
    }
}

/// A requirement the host does not meet, found before touching the kernel.
public struct PreflightError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// Checks what every kernel-facing command needs: root and kernel BTF.
    public static func check(btfPath: String = "/sys/kernel/btf/vmlinux") throws {
        guard geteuid() == 0 else {
            throw PreflightError("warden needs root to load its BPF programs (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): run it with sudo")
        }
        guard access(btfPath, R_OK) == 0 else {
            throw PreflightError("this kernel has no BTF at \(btfPath): Warden's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y")
        }
    }
}
