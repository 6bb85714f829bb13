/// `/proc/PID/mem` and `/proc/PID/task/TID/mem`: another process's memory as a file. Reading it
/// takes a token out of a running process; writing it puts code in one. The kernel reports the
/// path of the opened file with the pid as a number (`/proc/self/mem` arrives as `/proc/1234/mem`).
public enum ProcessMemoryPath {
    /// The thread group whose memory `path` is, or nil when it is not a process memory file.
    public static func pid(_ path: [UInt8]) -> UInt32? {
        let parts = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        // "", "proc", PID, "mem"  or  "", "proc", PID, "task", TID, "mem"
        guard parts.count == 4 || parts.count == 6, parts[0].isEmpty, parts[1].elementsEqual("proc".utf8),
              parts.last!.elementsEqual("mem".utf8), parts.count == 4 || parts[3].elementsEqual("task".utf8) else { return nil }
        return number(parts[2])
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt32(exactly: digits.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - UInt8(ascii: "0")) })
    }
}
