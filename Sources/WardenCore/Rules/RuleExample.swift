import Yams

/// A compact description of an event and its surroundings, used as a rule's test case.
///
///     - {argv: [sh], exe: /usr/bin/dash, stdin: pipe, stdin_writer: [curl, -fsSL, https://x/i.sh]}
///     - {type: open, path: /home/u/.ssh/id_ed25519, by: [cat, /home/u/.ssh/id_ed25519]}
///     - {type: rename, source: /home/u/.bashrc.tmp, path: /home/u/.bashrc, by: [sed, -i, x, .bashrc]}
///
/// Keys (all optional): `type` (exec, open or rename, default exec); the process: `exe`, `setid`
/// (true: its executable is setuid or setgid), `argv`,
/// `filename`, `interpreter` (shebang interpreter: makes `filename` a script), `cwd`, `stdin`,
/// `stdout`, `env` (mapping), `env_truncated` (true: the environment was longer than the kernel
/// copies), `env_rest` (read or unread: its rest from /proc), `python_startup_hooks` (start-up modules found in its PYTHONPATH); its surroundings:
/// `parent` and `ancestors` (`{exe, argv, env, env_truncated}`,
/// ancestors listed from the agent root down), `agent` (agent name, default claude-code),
/// `agent_interpreters` (the agent's declared interpreters),
/// `stdin_writer` (argv of a process piping into stdin), `stdin_writer_late` (true: the writer
/// execs after the example's process, as `sh` often starts before `curl` in `curl | sh`),
/// `written` (a path the lineage wrote first); for opens: `path`, `write`, `error`, `by` (argv
/// of the opener); for renames: `path` (the destination), `source`, `operation` (rename, link or
/// symlink; default rename), `error`, `by`. Origins (docs/rules.md): `tainted` (true: the process
/// is network-tainted; for an exec, the image that called it), `network_input` (stdin, file: what
/// the image that called the exec was handed, as `proc.network_input`), `origin` (network, package or decoded: the
/// executable's, or the opened file's), `stdin_origin` (stdin's, with `stdin: file` or `pipe`),
/// `written_origin` (the origin the `written` files were written with).
/// For connects (`type: connect`): `address`, `port`, `by`. For syscall events (`type: syscall`):
/// `call` (io_uring_setup, ptrace, kill, ...; for opens, the open's syscall: io_uring_openat,
/// open_by_handle_at), `signal` (SIGSTOP, ...) or `argument` (a number), `target` (outside,
/// session, warden, self or none; default outside), `held_target` (true: the kernel holds the
/// target), `sender_killed` (true: the kernel killed the sender), `job_control` (true: the
/// target's parent continued it after collecting its stop), `path`, `error`, `by`; for
/// `call: compat`, `abi` (ia32, x32, aarch32) and `argument` (the number in that ABI); for
/// `call: connect` (a unix connect), `path` is the server's name, `server` its executable
/// (`call.target_exe`), `abstract` (true) marks an abstract name and `abi: ia32` a connect through
/// the i386 interface. `abi` on an exec: the exec'd image is a 32-bit program. For opens and renames: `guarded` (the
/// canonical guarded path the file is by identity, as `file.guarded_path`) and `guarded_by` (file
/// or directory; default file). `script_code` (the content of the script the exec's interpreter
/// runs, as `proc.script_code` sees it; for an open of a `.pth` by Python, that file's content)
/// and `script_truncated` (true: the file was longer than Warden reads).
public struct RuleExample: Sendable, Hashable {
    public struct Process: Sendable, Hashable {
        public var exe: String?
        public var argv: [String]
        public var env: [String: String]
        /// The environment was longer than the kernel copies (`exec.env_truncated`).
        public var envTruncated = false
        /// Whether its rest was read from /proc (`exec.env_rest`).
        public var envRest = EnvironmentRest.notNeeded
        /// Its executable file is setuid or setgid (`proc.exe_setid`).
        public var setid = false
    }

    public var type = "exec"
    public var process = Process(exe: nil, argv: ["true"], env: [:])
    public var filename: String?
    public var interpreter: String?
    public var cwd = "/home/dev/project"
    public var stdin = "tty"
    public var stdout = "tty"
    public var parent: Process?
    public var ancestors: [Process] = []
    public var agent = "claude-code"
    /// The agent's declared interpreters (agents.yaml `interpreters:`).
    public var agentInterpreters: [String] = []
    public var stdinWriter: [String]?
    public var stdinWriterLate = false
    public var written: [String] = []
    /// Who wrote `written`: a process started by the parent (`{exe, argv}`), or `agent` for the
    /// agent's root process itself; a process Warden never saw exec when absent.
    public var writtenBy: Process?
    public var writtenByAgent = false
    public var path: String?
    public var write = false
    public var source: String?
    public var operation = RenameOperation.rename
    public var error: String?
    public var tainted = false
    public var networkInput: NetworkInput = []
    public var origin: DataOrigin = []
    public var stdinOrigin: DataOrigin = []
    public var writtenOrigin: DataOrigin = []
    public var address = "93.184.216.34"
    public var port: UInt16 = 443
    public var guarded: String?
    public var guardedBy = GuardedFile.Match.file
    /// The script's content, given to the spine as if read from the file.
    public var scriptCode: String?
    public var scriptTruncated = false
    /// The syscall of a syscall event, or of an open (nil: openat).
    public var call: Syscall?
    public var argument: UInt64 = 0
    /// outside, session, warden, self or none.
    public var target = "outside"
    /// The kernel holds the target (a signal example).
    public var heldTarget = false
    /// The kernel killed the sender (a second SIGCONT to the same hold).
    public var senderKilled = false
    /// The signal is the target's parent answering a stop it collected (job control).
    public var jobControl = false
    /// A unix connect's server executable (`call.target_exe`); nil: unknown.
    public var server: String?
    /// A unix connect's server name is abstract.
    public var abstract = false
    /// Start-up modules found in the exec's PYTHONPATH (`exec.python_startup_hooks`).
    public var pythonStartupHooks: [String] = []
    /// A compat call's ABI (`call.abi`), or the exec'd image's (`proc.abi`): ia32, x32, aarch32.
    public var abi = SyscallABI.native
    public var location: SourceLocation

    init(_ node: Node, file: String) throws(RuleError) {
        location = RuleSource.location(node, file)
        guard let mapping = node.mapping else { throw RuleError(location, "an example must be a mapping such as {argv: [sh], stdin: pipe}") }
        for (key, value) in mapping {
            let at = RuleSource.location(key, file)
            switch key.string ?? "" {
            case "type":
                guard let t = value.string, ["exec", "open", "rename", "connect", "syscall"].contains(t) else {
                    throw RuleError(at, "`type` must be exec, open, rename, connect or syscall")
                }
                type = t
            case "exe": process.exe = value.string
            case "setid": process.setid = value.bool ?? false
            case "argv", "by": process.argv = try Self.strings(value, at)
            case "env": process.env = try Self.env(value, at)
            case "env_truncated": process.envTruncated = value.bool ?? false
            case "env_rest":
                guard let rest = value.string.flatMap(EnvironmentRest.init(rawValue:)), rest != .notNeeded else {
                    throw RuleError(at, "`env_rest` must be read or unread")
                }
                process.envRest = rest
            case "python_startup_hooks": pythonStartupHooks = try Self.strings(value, at)
            case "filename": filename = value.string
            case "interpreter": interpreter = value.string
            case "cwd": cwd = value.string ?? cwd
            case "stdin": stdin = value.string ?? stdin
            case "stdout": stdout = value.string ?? stdout
            case "parent": parent = try Self.process(value, at)
            case "ancestors":
                guard let items = value.sequence else { throw RuleError(at, "`ancestors` must be a list") }
                ancestors = try items.map { (item: Node) throws(RuleError) -> Process in try Self.process(item, at) }
            case "agent": agent = value.string ?? agent
            case "agent_interpreters": agentInterpreters = try Self.strings(value, at)
            case "stdin_writer": stdinWriter = try Self.strings(value, at)
            case "stdin_writer_late": stdinWriterLate = value.bool ?? false
            case "written": written = value.sequence != nil ? try Self.strings(value, at) : [value.string ?? ""]
            case "written_by":
                if value.string == "agent" { writtenByAgent = true } else { writtenBy = try Self.process(value, at) }
            case "path": path = value.string
            case "write": write = value.bool ?? false
            case "error": error = value.string
            case "source": source = value.string
            case "tainted": tainted = value.bool ?? false
            case "network_input":
                let names = try Self.strings(value, at)
                guard let unknown = names.first(where: { name in !NetworkInput.named.contains { $0.1 == name } }) else {
                    networkInput = NetworkInput(names: names); break
                }
                throw RuleError(at, "`network_input`: unknown `\(unknown)` (stdin, file)")
            case "origin": origin = try Self.origin(value, at)
            case "stdin_origin": stdinOrigin = try Self.origin(value, at)
            case "written_origin": writtenOrigin = try Self.origin(value, at)
            case "address": address = value.string ?? address
            case "port":
                guard let number = value.int.flatMap(UInt16.init(exactly:)) else { throw RuleError(at, "`port` must be a number 0-65535") }
                port = number
            case "guarded": guarded = value.string
            case "guarded_by":
                guard let m = value.string.flatMap(GuardedFile.Match.init(rawValue:)) else { throw RuleError(at, "`guarded_by` must be file or directory") }
                guardedBy = m
            case "call":
                guard let c = value.string.flatMap(Syscall.init(rawValue:)), c != .unknown else { throw RuleError(at, "`call` must be a syscall Warden reports (io_uring_setup, ptrace, kill, io_uring_openat, ...)") }
                call = c
            case "signal":
                guard let number = (1...64).first(where: { SyscallText.signalName(UInt64($0)) == value.string }) else {
                    throw RuleError(at, "`signal` must be a signal name such as SIGSTOP or SIGRTMIN+1")
                }
                argument = UInt64(number)
            case "argument":
                guard let number = value.int.flatMap(UInt64.init(exactly:)) else { throw RuleError(at, "`argument` must be a number") }
                argument = number
            case "target":
                guard let t = value.string, ["outside", "session", "warden", "self", "none"].contains(t) else {
                    throw RuleError(at, "`target` must be outside, session, warden, self or none")
                }
                target = t
            case "abi":
                guard let a = value.string.flatMap(SyscallABI.init(rawValue:)), a != .native else {
                    throw RuleError(at, "`abi` must be ia32, x32 or aarch32")
                }
                abi = a
            case "held_target": heldTarget = value.bool ?? false
            case "sender_killed": senderKilled = value.bool ?? false
            case "job_control": jobControl = value.bool ?? false
            case "server": server = value.string
            case "abstract": abstract = value.bool ?? false
            case "script_code": scriptCode = value.string
            case "script_truncated": scriptTruncated = value.bool ?? false
            case "operation":
                guard let o = value.string.flatMap(RenameOperation.init(rawValue:)) else { throw RuleError(at, "`operation` must be rename, link or symlink") }
                operation = o
            default:
                throw RuleError(at, "unknown example key `\(key.string ?? "?")`")
            }
        }
        if type == "open" || type == "rename", path == nil { throw RuleError(location, "an \(type) example needs `path:`") }
        if type == "syscall", call == nil { throw RuleError(location, "a syscall example needs `call:`") }
        if server != nil || abstract, call != .connect { throw RuleError(location, "`server` and `abstract` describe a unix connect (`call: connect`)") }
        if scriptTruncated, scriptCode == nil { throw RuleError(location, "`script_truncated` needs `script_code:`") }
        if stdinWriterLate, stdinWriter == nil { throw RuleError(location, "`stdin_writer_late` needs `stdin_writer:`") }
    }

    private static func origin(_ node: Node, _ at: SourceLocation) throws(RuleError) -> DataOrigin {
        guard let origin = node.string.flatMap(DataOrigin.init(name:)) else {
            throw RuleError(at, "an origin is one of: \(DataOrigin.named.map(\.1).joined(separator: ", "))")
        }
        return origin
    }

    private static func strings(_ node: Node, _ at: SourceLocation) throws(RuleError) -> [String] {
        guard let items = node.sequence else { throw RuleError(at, "expected a list of strings") }
        var result: [String] = []
        for item in items {
            guard let text = item.string else { throw RuleError(at, "expected strings") }
            result.append(text)
        }
        return result
    }

    private static func env(_ node: Node, _ at: SourceLocation) throws(RuleError) -> [String: String] {
        guard let mapping = node.mapping else { throw RuleError(at, "`env` must be a mapping NAME: value") }
        var result: [String: String] = [:]
        for (key, value) in mapping { result[key.string ?? ""] = value.string ?? "" }
        return result
    }

    private static func process(_ node: Node, _ at: SourceLocation) throws(RuleError) -> Process {
        guard let mapping = node.mapping else { throw RuleError(at, "expected {exe, argv, env}") }
        var process = Process(exe: mapping["exe"]?.string, argv: [], env: [:])
        if let argv = mapping["argv"] { process.argv = try strings(argv, at) }
        if let env = mapping["env"] { process.env = try Self.env(env, at) }
        process.envTruncated = mapping["env_truncated"]?.bool ?? false
        if process.argv.isEmpty { process.argv = [process.exe.map { String($0.split(separator: "/").last ?? "") } ?? "true"] }
        return process
    }
}
