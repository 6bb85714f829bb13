/// Names for numbers that appear in file events.
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

    public static func octal(_ value: UInt32) -> String {
        let digits = String(value, radix: 8)
        return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }
}
