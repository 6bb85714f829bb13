/// Names for numbers that appear in file and syscall events.
public enum SyscallText {
    /// "O_WRONLY|O_CREAT|O_TRUNC" for a file event's open flags (Warden's bits, the same on every
    /// architecture).
    public static func openFlags(_ flags: UInt64) -> String {
        let flags = OpenFlags(rawValue: flags)
        var names: [String]
        switch flags.accessMode {
        case .readOnly: names = ["O_RDONLY"]
        case .writeOnly: names = ["O_WRONLY"]
        default: names = ["O_RDWR"]
        }
        let known: [(OpenFlags, String)] = [
            (.create, "O_CREAT"), (.exclusive, "O_EXCL"), (.truncate, "O_TRUNC"), (.append, "O_APPEND"),
            (.nonBlocking, "O_NONBLOCK"), (.directory, "O_DIRECTORY"), (.noFollow, "O_NOFOLLOW"),
            (.closeOnExec, "O_CLOEXEC"), (.path, "O_PATH"), ([.temporaryFile, .directory], "O_TMPFILE"),
        ]
        for (bits, name) in known where flags.isSuperset(of: bits) {
            // O_TMPFILE includes the O_DIRECTORY bit; name it once.
            if bits == .directory, flags.contains(.temporaryFile) { continue }
            names.append(name)
        }
        return names.joined(separator: "|")
    }

    /// "ENOENT" for -2; nil for a result that is not an error.
    public static func errorName(_ result: Int64) -> String? {
        guard result < 0 else { return nil }
        let names: [Int64: String] = [
            1: "EPERM", 2: "ENOENT", 5: "EIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 12: "ENOMEM",
            13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR",
            22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC",
            30: "EROFS", 36: "ENAMETOOLONG", 40: "ELOOP", 95: "EOPNOTSUPP", 6: "ENXIO", 19: "ENODEV",
        ]
        return names[-result] ?? "E\(-result)"
    }

    /// "SIGSTOP" for 19: the standard signals, numbered alike on x86_64 and arm64; "SIGRTMIN+3"
    /// and "signal 99" for the rest.
    public static func signalName(_ number: UInt64) -> String {
        let names = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                     "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
                     "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
                     "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"]
        if number >= 1, number <= UInt64(names.count) { return names[Int(number) - 1] }
        if number >= 34, number <= 64 { return "SIGRTMIN+\(number - 34)" }
        return "signal \(number)"
    }

    /// "PTRACE_ATTACH" for 16, "PTRACE_SEIZE" for 0x4206 (the only requests Warden reports).
    public static func ptraceRequestName(_ request: UInt64) -> String {
        switch request {
        case 16: return "PTRACE_ATTACH"
        case 0x4206: return "PTRACE_SEIZE"
        default: return "request \(request)"
        }
    }

    /// The name of a compat call's number in its ABI's numbering: "open" for ia32's 5, "connect"
    /// for x32's 0x4000002a; "ia32 syscall 999" for a number not in the tables (the calls an
    /// attack or a 32-bit program's start makes; the tables are arch/x86/entry/syscalls and
    /// arch/arm/tools/syscall.tbl).
    public static func compatCallName(_ abi: SyscallABI, _ number: UInt64) -> String {
        let name: String?
        switch abi {
        case .ia32: name = ia32Names[number]
        case .x32: name = number & 0x4000_0000 != 0 ? x32Names[number & ~0x4000_0000] : nil
        case .aarch32: name = aarch32Names[number]
        case .native: name = nil
        }
        return name ?? "\(abi.rawValue.isEmpty ? "native" : abi.rawValue) syscall \(number)"
    }

    private static let ia32Names: [UInt64: String] = [
        1: "exit", 2: "fork", 3: "read", 4: "write", 5: "open", 6: "close", 7: "waitpid", 8: "creat", 9: "link", 10: "unlink",
        11: "execve", 12: "chdir", 14: "mknod", 15: "chmod", 19: "lseek", 20: "getpid", 21: "mount", 26: "ptrace", 33: "access",
        37: "kill", 38: "rename", 39: "mkdir", 40: "rmdir", 41: "dup", 42: "pipe", 45: "brk", 54: "ioctl", 61: "chroot",
        63: "dup2", 83: "symlink", 85: "readlink", 90: "mmap", 91: "munmap", 102: "socketcall", 114: "wait4", 120: "clone",
        122: "uname", 125: "mprotect", 140: "_llseek", 162: "nanosleep", 172: "prctl", 173: "rt_sigreturn", 174: "rt_sigaction",
        175: "rt_sigprocmask", 178: "rt_sigqueueinfo", 190: "vfork", 192: "mmap2", 195: "stat64", 197: "fstat64",
        199: "getuid32", 213: "setuid32", 224: "gettid", 238: "tkill", 243: "set_thread_area", 252: "exit_group",
        258: "set_tid_address", 270: "tgkill", 295: "openat", 301: "unlinkat", 302: "renameat", 303: "linkat", 304: "symlinkat",
        335: "rt_tgsigqueueinfo", 347: "process_vm_readv", 348: "process_vm_writev", 353: "renameat2", 356: "memfd_create",
        358: "execveat", 359: "socket", 361: "bind", 362: "connect", 363: "listen", 364: "accept4", 369: "sendto",
        371: "recvfrom", 384: "arch_prctl", 424: "pidfd_send_signal", 425: "io_uring_setup", 428: "open_tree",
        429: "move_mount", 432: "fsmount", 434: "pidfd_open", 437: "openat2",
    ]

    /// x32's numbers without bit 30: x86_64's, plus its own from 512.
    private static let x32Names: [UInt64: String] = [
        0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 9: "mmap", 10: "mprotect", 11: "munmap",
        12: "brk", 21: "access", 22: "pipe", 32: "dup", 33: "dup2", 39: "getpid", 41: "socket", 42: "connect", 43: "accept",
        44: "sendto", 49: "bind", 50: "listen", 56: "clone", 57: "fork", 58: "vfork", 60: "exit", 62: "kill", 63: "uname",
        82: "rename", 83: "mkdir", 84: "rmdir", 85: "creat", 86: "link", 87: "unlink", 88: "symlink", 89: "readlink",
        90: "chmod", 102: "getuid", 157: "prctl", 158: "arch_prctl", 186: "gettid", 200: "tkill", 231: "exit_group",
        234: "tgkill", 257: "openat", 264: "renameat", 265: "linkat", 266: "symlinkat", 316: "renameat2",
        319: "memfd_create", 424: "pidfd_send_signal", 425: "io_uring_setup", 437: "openat2", 512: "rt_sigaction",
        514: "ioctl", 517: "recvfrom", 520: "execve", 521: "ptrace", 539: "process_vm_readv", 540: "process_vm_writev",
        545: "execveat",
    ]

    /// ARM EABI numbers (a few: Warden reports AArch32 calls by number).
    private static let aarch32Names: [UInt64: String] = [
        1: "exit", 2: "fork", 3: "read", 4: "write", 5: "open", 6: "close", 8: "creat", 9: "link", 10: "unlink",
        11: "execve", 26: "ptrace", 37: "kill", 38: "rename", 83: "symlink", 120: "clone", 190: "vfork", 238: "tkill",
        248: "exit_group", 268: "tgkill", 281: "socket", 283: "connect", 322: "openat",
    ]

    public static func octal(_ value: UInt32) -> String {
        let digits = String(value, radix: 8)
        return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }
}
