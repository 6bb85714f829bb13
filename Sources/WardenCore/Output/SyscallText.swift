/// Names for numbers that appear in file events.
public enum SyscallText {
    /// "O_WRONLY|O_CREAT|O_TRUNC" for open flags (x86_64 values).
    public static func openFlags(_ flags: UInt64) -> String {
        var names: [String]
        switch flags & 0o3 {
        case 0: names = ["O_RDONLY"]
        case 1: names = ["O_WRONLY"]
        default: names = ["O_RDWR"]
        }
        let known: [(UInt64, String)] = [
            (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
            (0o4000, "O_NONBLOCK"), (0o200000, "O_DIRECTORY"), (0o400000, "O_NOFOLLOW"),
            (0o2000000, "O_CLOEXEC"), (0o10000000, "O_PATH"), (0o20000000 | 0o200000, "O_TMPFILE"),
        ]
        for (bit, name) in known where flags & bit == bit {
            if name == "O_DIRECTORY", flags & 0o20000000 != 0 { continue }
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

    public static func octal(_ value: UInt32) -> String {
        let digits = String(value, radix: 8)
        return digits.count >= 4 ? digits : String(repeating: "0", count: 4 - digits.count) + digits
    }
}
