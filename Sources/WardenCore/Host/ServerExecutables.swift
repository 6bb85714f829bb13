import Glibc

/// Names the server of an AF_UNIX connect: the executable of the process the kernel gave as the
/// connection's peer (`call.target_exe`), read from `/proc/PID/exe` when the event arrives.
///
/// The kernel read the server's executable identity at the call; the path read here is kept only
/// when its file is that identity, so a server that exited and whose pid was reused, or that
/// exec'd another program since, is not named after the wrong program. In enforce mode the client
/// is held at the connect, so the server is read while the connection stands. A server running
/// an executable since deleted or replaced (a package upgrade under a long-lived tmux server)
/// shows as `/usr/bin/tmux (deleted)` in /proc: the suffix is dropped when the file has no link
/// left, since the program is what the name was. Synchronous and cheap: one readlink and one stat,
/// only for unix connects outside the session.
public final class ServerExecutables: Sendable {
    private let procRoot: String

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// `call` with the server's executable path; `call` itself when it is not a unix connect or
    /// nothing could be read.
    public func annotate(_ call: SyscallEvent) -> SyscallEvent {
        guard call.isUnixConnect, call.target.contains(.process), call.targetPID > 0, call.targetExecutablePath.isEmpty,
              let path = executable(pid: UInt32(call.targetPID), expected: call.targetExecutable) else { return call }
        return call.with(targetExecutablePath: path)
    }

    func executable(pid: UInt32, expected: FileIdentity) -> ByteString? {
        let link = "\(procRoot)/\(pid)/exe"
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(link, &buffer, buffer.count)
        guard count > 0 else { return nil }
        var path = Array(buffer[..<count])
        let identity = FileStat.identity(of: link)
        if expected.kind != .none {
            guard let identity, identity.inode == expected.inode, identity.device == expected.device else { return nil }
        }
        let deleted = Array(" (deleted)".utf8)
        if path.count > deleted.count, Array(path.suffix(deleted.count)) == deleted, identity?.links == 0 {
            path.removeLast(deleted.count)
        }
        return ByteString(path)
    }
}
