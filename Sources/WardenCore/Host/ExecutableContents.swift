import Glibc

/// Opens the file a process image runs, making sure it is that file: through /proc/PID/exe (the
/// kernel's own file object, which no rename can swap) while the image still runs, else through
/// its path; either way only if the opened file has the identity the kernel reported at exec.
/// Host access: never called on the poll thread.
enum ExecutableContents {
    /// A descriptor of the executable (the caller closes it), or nil.
    static func open(pid: UInt32, identity: FileIdentity, path: String) -> Int32? {
        for candidate in ["/proc/\(pid)/exe", path] {
            if let fd = openIfIdentical(candidate, identity: identity) { return fd }
        }
        return nil
    }

    /// A descriptor of the regular file at `path`, if it is `identity` (any file when nil). The
    /// path is first opened with O_PATH, which neither blocks on a FIFO nor acts on a device, and
    /// only a regular file with the identity is reopened for reading, through /proc/self/fd: what
    /// is read later is the file that was checked.
    static func openIfIdentical(_ path: String, identity: FileIdentity?) -> Int32? {
        let pathFD = Glibc.open(path, HostScriptReader.openPath | O_CLOEXEC)
        guard pathFD >= 0 else { return nil }
        defer { close(pathFD) }
        var st = stat()
        guard fstat(pathFD, &st) == 0, st.st_mode & S_IFMT == S_IFREG,
              identity.map({ UInt64(st.st_ino) == $0.inode && FileIdentity.kernelDevice(fromStatDevice: UInt64(st.st_dev)) == $0.device }) ?? true
        else { return nil }
        let fd = Glibc.open("/proc/self/fd/\(pathFD)", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }
}
