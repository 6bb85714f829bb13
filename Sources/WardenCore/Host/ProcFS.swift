import Foundation

/// A process as /proc shows it: what Warden needs to seed lineage for processes already running.
public struct ProcProcess: Sendable, Hashable {
    public var pid: UInt32
    public var ppid: UInt32
    public var executablePath: ByteString
    public var executable: FileIdentity?
    public var argv: [ByteString]
    /// Watched variables only (see WatchedEnvironment).
    public var environment: [String: ByteString] = [:]
    public var cwd: ByteString?
}

/// Reads /proc. Processes can vanish at any moment, so every read may fail and is skipped then.
public struct ProcFS: Sendable {
    public var root: String

    public init(root: String = "/proc") {
        self.root = root
    }

    public func pids() -> [UInt32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap(UInt32.init).sorted()
    }

    /// Whether `pid` has the pipe `inode` open for writing (fd link `pipe:[inode]`, and an access
    /// mode of O_WRONLY or O_RDWR in its fdinfo).
    public func writes(pipe inode: UInt64, pid: UInt32) -> Bool {
        let base = "\(root)/\(pid)"
        let target = "pipe:[\(inode)]"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: base + "/fd")) ?? []
        for fd in fds where (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(base)/fd/\(fd)")) == target {
            guard let info = FileManager.default.contents(atPath: "\(base)/fdinfo/\(fd)"),
                  let line = String(decoding: info, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
                  let flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8) else { continue }
            if flags & 0o3 != 0 { return true }
        }
        return false
    }

    public func process(_ pid: UInt32) -> ProcProcess? {
        let base = "\(root)/\(pid)"
        guard let stat = FileManager.default.contents(atPath: base + "/stat"),
              let ppid = Self.parentPID(fromStat: Array(stat)) else { return nil }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/exe")) ?? ""
        let cmdline = FileManager.default.contents(atPath: base + "/cmdline").map { Array($0) } ?? []
        let environ = FileManager.default.contents(atPath: base + "/environ").map { Array($0) } ?? []
        return ProcProcess(pid: pid, ppid: ppid, executablePath: ByteString(exe),
                           executable: FileStat.identity(of: base + "/exe"),
                           argv: ByteString.splitArguments(cmdline[...]),
                           environment: WatchedEnvironment.extract(environ[...]),
                           cwd: (try? FileManager.default.destinationOfSymbolicLink(atPath: base + "/cwd")).map { ByteString($0) })
    }

    /// Every live process, keyed by pid.
    public func snapshot() -> [UInt32: ProcProcess] {
        var result: [UInt32: ProcProcess] = [:]
        for pid in pids() {
            if let process = process(pid) { result[pid] = process }
        }
        return result
    }

    /// The process is stopped by a signal (state `T` in /proc/PID/stat; a ptrace stop is `t`).
    public func isStopped(_ pid: UInt32) -> Bool {
        guard let stat = FileManager.default.contents(atPath: "\(root)/\(pid)/stat") else { return false }
        return Self.state(fromStat: Array(stat)) == UInt8(ascii: "T")
    }

    /// The state field of /proc/PID/stat (`R`, `S`, `T`, ...).
    static func state(fromStat stat: [UInt8]) -> UInt8? {
        fieldsAfterComm(stat)?.first?.first
    }

    /// The ppid field of /proc/PID/stat. comm (field 2) may contain spaces and parentheses, so
    /// parsing starts after the last ')'.
    static func parentPID(fromStat stat: [UInt8]) -> UInt32? {
        guard let fields = fieldsAfterComm(stat), fields.count >= 2 else { return nil }
        return UInt32(String(decoding: fields[1], as: UTF8.self))
    }

    /// The fields of /proc/PID/stat after comm (field 2), which may hold spaces and parentheses:
    /// they start after the last ')'. Field 3 (the state) comes first.
    private static func fieldsAfterComm(_ stat: [UInt8]) -> [ArraySlice<UInt8>]? {
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        return stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    }
}
