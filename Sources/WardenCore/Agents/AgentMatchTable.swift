/// The agent catalog reduced to what the kernel matches at exec: file identities of agent
/// executables and exact exec paths of agent scripts, each with the agent's kernel id.
public struct AgentMatchTable: Sendable, Equatable {
    public struct FileKey: Sendable, Hashable {
        public var device: UInt32
        public var inode: UInt64
    }

    public var executables: [FileKey: UInt32] = [:]
    public var paths: [String: UInt32] = [:]

    public init() {}

    /// Expands every agent's globs against the file system now.
    public init(catalog: AgentCatalog, homes: [String] = PathGlob.homeDirectories()) {
        for (index, agent) in catalog.agents.enumerated() {
            let id = UInt32(index + 1)
            // Both lists say what the author expects; each file is matched the way its kind needs,
            // so a launcher that is a script on one host and a native binary on another (an
            // installer's standalone build) is recognised either way.
            for pattern in agent.executables + agent.commands {
                for path in PathGlob.expand(pattern, homes: homes) {
                    addProgram(path, id: id)
                }
            }
        }
    }

    /// Recognise every exec of the program at `path` as agent `id`: a native binary by its identity,
    /// a shebang script (a venv's `bin/aider`) by its path, because at its exec the kernel's
    /// executable is the interpreter and the script is only the path passed to execve.
    /// False when `path` is not a regular file.
    @discardableResult
    public mutating func addProgram(_ path: String, id: UInt32) -> Bool {
        guard FileStat.identity(of: path)?.kind == .regular else { return false }
        if FileStat.isShebangScript(path) {
            addCommand(path, id: id)
            return true
        }
        return addExecutable(path, id: id)
    }

    /// Recognise the regular file at `path` (by identity) as agent `id`.
    @discardableResult
    public mutating func addExecutable(_ path: String, id: UInt32) -> Bool {
        guard let identity = FileStat.identity(of: path), identity.kind == .regular else { return false }
        // The first agent to claim a file keeps it.
        let key = FileKey(device: identity.device, inode: identity.inode)
        if executables[key] == nil { executables[key] = id }
        return true
    }

    /// Recognise an exec of exactly `path`, or of the file it resolves to, as agent `id`.
    public mutating func addCommand(_ path: String, id: UInt32) {
        for candidate in [path, FileStat.realPath(path)] where candidate.utf8.count < 256 {
            paths[candidate] = paths[candidate] ?? id
        }
    }

    /// The agent whose root a running process is, judged as the kernel would at its exec: by the
    /// executable's identity, or by a script path in argv[0] or argv[1] (the kernel passes a
    /// shebang script's path to its interpreter as an argument).
    public func agent(of process: ProcProcess) -> UInt32? {
        if let exe = process.executable, let id = executables[FileKey(device: exe.device, inode: exe.inode)] {
            return id
        }
        for argument in process.argv.prefix(2) {
            if let id = paths[argument.text] { return id }
        }
        return nil
    }
}
