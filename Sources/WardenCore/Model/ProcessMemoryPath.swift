/// `/proc/PID/mem` and `/proc/PID/task/TID/mem`: another process's memory as a file. Reading it
/// takes a token out of a running process; writing it puts code in one. The kernel reports the
/// path of the opened file with the pid as a number (`/proc/self/mem` arrives as `/proc/1234/mem`).
public enum ProcessMemoryPath {
    private static let proc = Array("/proc/".utf8)
    private static let task = Array("task/".utf8)
    private static let mem = Array("mem".utf8)

    /// The thread group whose memory `path` is, or nil when it is not a process memory file.
    /// Asked of every open a rule looks at: a prefix test rejects other paths before any parsing.
    public static func pid(_ path: [UInt8]) -> UInt32? {
        guard path.count >= 10, path.starts(with: proc) else { return nil }
        var cursor = proc.count
        guard let pid = number(in: path, at: &cursor), cursor < path.count, path[cursor] == UInt8(ascii: "/") else { return nil }
        cursor += 1
        if path[cursor...].starts(with: task) {
            cursor += task.count
            guard number(in: path, at: &cursor) != nil, cursor < path.count, path[cursor] == UInt8(ascii: "/") else { return nil }
            cursor += 1
        }
        return path[cursor...].elementsEqual(mem) ? pid : nil
    }

    /// The decimal number at `cursor` (1 to 10 digits, fitting 32 bits), moving past it.
    private static func number(in path: [UInt8], at cursor: inout Int) -> UInt32? {
        var value: UInt64 = 0
        let start = cursor
        while cursor < path.count, cursor - start < 11, path[cursor] >= UInt8(ascii: "0"), path[cursor] <= UInt8(ascii: "9") {
            value = value * 10 + UInt64(path[cursor] - UInt8(ascii: "0"))
            cursor += 1
        }
        guard cursor > start, cursor - start <= 10 else { return nil }
        return UInt32(exactly: value)
    }
}
