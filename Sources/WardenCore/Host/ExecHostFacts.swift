import Glibc

/// What the host tells about an exec beyond the kernel's record, added before any stage sees the
/// exec:
///
/// - the watched variables past the kernel's 8 KiB copy of a truncated environment, read from
///   `/proc/PID/environ` (from where the kernel's whole entries end: what the kernel copied stays
///   authoritative). In enforce mode the process is held at its exec, so this is exactly the
///   exec's environment. In audit mode the process runs on: it may have exited (the rest is
///   `unread`), exec'd another image (checked by executable identity: `unread`), or rewritten
///   its environment memory in place (not detectable; a documented race);
/// - the Python start-up modules (`sitecustomize`, `usercustomize`) in the directories of an
///   injected PYTHONPATH, resolved as the process resolves them (docs/rules.md).
///
/// Synchronous, on the processing thread, unlike script reading (a worker, with the exec
/// `.pending` until the answer rings the doorbell): the completed environment must be in the
/// exec's record before the lineage table keeps it, since children are judged against their
/// parent image's environment, and a late answer would mean applying the exec twice. Both reads
/// are cheap and rare: reading environ is a copy from the process's memory, done only for a
/// truncated environment (bounded by `environmentLimit`); the PYTHONPATH check lists a few
/// directories, only when PYTHONPATH was changed by the exec's caller. An ordinary exec costs one
/// dictionary lookup.
public final class ExecHostFacts: Sendable {
    /// The kernel limits argv and environment together to 6 MiB (3/4 of the 8 MiB stack limit
    /// cap, fs/exec.c): reading up to 8 MiB reads any environment whole.
    public static let environmentLimit = 8 << 20
    /// What the lineage table may keep of the watched variables read from /proc, per value and in
    /// all: the kernel's copy keeps at most 8 KiB, and an attacker can give thousands of live
    /// processes 6 MiB environments. Past either bound the rest is `unread` (an Error when the
    /// exec's caller padded the environment), never silently cut.
    static let valueLimit = 32 << 10
    static let restLimit = 256 << 10
    /// PYTHONPATH directories looked at, and entries read per directory: a hostile value can
    /// list thousands of directories, or a directory with millions of files.
    static let pythonPathLimit = 64
    static let directoryEntryLimit = 16_384
    static let startupModules: [[UInt8]] = [Array("sitecustomize".utf8), Array("usercustomize".utf8)]

    private let procRoot: String
    private let environmentLimit: Int

    public init(procRoot: String = "/proc", environmentLimit: Int = ExecHostFacts.environmentLimit) {
        self.procRoot = procRoot
        self.environmentLimit = environmentLimit
    }

    /// `e` with the host's facts; `e` itself when there is nothing to add.
    public func annotate(_ e: ExecEvent, parent: ProcessRecord?) -> ExecEvent {
        let pythonPathSet = e.environment["PYTHONPATH"] != nil
        guard e.environmentTruncated || pythonPathSet else { return e }
        var environment = e.environment
        var rest = EnvironmentRest.notNeeded
        if e.environmentTruncated {
            if let tail = readEnvironment(pid: e.process.pid, from: e.environmentCopied, executable: e.executable) {
                environment.merge(tail) { _, later in later }
                rest = .read
            } else {
                rest = .unread
            }
        }
        var hooks: [ByteString] = []
        if let pythonPath = environment["PYTHONPATH"], WatchedEnvironment.injected(environment, of: e, parent: parent).contains("PYTHONPATH") {
            hooks = pythonStartupHooks(pythonPath, pid: e.process.pid, cwd: e.cwd)
        }
        guard rest != .notNeeded || !hooks.isEmpty else { return e }
        return e.with(environment: environment, rest: rest, pythonStartupHooks: hooks)
    }

    /// The watched variables of `/proc/PID/environ` from byte `offset` on; nil when the process
    /// no longer runs `executable`, the environment is longer than the limit (what lies past it
    /// is unknown, so nothing read can be called the rest), or the watched values are longer
    /// than Warden keeps.
    func readEnvironment(pid: UInt32, from offset: Int, executable: FileIdentity) -> [String: ByteString]? {
        let fd = open("\(procRoot)/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // Checked after the open: environ opened now belongs to the image that runs now.
        guard let running = FileStat.identity(of: "\(procRoot)/\(pid)/exe"),
              running.inode == executable.inode, running.device == executable.device else { return nil }
        var scanner = WatchedEnvironment.Scanner(entryLimit: Self.valueLimit)
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var position = offset
        while true {
            let want = min(chunk.count, environmentLimit + 1 - position)
            guard want > 0 else { return nil }
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            scanner.feed(chunk[0..<n])
            position += n
        }
        let found = scanner.finish()
        guard !scanner.skippedWatched, found.values.reduce(0, { $0 + $1.bytes.count }) <= Self.restLimit else { return nil }
        return found
    }

    /// The start-up modules Python would import from the directories of `pythonPath` (an empty
    /// entry is the working directory), as absolute paths: any `sitecustomize` or
    /// `usercustomize` entry, whether a `.py`, a `.pyc`, an extension module or a package.
    func pythonStartupHooks(_ pythonPath: ByteString, pid: UInt32, cwd: ByteString) -> [ByteString] {
        var hooks: [ByteString] = []
        var seen = Set<[UInt8]>()
        for entry in pythonPath.bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).prefix(Self.pythonPathLimit) {
            let directory = ByteString(entry.isEmpty ? [UInt8(ascii: ".")] : Array(entry))
            let absolute = PathJoin.lexical(base: cwd, relative: directory)
            guard seen.insert(absolute.bytes).inserted else { continue }
            for name in startupEntries(directory, pid: pid, cwd: cwd) {
                hooks.append(ByteString(absolute.bytes + [UInt8(ascii: "/")] + name))
            }
        }
        return hooks
    }

    /// The names in `directory` that Python imports as a start-up module.
    private func startupEntries(_ directory: ByteString, pid: UInt32, cwd: ByteString) -> [[UInt8]] {
        let candidates = ProcessPath.candidates(procRoot: procRoot, pid: pid, path: directory, cwd: cwd)
        var handle = ProcessPath.withCString(candidates[0]) { opendir($0) }
        // The exec's cwd only when the process's own view is gone: it exited, or is exiting (a
        // zombie has no cwd or root link), as a short-lived process in audit mode often is.
        if handle == nil, !ProcessPath.viewExists(procRoot: procRoot, pid: pid, path: directory) {
            handle = ProcessPath.withCString(candidates[1]) { opendir($0) }
        }
        guard let handle else { return [] }
        defer { closedir(handle) }
        var found: [[UInt8]] = []
        var count = 0
        while count < Self.directoryEntryLimit, let entry = readdir(handle) {
            count += 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if Self.isStartupModule(name) { found.append(name) }
        }
        return found.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// `sitecustomize` or `usercustomize`, alone (a package) or followed by a suffix
    /// (`.py`, `.pyc`, `.cpython-311-x86_64-linux-gnu.so`).
    static func isStartupModule(_ name: [UInt8]) -> Bool {
        startupModules.contains { module in
            name.starts(with: module) && (name.count == module.count || name[module.count] == UInt8(ascii: "."))
        }
    }
}
