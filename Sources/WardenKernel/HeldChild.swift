import CWardenSpawn
import Glibc

/// A child process started held before its exec, so Warden can track it before it runs anything.
public final class HeldChild {
    /// The command could not be started (not a kernel failure: no BPF hints apply).
    public struct StartError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let pid: pid_t
    private var releaseFD: Int32

    /// Starts `arguments[0]` (searched in PATH) held.
    public init(arguments: [String]) throws {
        guard let program = arguments.first else { throw StartError(description: "no command to run") }
        guard let path = Self.resolve(program) else {
            throw StartError(description: "cannot run `\(program)`: not an executable file, nor found in PATH")
        }
        var cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var fd: Int32 = -1
        let pid = warden_spawn_held(path, &cArguments, &fd)
        guard pid > 0 else { throw StartError(description: "cannot start `\(program)`: \(String(cString: strerror(errno)))") }
        self.pid = pid
        self.releaseFD = fd
    }

    /// Lets the child exec.
    public func release() throws {
        guard releaseFD >= 0 else { return }
        let result = warden_spawn_release(releaseFD)
        releaseFD = -1
        if result != 0 { throw KernelError("releasing the command", errno: errno) }
    }

    deinit {
        if releaseFD >= 0 { close(releaseFD) } // the child exits 126 without running
    }

    /// Waits for the child; returns its wait status, or nil if it has not exited (when `block` is false).
    public func wait(block: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid { return status }
            if result == 0 { return nil }
            if errno != EINTR { return nil }
        }
    }

    /// Waits until the child stops or exits; returns the wait status.
    func waitStopped() -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WUNTRACED)
            if result == pid { return status }
            if errno != EINTR { return nil }
        }
    }

    public static func resolve(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let searchPath = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
