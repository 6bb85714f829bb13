import Glibc

/// A path as a process resolves it, for reading what the process is about to read (a script, a
/// PYTHONPATH directory).
enum ProcessPath {
    /// Most faithful first: through `/proc/PID/cwd` (relative) or `/proc/PID/root` (absolute),
    /// which follow the process's own working directory and root while it exists (held, in
    /// enforce mode); then `path` joined lexically with the exec's `cwd`, for a process already
    /// gone (audit mode).
    static func candidates(procRoot: String, pid: UInt32, path: ByteString, cwd: ByteString) -> [[UInt8]] {
        let relative = !path.hasPrefix("/")
        let process = Array("\(procRoot)/\(pid)/\(relative ? "cwd/" : "root")".utf8)
        return [process + path.bytes, PathJoin.lexical(base: cwd, relative: path).bytes]
    }

    /// Whether the process's own view for `path` (its cwd link for a relative path, its root
    /// link for an absolute one) still resolves.
    static func viewExists(procRoot: String, pid: UInt32, path: ByteString) -> Bool {
        access("\(procRoot)/\(pid)/\(path.hasPrefix("/") ? "root" : "cwd")", F_OK) == 0
    }

    /// `path` as a NUL-terminated C string, for the Glibc calls that take one.
    static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var cString = path.map { CChar(bitPattern: $0) }
        cString.append(0)
        return cString.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
