import Dispatch
import Glibc
import Synchronization

/// What Warden read of the script an interpreter is about to run (`python3 ./helper.py`, a
/// shebang script): its first bytes, and how the reading went. Shared between the reader's cache
/// and the execs that ran the same file.
public final class ScriptCode: Sendable {
    public enum Status: String, Sendable {
        /// The whole file was read.
        case read
        /// The file is longer than the reading limit: `bytes` is its beginning.
        case truncated
        /// A FIFO, device, directory or socket: never opened for reading (a FIFO's open blocks,
        /// a device's open may act).
        case notRegular = "not-regular"
        /// No such file (already deleted, or the path does not resolve).
        case missing
        /// The file exists but could not be opened or read.
        case unreadable
        /// No answer within the exec's waiting bound: judged without the code.
        case timeout
        /// Nothing reads scripts here (replay, benchmarks, rule examples without `script_code`),
        /// or the answer was forgotten.
        case uninspected
    }

    public let bytes: [UInt8]
    public let status: Status
    /// The file's size when it was read (0 when it was not).
    public let size: UInt64

    public init(bytes: [UInt8], status: Status, size: UInt64 = 0) {
        self.bytes = bytes
        self.status = status
        self.size = size
    }

    public static let timeout = ScriptCode(bytes: [], status: .timeout)
    public static let uninspected = ScriptCode(bytes: [], status: .uninspected)
}

/// One script to read: the path as the interpreter will open it, relative to the exec's working
/// directory, for the process `pid` (which, in enforce mode, is held and cannot move).
public struct ScriptRequest: Sendable {
    public var execID: UInt64
    public var pid: UInt32
    public var path: ByteString
    public var cwd: ByteString
    /// Set when the program is the regular file on the process's stdin (`python3 < x.py`): it is
    /// read through /proc/PID/fd/0, and only if it is still this file.
    public var stdin: FileIdentity?
    /// Set for a file the process has open (a .pth Python is about to run the lines of): read
    /// through /proc/PID/fd/FD while it is open, else through `path` (absolute, as the kernel
    /// resolved it), and only if it is still this file.
    public var opened: (fd: Int32, file: FileIdentity)?
    /// A module a start-up file's line imports (`path`, absolute, as the process sees it): read
    /// at once like the start-up file; never one of the recorded scripts.
    public var module: Bool

    public init(execID: UInt64, pid: UInt32, path: ByteString, cwd: ByteString, stdin: FileIdentity? = nil,
                opened: (fd: Int32, file: FileIdentity)? = nil, module: Bool = false) {
        self.execID = execID
        self.pid = pid
        self.path = path
        self.cwd = cwd
        self.stdin = stdin
        self.opened = opened
        self.module = module
    }
}

/// Where script code comes from: the host's files, read on a worker (`HostScriptReader`), or
/// given text (rule examples). The processing thread asks and later collects the answers; a
/// source may answer before `ask` returns.
public protocol ScriptSource: AnyObject, Sendable {
    func ask(_ request: ScriptRequest)
    /// The answers that arrived since the last call, by exec id.
    func takeAnswers() -> [(execID: UInt64, code: ScriptCode)]
    /// Returns once every question asked so far is answered (replay, tests).
    func waitForAnswers()
    /// Reads at once, on the caller's thread: a small file the process has just opened (a .pth),
    /// judged at its open.
    func readNow(_ request: ScriptRequest) -> ScriptCode
}

extension ScriptSource {
    public func readNow(_ request: ScriptRequest) -> ScriptCode { .uninspected }
}

/// Reads scripts from the host on a worker of its own, safely and bounded:
///
/// - the path is resolved as the process sees it: through `/proc/PID/cwd` (relative) or
///   `/proc/PID/root` (absolute) while the process exists, else against the exec's cwd; a
///   program on stdin is read through `/proc/PID/fd/0`, if it is still the exec's stdin file;
/// - the file is first opened with `O_PATH` (which never blocks and has no effect on devices or
///   FIFOs) and checked with `fstat`: only a regular file is then opened for reading, through
///   `/proc/self/fd/N`, so what is read is the very file that was checked (no swap between the
///   check and the read); the final symlink is followed, as the interpreter follows it;
/// - at most `limit` bytes (64 KiB) are read; the answer says when the file was longer;
/// - the bytes are kept as they are (no UTF-8 decoding: rules match bytes), except that NUL
///   bytes read as spaces, since a NUL would end the value for `regex`;
/// - answers are cached by the file's (device, inode, size, ctime), so a script run again and
///   again is read once (ctime, not mtime: `touch -r` can set an mtime back after a rewrite); the
///   cache holds at most `cacheBytes` and is emptied past that;
/// - the doorbell, if any, wakes the poller when an answer is in.
public final class HostScriptReader: ScriptSource {
    public static let defaultLimit = 64 << 10
    private let limit: Int
    private let cacheBytes: Int
    private let queue = DispatchQueue(label: "warden.script-reader", qos: .userInitiated)
    private let answers = Mutex<[(execID: UInt64, code: ScriptCode)]>([])
    private let cache = Mutex<(entries: [FileVersion: ScriptCode], bytes: Int)>(([:], 0))
    private let procRoot: String
    private let doorbell: Doorbell?

    struct FileVersion: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var ctimeSeconds: Int
        var ctimeNanoseconds: Int
    }

    /// O_PATH (Glibc exports it only under _GNU_SOURCE): the same value on x86-64 and arm64.
    static let openPath: Int32 = 0o10000000

    public init(limit: Int = defaultLimit, cacheBytes: Int = 16 << 20, procRoot: String = "/proc", doorbell: Doorbell? = nil) {
        self.limit = limit
        self.cacheBytes = cacheBytes
        self.procRoot = procRoot
        self.doorbell = doorbell
    }

    public func ask(_ request: ScriptRequest) {
        queue.async {
            let code = self.read(request)
            self.answers.withLock { $0.append((request.execID, code)) }
            self.doorbell?.ring()
        }
    }

    public func takeAnswers() -> [(execID: UInt64, code: ScriptCode)] {
        answers.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    public func waitForAnswers() {
        queue.sync {}
    }

    /// A file the process has open, read on the caller's thread: through its descriptor while
    /// the process holds it (enforce mode holds it at the open), else through its resolved path;
    /// either way only if it is still the file the kernel reported (same device and inode).
    public func readNow(_ request: ScriptRequest) -> ScriptCode {
        guard let opened = request.opened else { return read(request) }
        for path in [Array("\(procRoot)/\(request.pid)/fd/\(opened.fd)".utf8), request.path.bytes] {
            let fd = ProcessPath.withCString(path) { open($0, Self.openPath | O_CLOEXEC) }
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let code = readOpened(fd, expected: opened.file)
            if code.status != .missing { return code }
        }
        return ScriptCode(bytes: [], status: .missing)
    }

    /// The paths to try, most faithful first: the process's own view, then the exec's cwd.
    func candidatePaths(_ request: ScriptRequest) -> [[UInt8]] {
        if request.stdin != nil { return [Array("\(procRoot)/\(request.pid)/fd/0".utf8)] }
        return ProcessPath.candidates(procRoot: procRoot, pid: request.pid, path: request.path, cwd: request.cwd)
    }

    func read(_ request: ScriptRequest) -> ScriptCode {
        var processGone = false
        var last = ScriptCode(bytes: [], status: .missing)
        for (index, path) in candidatePaths(request).enumerated() {
            // The cwd fallback only when the process is gone (audit mode, a short-lived script):
            // its own view, when it has one, is the truth.
            if index == 1 && !processGone { break }
            let fd = ProcessPath.withCString(path) { open($0, Self.openPath | O_CLOEXEC) }
            if fd < 0 {
                let error = errno
                if index == 0 {
                    processGone = access("\(procRoot)/\(request.pid)", F_OK) != 0
                }
                last = ScriptCode(bytes: [], status: error == ENOENT || error == ENOTDIR ? .missing : .unreadable)
                continue
            }
            defer { close(fd) }
            return readOpened(fd, expected: request.stdin)
        }
        return last
    }

    /// Reads the regular file behind an `O_PATH` descriptor.
    private func readOpened(_ pathFD: Int32, expected: FileIdentity?) -> ScriptCode {
        var st = stat()
        guard fstat(pathFD, &st) == 0 else { return ScriptCode(bytes: [], status: .unreadable) }
        guard st.st_mode & S_IFMT == S_IFREG else { return ScriptCode(bytes: [], status: .notRegular) }
        if let expected, UInt64(st.st_ino) != expected.inode
            || FileIdentity.kernelDevice(fromStatDevice: UInt64(st.st_dev)) != expected.device {
            // Not the file the exec had on stdin (or the process opened) any more.
            return ScriptCode(bytes: [], status: .missing)
        }
        let version = FileVersion(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                                  ctimeSeconds: st.st_ctim.tv_sec, ctimeNanoseconds: st.st_ctim.tv_nsec)
        if let cached = cache.withLock({ $0.entries[version] }) { return cached }
        // Reopening the O_PATH descriptor reopens the same file: nothing can be swapped in.
        let fd = open("/proc/self/fd/\(pathFD)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return ScriptCode(bytes: [], status: .unreadable) }
        defer { close(fd) }
        var check = stat()
        guard fstat(fd, &check) == 0, check.st_ino == st.st_ino, check.st_dev == st.st_dev,
              check.st_mode & S_IFMT == S_IFREG else { return ScriptCode(bytes: [], status: .unreadable) }
        var bytes = [UInt8](repeating: 0, count: min(limit, max(0, Int(st.st_size))) + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + count, $0.count - count, off_t(count)) }
            if n < 0 {
                if errno == EINTR { continue }
                return ScriptCode(bytes: [], status: .unreadable)
            }
            if n == 0 { break }
            count += n
        }
        // One byte more than the limit was asked for: its arrival says the file is longer.
        let truncated = count > limit || Int(st.st_size) > limit
        bytes.removeSubrange(min(count, limit)...)
        // A NUL would end the value for `regex` (C strings): a payload behind one would be unseen.
        for index in bytes.indices where bytes[index] == 0 { bytes[index] = UInt8(ascii: " ") }
        let code = ScriptCode(bytes: bytes, status: truncated ? .truncated : .read, size: UInt64(max(0, st.st_size)))
        cache.withLock { cache in
            if cache.bytes + bytes.count > cacheBytes {
                cache.entries.removeAll()
                cache.bytes = 0
            }
            cache.entries[version] = code
            cache.bytes += bytes.count
        }
        return code
    }
}

/// Scripts known in advance, answered at once: replay gives the scripts the live run read (the
/// export's `script` records; one the recording does not hold is `uninspected`), rule examples
/// give every script the example's `script_code`.
public final class KnownScriptSource: ScriptSource {
    private let scripts: [UInt64: ScriptCode]
    private let otherwise: ScriptCode
    private let answers = Mutex<[(execID: UInt64, code: ScriptCode)]>([])

    public init(_ scripts: [UInt64: ScriptCode] = [:], otherwise: ScriptCode = .uninspected) {
        self.scripts = scripts
        self.otherwise = otherwise
    }

    public func ask(_ request: ScriptRequest) {
        let code = scripts[request.execID] ?? otherwise
        answers.withLock { $0.append((request.execID, code)) }
    }

    public func takeAnswers() -> [(execID: UInt64, code: ScriptCode)] {
        answers.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    public func waitForAnswers() {}

    /// An opened file (a .pth) is never one of the recorded scripts, which are keyed by the exec
    /// that ran them: replay answers `otherwise` (uninspected), examples their `script_code`; the
    /// modules a .pth imports are not known here at all.
    public func readNow(_ request: ScriptRequest) -> ScriptCode {
        if request.module { return .uninspected }
        return request.opened == nil ? scripts[request.execID] ?? otherwise : otherwise
    }
}
