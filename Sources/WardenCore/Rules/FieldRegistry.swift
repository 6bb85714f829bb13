/// What a field's value depends on besides the event itself. When one of these changes after the
/// event was judged, the processing spine judges the event again with the rules that read it.
public struct FieldInputs: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Who writes into the process's stdin pipe: the writer may exec after the reader did.
    public static let stdinProvenance = FieldInputs(rawValue: 1 << 0)
    /// The code of the script an interpreter runs: read on a worker; when it arrives after the
    /// exec was judged (the wait ran out), the exec is judged again by the rules reading it.
    public static let scriptCode = FieldInputs(rawValue: 1 << 4)
}

/// A field the rule compiler treats specially, because its value is known before evaluation.
public enum FieldRole: Sendable {
    case plain
    /// The event's kind: comparisons compile to a kind test and index the rule by kind.
    case eventKind
    /// Tells opens that may change a file from reads: rules that require it are indexed by it.
    case openDirection
}

/// Every field a condition or output template may use. docs/rules.md documents the same list;
/// an unknown field in a rule is an error at load time, never a silent false.
public final class FieldDefinition: Sendable {
    public let name: String
    public let type: FieldType
    public let description: String
    /// nil: meaningful for every event kind.
    public let kinds: Set<EventKind>?
    public let inputs: FieldInputs
    public let role: FieldRole
    /// A field whose bytes always hold this field's bytes (file.name is the end of file.path): a
    /// literal this field's test needs occurs in that field too, so one scan of it can reject a
    /// group of tests on both (`RuleCompiler.necessaryGate`).
    let within: String?
    let read: @Sendable (EvaluationContext) -> FieldValue
    /// Slot in the evaluation context's per-event cache.
    public let index: Int

    init(name: String, type: FieldType, description: String, kinds: Set<EventKind>?, inputs: FieldInputs,
         role: FieldRole, within: String?, read: @escaping @Sendable (EvaluationContext) -> FieldValue, index: Int) {
        self.name = name
        self.type = type
        self.description = description
        self.kinds = kinds
        self.inputs = inputs
        self.role = role
        self.within = within
        self.read = read
        self.index = index
    }

    /// The field has a value for events of `kind`.
    public func applies(to kind: EventKind) -> Bool { kinds?.contains(kind) ?? true }
}

public enum FieldRegistry {
    public static let fields: [FieldDefinition] = build()
    public static let byName: [String: FieldDefinition] = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })

    /// The value of a field for the loaded event, computed once per event.
    static func value(_ field: FieldDefinition, in context: EvaluationContext) -> FieldValue {
        if let cached = context.cachedValue(field.index) { return cached }
        let value = field.read(context)
        context.store(value, at: field.index)
        return value
    }

    private static func build() -> [FieldDefinition] {
        var list: [FieldDefinition] = []
        func add(_ name: String, _ type: FieldType, _ kinds: Set<EventKind>?, _ description: String,
                 inputs: FieldInputs = [], role: FieldRole = .plain, within: String? = nil,
                 _ read: @escaping @Sendable (EvaluationContext) -> FieldValue) {
            list.append(FieldDefinition(name: name, type: type, description: description, kinds: kinds, inputs: inputs,
                                        role: role, within: within, read: read, index: list.count))
        }
        let execOnly: Set<EventKind> = [.exec]
        // Code an interpreter runs: at its exec, or, for Python, in a start-up file it opens.
        let codeKinds: Set<EventKind> = [.exec, .open]
        // A rename, link or symlink is judged by its destination, as a file written (see RenameEvent).
        let fileKinds: Set<EventKind> = [.open, .execFailed, .rename]
        let memfd = ByteSearch(Array("memfd:".utf8))

        add("evt.type", .string, nil, "exec, open, exec_failed, rename, connect, syscall, fork or exit", role: .eventKind) { .string($0.event.typeName) }

        add("proc.name", .string, nil, "file name of the executable the process runs (the interpreter for a script)", within: "proc.exe") { fieldText($0.record?.executablePath.lastPathComponent) }
        add("proc.exe", .string, nil, "resolved path of the executable") { fieldText($0.record?.executablePath) }
        add("proc.installed_name", .string, nil, "proc.name when the executable is the host's installed program: a file in a system directory (/usr, /bin, /sbin, /lib, /lib64, /opt) that no agent lineage wrote (by identity), renamed or linked into place since Warden started, other than as package-manager work; \"\" otherwise. Exempt programs by this, never by proc.name: a copy or hard link named like an exempted tool (`cp /bin/cat ./ssh`) is not the tool", within: "proc.exe") { c in
            guard let exec = c.exec, c.provenance.isInstalled(exec) else { return .string("") }
            return fieldText(c.record?.executablePath.lastPathComponent)
        }
        add("proc.exe_setid", .bool, nil, "the executable file is setuid or setgid (its mode as the kernel read it at exec): su, passwd, unix_chkpwd. Its privilege is what lets it read what its caller cannot, such as /etc/shadow") { c in
            .bool((c.exec?.executable.mode ?? 0) & 0o6000 != 0)
        }
        add("proc.comm", .string, nil, "the kernel's 15-byte task name (not identity)") { fieldText($0.exec?.comm) }
        add("proc.argv", .list, nil, "all arguments, argv[0] included") { .byteList($0.record?.argv ?? []) }
        add("proc.options", .list, nil, "the command line's options in one spelling, whatever spelling the program's parser takes: `--name`, and `--name=value` for `--name value`, `--name=value` and `--permissionMode value` (camelCase, as yargs takes it) alike: `--permission-mode=bypassPermissions`; `-x` and `-x=value` for `-x value`, `-x=value`, `-xvalue`; each flag of a cluster `-abc`; an option followed by a word gives both readings; none after `--`") { .byteList(CommandOptions.of($0.record?.argv ?? [])) }
        add("proc.args", .string, nil, "arguments after argv[0], joined by spaces") { .bytes(fieldJoin(Array($0.record?.argv.dropFirst() ?? []))) }
        add("proc.cmdline", .string, nil, "argv joined by spaces") { .bytes(fieldJoin($0.record?.argv ?? [])) }
        add("proc.argc", .number, nil, "argument count as the kernel saw it") { .number(Int64($0.exec?.argc ?? UInt32($0.record?.argv.count ?? 0))) }
        add("proc.pid", .number, nil, "process id") { .number(Int64($0.event.process?.pid ?? 0)) }
        add("proc.ppid", .number, nil, "parent process id") { .number(Int64($0.exec?.ppid ?? 0)) }
        add("proc.uid", .number, nil, "real uid") { .number(Int64($0.exec?.uid ?? 0)) }
        add("proc.euid", .number, nil, "effective uid") { .number(Int64($0.exec?.euid ?? 0)) }
        add("proc.cwd", .string, nil, "working directory at exec") { fieldText($0.exec?.cwd) }
        add("proc.filename", .string, nil, "path as passed to execve") { fieldText($0.exec?.filename) }
        add("proc.script", .string, nil, "the script a shebang or an interpreter argument runs, \"\" if none") { c in
            fieldText(c.exec.flatMap { InterpreterInvocation.script(of: $0, interpreter: c.interpreter) })
        }
        add("proc.interpreter", .string, nil, "shell, python, node, bun, deno, perl, ruby, php, lua, tcl, powershell, or \"\"") { .string($0.interpreter?.kind.rawValue ?? "") }
        add("proc.is_interpreter", .bool, nil, "runs an interpreter, recognised by identity (renamed copies and links count)") { .bool($0.interpreter != nil) }
        add("proc.is_shell", .bool, nil, "runs a shell") { .bool($0.interpreter?.kind == .shell) }
        add("proc.interpreter_disguised", .bool, nil, "an interpreter whose file name does not say so (a renamed copy or link)") { .bool($0.interpreter?.disguised == true) }
        add("proc.inline_code", .string, nil, "code given on an interpreter's command line (sh -c, python -c, node -e/-p, perl/ruby/lua -e pieces joined by newlines, php -r), read with the interpreter's option grammar; all arguments when the argv does not parse; \"\" if none") { .bytes($0.inlineCode ?? ByteString([])) }
        add("proc.inline_code_length", .number, nil, "bytes of inline code (0 if none)") { .number(Int64($0.inlineCode?.bytes.count ?? 0)) }
        add("proc.script_code", .string, execOnly, "the first 64 KiB of the program file an interpreter runs (a shebang script, its script argument, or a regular file on stdin), read while the exec waits (held, in enforce mode); bytes as they are; \"\" if none or unread (see proc.script_code_status)", inputs: .scriptCode) { .bytes(ByteString($0.scriptCode?.bytes ?? [])) }
        add("proc.script_code_status", .string, codeKinds, "how reading the script (for an open: the Python start-up file) went: read, truncated (longer than 64 KiB), not-regular (FIFO, device, directory: never opened), missing, unreadable, timeout, uninspected (nothing reads scripts: replay, benchmarks); \"\" if no script", inputs: .scriptCode) { .string($0.scriptCode?.status.rawValue ?? "") }
        add("proc.script_code_truncated", .bool, execOnly, "the script is longer than what was read (64 KiB)", inputs: .scriptCode) { .bool($0.scriptCode?.status == .truncated) }
        add("proc.code", .string, codeKinds, "the code an interpreter runs, from its command line or its script: proc.inline_code and proc.script_code, joined by a newline if both; one condition covers `python3 -c CODE` and `python3 file.py` holding CODE. For Python's open of a start-up file (`*.pth`), the lines of it Python runs (those starting with `import`), read from the file at the open, then the source of the modules they import found in its directory (`M.py`, `M/__init__.py`)", inputs: .scriptCode) { .bytes($0.code) }
        add("proc.startup_lines", .string, [.open], "for Python's open of a start-up file (`*.pth`): the lines of it Python runs (those starting with `import`), without the modules they import (proc.code holds both); \"\" otherwise", inputs: .scriptCode) { .bytes($0.startupLines) }
        add("proc.code_length", .number, codeKinds, "bytes of proc.code", inputs: .scriptCode) { .number(Int64($0.code.bytes.count)) }
        add("proc.code_evidence", .string, codeKinds, "for alerts: up to 4 numbered lines of proc.code holding calls the code rules look for (exec, eval, decoding, downloads, sockets, ...)", inputs: .scriptCode) { .bytes($0.codeEvidence) }
        add("proc.has_encoded_blob", .bool, nil, "an argument holds a long base64 or hex run (120+ characters)") { c in
            .bool(c.record?.argv.contains { EncodedBlob.contains($0.bytes) } == true)
        }
        add("proc.arg_is_home", .bool, nil, "an argument is a home directory (or ~, $HOME)") { c in
            let homes = Set(c.provenance.homes.flatMap { [$0, $0 + "/"] } + ["~", "~/", "$HOME", "${HOME}"])
            return .bool(c.record?.argv.dropFirst().contains { homes.contains($0.text) } == true)
        }
        add("proc.script_location", .string, nil, "temp, workspace, home, system or other for proc.script; \"\" if none") { c in
            guard let e = c.exec, let script = InterpreterInvocation.script(of: e, interpreter: c.interpreter) else { return .string("") }
            let path = PathJoin.lexical(base: e.cwd, relative: script).bytes
            return .bytes(c.provenance.location(of: path, lineage: c.lineage, sessionID: e.process.sessionID).nameBytes)
        }
        add("proc.has_inline_code", .bool, nil, "an interpreter given code on its command line (or an argv that does not parse)") { .bool($0.inlineCode != nil) }
        add("proc.reads_code_from_stdin", .bool, nil, "an interpreter with no script and no inline code whose stdin is not a terminal (`curl | sh`, `python3 - <<EOF`)") { c in
            .bool(c.readsCodeFromStdin)
        }
        add("proc.code_source", .string, nil, "where an interpreter's argv says its code comes from: inline, script, module, stdin, none, unparsed; \"\" for other processes") { c in
            .string(c.invocation?.source.name ?? "")
        }
        add("proc.pcode_source", .string, nil, "proc.code_source of the parent image (for an exec, the image that called it): xargs, awk or make are \"\", `perl -ne` inline, a persistent interactive shell stdin") { c in
            .string(c.parentInvocation?.source.name ?? "")
        }
        add("proc.argv_unparsed", .bool, nil, "an interpreter's argv does not fit its option grammar (unknown option, option without its value, -c without code); such argv is never read as a script path") { .bool($0.invocation?.isUnparsed == true) }
        add("proc.preloaded_code", .list, nil, "code loaded before the program: node -r/--import/--loader, perl -M, ruby -r, lua -l, bash --rcfile, php auto_prepend_file, ld.so --preload") { .byteList($0.preloadedCode) }
        add("proc.via_loader", .bool, nil, "the executable is the dynamic loader run as a program (`ld-linux-x86-64.so.2 /bin/dash`); proc.interpreter and the code fields then describe its program") { .bool($0.loaderInvocation != nil) }
        add("proc.loader_program", .string, nil, "the program the dynamic loader runs when executed as a program, \"\" otherwise") { fieldText($0.loaderInvocation?.program) }
        add("proc.stdin", .string, nil, "what fd 0 is: tty, pipe, socket, null, regular, char, none") { fieldStdio($0, 0) }
        add("proc.stdout", .string, nil, "what fd 1 is") { fieldStdio($0, 1) }
        add("proc.stderr", .string, nil, "what fd 2 is") { fieldStdio($0, 2) }
        add("proc.exe_location", .string, nil, "temp, workspace, home, system or other") { c in
            .bytes(c.provenance.location(of: c.record?.executablePath.bytes ?? [], lineage: c.lineage, sessionID: c.event.process?.sessionID ?? 0).nameBytes)
        }
        add("proc.exe_deleted", .bool, nil, "the executable has no links: deleted, or a memfd") { .bool($0.exec.map { $0.executable.kind == .regular && $0.executable.links == 0 } ?? false) }
        add("proc.exe_memfd", .bool, nil, "the executable is a memfd (memfd_create + execveat)") { .bool($0.record.map { memfd.occurs(in: $0.executablePath.bytes) } == true) }
        add("proc.package_manager", .bool, nil, "the image runs a package manager, recognised by what runs: a package-manager binary (apt, dpkg, cargo, uv, ...), a script inside a package manager's own distribution (site-packages/pip/, node_modules/npm/) or its launcher in a bin directory, `python -m pip`/`-m ensurepip`; never a file this lineage wrote outside package-manager work") { .bool($0.provenance.packageManager(of: $0.event).runs) }
        add("proc.ppackage_manager_work", .bool, nil, "the parent image is package-manager work (proc.package_manager_work): for an exec, the caller that made its argv and environment is a package manager or runs below one (pip's build isolation sets PYTHONPATH to an environment with its own sitecustomize)") { c in
            .bool(c.event.process.map { c.provenance.isPackageManagerWork($0.parentExecID) } ?? false)
        }
        add("proc.ppackage_manager", .bool, nil, "the parent image runs a package manager itself (proc.package_manager): for an exec, the caller is npm, pip, cargo, ... (npm's `sh -c` for a lifecycle script), not a script below one (an install script's own `sh -c`)") { c in
            .bool(c.event.process.map { c.provenance.isPackageManager($0.parentExecID) } ?? false)
        }
        add("proc.package_manager_work", .bool, nil, "the image, or an image above it since the session began, runs a package manager (pip's build isolation, build backends, install scripts, ensurepip's pip)") { .bool($0.provenance.packageManager(of: $0.event).work) }
        add("proc.depth", .number, nil, "generations below the agent root (0 for the root)") { .number(Int64($0.ancestors.count)) }

        add("proc.pname", .string, nil, "parent image's executable file name") { fieldText($0.parent?.executablePath.lastPathComponent) }
        add("proc.pexe", .string, nil, "parent image's executable path") { fieldText($0.parent?.executablePath) }
        add("proc.git_settings", .list, nil, "settings a git command line makes, persistently (`git config KEY VALUE`, `--add`, `git config set`) or for its run (`git -c KEY=VALUE`, `--config-env`), as key=value with section and name lowercased; for an exec of any program, also the settings git reads from variables its caller set (GIT_CONFIG_COUNT with GIT_CONFIG_KEY_n/VALUE_n, GIT_CONFIG_PARAMETERS, GIT_PAGER, GIT_EDITOR, GIT_SEQUENCE_EDITOR, GIT_SSH_COMMAND, GIT_SSH, GIT_EXTERNAL_DIFF, GIT_PROXY_COMMAND)") { .byteList(gitSettings($0)) }
        add("proc.git_commands", .list, nil, "those of proc.git_settings that make git run a command: core.hooksPath, core.fsmonitor (not boolean), core.pager, pager.*, core.editor, sequence.editor, core.sshCommand, core.askpass, core.gitProxy, alias.*=!…, filter.*.clean|smudge|process, diff.*.textconv|command, merge.*.driver, gpg[.*].program, include[If.*].path, remote.*.uploadpack|receivepack, uploadpack.packObjectsHook, a credential helper that is a command, a path or an unknown name") { c in
            .byteList(GitGrammar.commandSettings(gitSettings(c)))
        }
        add("proc.pcmdline", .string, nil, "parent image's argv joined") { .bytes(fieldJoin($0.parent?.argv ?? [])) }
        add("proc.pinterpreter", .string, nil, "parent's interpreter kind or \"\"") { .string($0.interpreter(of: $0.parent?.exec)?.kind.rawValue ?? "") }
        add("proc.anames", .list, nil, "executable file names of all ancestors up to the agent root") { .byteList($0.ancestors.map { $0.executablePath.lastPathComponent }) }
        add("proc.aexes", .list, nil, "executable paths of all ancestors") { .byteList($0.ancestors.map { $0.executablePath }) }
        add("proc.acmdlines", .list, nil, "argv of all ancestors, each joined") { .byteList($0.ancestors.map { fieldJoin($0.argv) }) }

        add("agent.name", .string, nil, "the agent this lineage belongs to") { c in .string(c.catalog.name(of: c.event.process?.agentID ?? 0) ?? "") }
        add("agent.root_exe", .string, nil, "executable of the agent root") { fieldText($0.agentRoot?.executablePath) }
        add("agent.root_cmdline", .string, nil, "argv of the agent root") { .bytes(fieldJoin($0.agentRoot?.argv ?? [])) }
        add("agent.is_root", .bool, execOnly, "this exec is the agent root itself (or the first image of a `warden run` / adopted root)") { c in
            guard case .exec(let e) = c.event else { return .bool(false) }
            let session = e.process.sessionID
            return .bool(e.isAgentRoot || e.process.execID == session || e.previousExecID == session)
        }
        add("proc.runs_agent_binary", .bool, nil, "the process runs the same executable as the agent root's current image (the agent itself, or its own relaunch)") { c in
            guard let record = c.record, let root = c.agentRoot else { return .bool(false) }
            let current = c.lineage.latest(pid: root.pid) ?? root
            return .bool(record.executablePath == current.executablePath || record.executablePath == root.executablePath)
        }
        add("agent.expects_interpreter", .bool, nil, "the agent declares no expected interpreters, or the process's interpreter is one of them (true for non-interpreters)") { c in
            guard let kind = c.interpreter?.kind, let declared = c.catalog.definition(of: c.event.process?.agentID ?? 0)?.interpreters,
                  !declared.isEmpty else { return .bool(true) }
            return .bool(declared.contains(kind))
        }
        add("agent.workspace", .string, nil, "the agent root's working directory") { fieldText($0.agentRoot?.cwd) }

        add("exec.argv_truncated", .bool, execOnly, "argv was longer than Warden reads (8 KiB)") { .bool($0.exec?.argvTruncated == true) }
        add("exec.env_truncated", .bool, execOnly, "the environment was longer than the kernel copies (8 KiB); live, the rest is read from /proc (exec.env_rest)") { .bool($0.exec?.environmentTruncated == true) }
        add("exec.env_names", .list, execOnly, "watched environment variables present") { .list($0.exec?.environment.keys.sorted() ?? []) }
        add("exec.env", .list, execOnly, "watched environment variables as NAME=value") { c in
            .list(c.exec?.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.text)" } ?? [])
        }
        add("exec.env_rest", .string, execOnly, "for a truncated environment, whether the rest was read from /proc: read (exec.env is complete), unread (the process was gone or ran another image: audit mode), \"\" when not truncated or not live") { .string($0.exec?.environmentRest.rawValue ?? "") }
        add("exec.env_truncated_here", .bool, execOnly, "the environment was truncated and the parent image's was not: whoever made this exec padded it (an environment inherited long, as in some CI shells, is not)") { c in
            guard let e = c.exec, e.environmentTruncated, e.process.execID != e.process.sessionID,
                  let parent = c.parent?.exec else { return .bool(false) }
            return .bool(!parent.environmentTruncated)
        }
        add("exec.node_preloads", .list, execOnly, "modules NODE_OPTIONS preloads (-r, --require, --import, --loader, --experimental-loader anywhere in it, split as node splits it)") { c in
            .byteList(c.exec?.environment["NODE_OPTIONS"].map(NodeGrammar.preloads(inEnvironment:)) ?? [])
        }
        add("exec.python_startup_hooks", .list, execOnly, "sitecustomize/usercustomize modules found in the directories of a PYTHONPATH the exec's caller set or changed (absolute paths; checked on the host when the exec arrived)") { .byteList($0.exec?.pythonStartupHooks ?? []) }

        add("file.path", .string, fileKinds, "resolved path (see docs/events.md); for rename, the destination") { fieldText($0.file?.path) }
        add("file.name", .string, fileKinds, "last path component", within: "file.path") { fieldText($0.file?.path.lastPathComponent) }
        add("file.requested", .string, fileKinds, "path argument as passed") { fieldText($0.file?.requested) }
        add("file.workspace_path", .string, fileKinds, "file.path relative to the agent's working directory (agent.workspace) when inside it, else \"\": `.claude/settings.json` is the agent's own, `repo/.claude/settings.json` a cloned project's") { c in
            guard let path = c.file?.path.bytes, let root = c.agentRoot?.cwd?.bytes, !root.isEmpty else { return .string("") }
            let prefix = root.last == UInt8(ascii: "/") ? root : root + [UInt8(ascii: "/")]
            guard path.count > prefix.count, path.starts(with: prefix) else { return .string("") }
            return .bytes(ByteString(Array(path[prefix.count...])))
        }
        add("file.sourced_by_shell", .bool, [.open], "a shell opens the file to source it, as its inline code says (`. ./f`, `source f`, `eval '. f'`, `$x f`, `source <(…)`, a sourced expansion), not as a redirect's target; see docs/rules.md") { c in
            guard c.interpreter?.kind == .shell, let code = c.inlineCode, let path = c.file?.requested else { return .bool(false) }
            return .bool(ShellSourcing.sources(code: code.bytes, path: path.bytes))
        }
        add("file.write", .bool, fileKinds, "opened for writing, creation or truncation; always true for rename (the destination now names the process's file)", role: .openDirection) { .bool($0.file?.isWrite == true) }
        add("file.process_memory_of", .string, [.open], "for /proc/PID/mem (and /proc/PID/task/TID/mem): whose memory the file is: self, session (a process of the caller's own session) or outside (any other process); \"\" for other files") { c in
            guard let pid = ProcessMemoryPath.pid(c.file?.path.bytes ?? []), let caller = c.event.process else { return .string("") }
            if pid == caller.pid { return .string("self") }
            let owner = c.lineage.latest(pid: pid)
            return .string(owner != nil && owner?.sessionID == caller.sessionID && caller.sessionID != 0 ? "session" : "outside")
        }
        add("file.syscall", .string, fileKinds, "the call that opened or named the file: open, openat, openat2, creat, open_by_handle_at (no path argument), io_uring_openat (an io_uring's open), rename, renameat2, link, symlink, execve, ...") { .string($0.file?.syscall.rawValue ?? "") }
        add("file.result", .number, fileKinds, "fd, 0 for rename, or -errno") { .number($0.file?.result ?? 0) }
        add("file.error", .string, fileKinds, "ENOENT, EACCES, ... or \"\"") { .string($0.file.flatMap { SyscallText.errorName($0.result) } ?? "") }
        add("file.kind", .string, fileKinds, "regular, directory, pipe, socket, char, none") { .bytes($0.file?.file.kind.nameBytes ?? FileKind.none.nameBytes) }
        add("file.source", .string, [.rename], "rename/link: the source path made absolute; symlink: the link's text as given") { c in
            guard case .rename(let r) = c.event else { return .string("") }
            return .bytes(r.source)
        }
        add("file.operation", .string, [.rename], "rename, link or symlink") { c in
            guard case .rename(let r) = c.event else { return .string("") }
            return .string(r.operation.rawValue)
        }
        add("file.guarded", .bool, fileKinds, "the file is a guarded file (`guarded_paths`) by identity (device + inode), whatever name reached it: a hard link, symlink, bind mount or /proc/PID/root path; for rename, the file the destination now names") { .bool($0.file?.guarded != nil) }
        add("file.guarded_path", .string, fileKinds, "the canonical guarded path of that identity (for a file in a guarded directory, the directory joined with its name); \"\" when not guarded") { fieldText($0.file?.guarded?.path) }
        add("file.guarded_by", .string, fileKinds, "file (its own identity is in the guarded table) or directory (it is directly in a guarded directory); \"\" when not guarded") { .string($0.file?.guarded?.match.rawValue ?? "") }
        add("file.guarded_alias", .bool, fileKinds, "the file is guarded by identity but file.path is not its canonical path: it was reached, or a rename or link named it, through another name (a hard link, bind mount, renamed copy)") { c in
            guard let guarded = c.file?.guarded else { return .bool(false) }
            return .bool(guarded.path != c.file?.path)
        }
        add("file.location", .string, fileKinds, "temp, workspace, home, system or other") { c in
            .bytes(c.provenance.location(of: c.file?.path.bytes ?? [], lineage: c.lineage, sessionID: c.event.process?.sessionID ?? 0).nameBytes)
        }

        add("provenance.stdin_writer", .string, execOnly, "file name of the process writing into stdin, \"\" if unknown", inputs: .stdinProvenance) { fieldText($0.facts.stdinWriter?.executablePath.lastPathComponent) }
        add("provenance.stdin_writer_cmdline", .string, execOnly, "its argv", inputs: .stdinProvenance) { .bytes(fieldJoin($0.facts.stdinWriter?.argv ?? [])) }
        add("provenance.stdin_network", .bool, execOnly, "stdin carries data from a network client, directly or through decoders", inputs: .stdinProvenance) { .bool($0.facts.stdinFromNetwork) }
        add("provenance.stdin_decoder", .bool, execOnly, "stdin passes through a decoder or decompressor", inputs: .stdinProvenance) { .bool($0.facts.stdinFromDecoder) }
        add("provenance.parent_fetched", .bool, execOnly, "the parent image ran a network client into a pipe in the last 30 s (`sh -c \"$(curl ...)\"`)") { .bool($0.facts.parentFetchedFromNetwork) }
        add("provenance.pipe_network", .bool, [.open], "the opened pipe is fed by a network client (`bash <(curl ...)`)") { .bool($0.facts.pipeFromNetwork) }
        add("provenance.written_by_lineage", .bool, [.exec, .open], "a file the exec runs (executable, script, the loader's program, preloaded code) or the open reads was written earlier by this lineage") { .bool($0.facts.writtenByLineage) }
        add("provenance.written_path", .string, [.exec, .open], "which file") { .string($0.facts.writtenPath) }
        add("provenance.written_location", .string, [.exec, .open], "temp, workspace, home, system or other") { .string($0.facts.writtenByLineage ? $0.facts.writtenLocation.rawValue : "") }
        add("provenance.writer", .string, [.exec, .open], "name of the process that wrote it") { .string($0.facts.writer) }
        add("proc.network_tainted", .bool, nil, "the process held network data (it connected or accepted an internet socket, read its stdin from network data, or its parent had); for an exec, the image that called it, which made argv and env. Never an agent root") { .bool($0.event.process?.networkTainted == true) }
        add("proc.network_input", .list, execOnly, "network data the image that called the exec was handed as input: stdin (it was forked by an image with network data on stdin: xargs, awk's system(), a while-read loop, make -f -), file (it read a file of network origin)") { .list($0.event.process?.networkInput.names ?? []) }
        add("proc.exe_origin", .list, execOnly, "where the executable's content came from, or the script's when the lineage's write of it was not seen: network, package, decoded (empty when unknown)") { .list($0.facts.fileOrigin.names) }
        add("proc.stdin_origin", .list, execOnly, "where stdin's content came from (a file or pipe whose writing was seen): network, package, decoded", inputs: .stdinProvenance) { .list($0.facts.stdinOrigin.names) }
        // Read for every open: straight from the tracker, not through the whole provenance facts.
        add("file.origin", .list, [.open], "where the opened file's content came from, by its identity (follows renames and links): network, package, decoded") { c in
            guard let file = c.file?.file, file.kind == .regular || file.kind == .pipe else { return .list([]) }
            return c.provenance.origin(of: file).fieldValue
        }
        add("provenance.written_origin", .list, [.exec, .open], "the origin of the lineage's write of provenance.written_path: network, package, decoded") { .list($0.facts.writtenOrigin.names) }
        add("provenance.opened_program", .bool, [.open], "the opened file is one the process's exec runs (its script, the loader's program, preloaded code): reading it is running it") { .bool($0.facts.openedProgram) }
        add("call.name", .string, [.syscall], "the syscall of a syscall event: io_uring_setup, open_tree, move_mount, fsmount, ptrace, process_vm_readv, process_vm_writev, kill, tkill, tgkill, pidfd_send_signal, rt_sigqueueinfo, rt_tgsigqueueinfo, connect (an AF_UNIX server outside the session, natively or through ia32: call.abi); compat for the first call of an image through a compat ABI (call.abi, call.compat_name)") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .string(s.syscall.rawValue)
        }
        add("call.result", .number, [.syscall], "the syscall's return value, or -errno") { c in
            guard case .syscall(let s) = c.event else { return .number(0) }
            return .number(s.result)
        }
        add("call.signal", .string, [.syscall], "the signal a kill-like call sent (SIGKILL, SIGSTOP, SIGRTMIN+3, ...), else \"\"") { c in
            guard case .syscall(let s) = c.event, s.syscall.sendsSignal else { return .string("") }
            return .string(SyscallText.signalName(s.argument))
        }
        add("call.argument", .number, [.syscall], "ptrace: the request (16 PTRACE_ATTACH, 16902 PTRACE_SEIZE); signals: the number; io_uring_setup: its IORING_SETUP_* flags; open_tree (1: OPEN_TREE_CLONE), move_mount, fsmount: their flags; compat: the call's number in its ABI (call.abi); connect: the socket type with flag bits (call.socket_type, call.socket_abstract)") { c in
            guard case .syscall(let s) = c.event else { return .number(0) }
            return .number(Int64(truncatingIfNeeded: s.argument))
        }
        add("call.target_pid", .number, [.syscall], "the process a ptrace, process_vm_* or signal call names (native, or ia32 in a compat event), as the caller named it (kill: negative for a group, -1 for all); connect: the server, from the connection's peer credentials (the process that called listen); 0 when none") { c in
            guard case .syscall(let s) = c.event else { return .number(0) }
            return .number(s.targetPID)
        }
        add("call.target_outside_session", .bool, [.syscall], "the call names a process outside the caller's own session: untracked, another agent's, or every process (kill -1); never the caller itself") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.targetOutsideSession)
        }
        add("call.target_is_warden", .bool, [.syscall], "the target is Warden itself or one of its helper processes (the enforce-mode guardian)") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.targetsWarden)
        }
        add("call.target_held", .bool, [.syscall], "the signal's target was held by the kernel for Warden's decision (a SIGCONT to it is stopped again at once: call.target_restopped)") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.target.contains(.held))
        }
        add("call.sender_killed", .bool, [.syscall], "a second SIGCONT to the same held process: the kernel killed the sender (a loop of continues runs the target in the moments before each re-stop); also, in enforce mode, a compat-ABI signal to Warden (killed instead of held: Warden may be stopped or gone)") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.target.contains(.senderKilled))
        }
        add("call.job_control", .bool, [.syscall], "a SIGCONT to a held process from its parent, which had collected the process's stop with wait (WUNTRACED): job control answering a stop (tmux continuing a pane or job, script, a shell's bg). The kernel stops the target again, but never counts it as a continue loop nor kills the sender") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.target.contains(.jobControl))
        }
        add("call.abi", .string, [.syscall], "the interface a call came through when it is not the native one: ia32 (int 0x80, sysenter, a 32-bit program on x86_64), x32, aarch32 (arm64); \"\" for native calls") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .string(s.abi.rawValue)
        }
        add("call.compat_name", .string, [.syscall], "a compat call's name in its ABI's numbering (open, read, kill, socketcall, ...; \"ia32 syscall N\" when unnamed); \"\" for native calls") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .string(s.compatName ?? "")
        }
        add("proc.abi", .string, execOnly, "the new image is a 32-bit program whose every call goes through a compat ABI: ia32 (x86_64) or aarch32 (arm64); \"\" for a native program") { c in
            guard case .exec(let e) = c.event else { return .string("") }
            return .string(e.abi.rawValue)
        }
        add("call.path", .string, [.syscall], "open_tree's path, move_mount's destination, a compat file call's path (ia32 open, creat, execve, rename, link, symlink and their *at forms: the destination); connect: the name the server bound, read from its socket (an abstract name without its leading NUL: call.socket_abstract); else \"\"") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .bytes(s.path)
        }
        add("call.target_exe", .string, [.syscall], "connect: the server's executable, read from /proc/PID/exe when the event arrived and kept only when it is the file the kernel found the server running at the call; \"\" when unknown") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .bytes(s.targetExecutablePath)
        }
        add("call.target_exe_name", .string, [.syscall], "connect: the file name of call.target_exe (tmux, dockerd, systemd); \"\" when unknown") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .bytes(s.targetExecutableName)
        }
        add("call.target_uid", .number, [.syscall], "connect: the server's effective uid (its peer credentials); -1 when unknown or not a connect") { c in
            guard case .syscall(let s) = c.event, let uid = s.targetUID else { return .number(-1) }
            return .number(Int64(uid))
        }
        add("call.socket_type", .string, [.syscall], "connect: stream or seqpacket; else \"\"") { c in
            guard case .syscall(let s) = c.event else { return .string("") }
            return .string(s.socketType)
        }
        add("call.socket_abstract", .bool, [.syscall], "connect: the server's name is abstract (no file: anyone who knows the name reaches it)") { c in
            guard case .syscall(let s) = c.event else { return .bool(false) }
            return .bool(s.isAbstractName)
        }
        add("net.address", .string, [.connect], "the peer's address (93.184.216.34, 2001:db8::1)") { c in
            guard case .connect(let n) = c.event else { return .string("") }
            return .string(n.addressText)
        }
        add("net.port", .number, [.connect], "the peer's port") { c in
            guard case .connect(let n) = c.event else { return .number(0) }
            return .number(Int64(n.port))
        }
        add("net.family", .string, [.connect], "ipv4, ipv6, or unix (network data received over a local socket)") { c in
            guard case .connect(let n) = c.event else { return .string("") }
            return .string(n.family == 10 ? "ipv6" : n.family == 1 ? "unix" : "ipv4")
        }
        add("net.loopback", .bool, [.connect], "the peer is a loopback address") { c in
            guard case .connect(let n) = c.event else { return .bool(false) }
            return .bool(n.isLoopback)
        }
        add("net.direction", .string, [.connect], "connect, accept, or receive (bytes received from a peer the process neither connected to nor accepted: a UDP datagram, an inherited or passed socket)") { c in
            guard case .connect(let n) = c.event else { return .string("") }
            return .string(n.isAccept ? "accept" : n.isReceive ? "receive" : "connect")
        }
        add("provenance.writer_origin", .string, [.exec, .open], "what the writer of provenance.written_path was: agent (the agent's root process itself), package_manager, build (a host compiler or linker), tool (anything else); \"\" if not written by the lineage") { .string($0.facts.writerOrigin?.category.rawValue ?? "") }
        add("provenance.stdin_from_own_shell", .bool, execOnly, "stdin is a pipe no separate program was seen writing into, set up by a shell (the parent image or the image this process replaced) that ran no network client into a pipe within 30 s of it, through any number of subshells (`printf %s \"$(curl …)\" | sh` is not its own text): a heredoc or the shell's own text (`python3 - <<EOF`)", inputs: .stdinProvenance) { c in
            guard case .exec(let e) = c.event, e.stdio.first?.kind == .pipe, c.facts.stdinWriter == nil,
                  !c.facts.parentFetchedFromNetwork, !c.facts.shellFetchedFromNetwork else { return .bool(false) }
            let setUpBy = [c.parent?.exec, c.lineage[e.previousExecID]?.exec]
            return .bool(setUpBy.contains { c.interpreter(of: $0)?.kind == .shell })
        }
        add("provenance.env_injected", .list, execOnly, "watched variables set or changed relative to the parent image") { .list($0.facts.injectedEnvironment) }
        return list
    }
}

/// Long base64 or hex runs in arguments: payloads smuggled past a reader of the command line.
enum EncodedBlob {
    static func contains(_ bytes: [UInt8]) -> Bool {
        var base64Run = 0, hexRun = 0
        for byte in bytes {
            let isHex = (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70)
            let isBase64 = isHex || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 43 || byte == 47 || byte == 61
            base64Run = isBase64 ? base64Run + 1 : 0
            hexRun = isHex ? hexRun + 1 : 0
            if base64Run >= 120 || hexRun >= 160 { return true }
        }
        return false
    }
}

/// What `proc.git_settings` lists: a git command line's settings, and for an exec of any program
/// the settings git would read from the variables the exec's caller set (set on `bash -c '…;
/// git status'`, they are inherited unchanged by the git below it, so they are judged where set).
private func gitSettings(_ c: EvaluationContext) -> [ByteString] {
    var settings: [ByteString] = []
    if let record = c.record, GitGrammar.isGit(record) { settings = GitGrammar.settings(Array(record.argv.dropFirst())) }
    if let e = c.exec, !e.environment.isEmpty {
        let injected = c.facts.injectedEnvironment
        if !injected.isEmpty { settings += GitGrammar.environmentSettings(e.environment, names: injected) }
    }
    return settings
}

private func fieldText(_ b: ByteString?) -> FieldValue { .bytes(b ?? ByteString([])) }

private func fieldJoin(_ argv: [ByteString]) -> ByteString {
    var joined: [UInt8] = []
    for (index, argument) in argv.enumerated() {
        if index > 0 { joined.append(UInt8(ascii: " ")) }
        joined += argument.bytes
    }
    return ByteString(joined)
}

private func fieldStdio(_ c: EvaluationContext, _ fd: Int) -> FieldValue {
    .string(c.exec.map { $0.stdio.count > fd ? $0.stdio[fd].stdioDescription : "none" } ?? "none")
}

extension FileKind {
    /// The kind's name as bytes, made once: `file.kind` is read for nearly every open, and
    /// converting the name to bytes each time was an allocation per event.
    var nameBytes: ByteString {
        switch self {
        case .none: return Names.none
        case .regular: return Names.regular
        case .pipe: return Names.pipe
        case .socket: return Names.socket
        case .charDevice: return Names.charDevice
        case .directory: return Names.directory
        case .other: return Names.other
        }
    }

    private enum Names {
        static let none = ByteString(FileKind.none.rawValue), regular = ByteString(FileKind.regular.rawValue)
        static let pipe = ByteString(FileKind.pipe.rawValue), socket = ByteString(FileKind.socket.rawValue)
        static let charDevice = ByteString(FileKind.charDevice.rawValue), directory = ByteString(FileKind.directory.rawValue)
        static let other = ByteString(FileKind.other.rawValue)
    }
}

extension DataOrigin {
    /// The origin as a list field, made once per set of origins: `file.origin` is read for
    /// nearly every open, and building its list of names each time was allocations per event.
    var fieldValue: FieldValue {
        let index = Int(rawValue)
        return index < Self.fieldValues.count ? Self.fieldValues[index] : .list(names)
    }

    private static let fieldValues: [FieldValue] = (0..<8).map { FieldValue.list(DataOrigin(rawValue: UInt32($0)).names) }
}

extension PathLocation {
    /// The name as bytes, made once (location fields are read for every exec).
    var nameBytes: ByteString {
        switch self {
        case .temp: return Names.temp
        case .workspace: return Names.workspace
        case .home: return Names.home
        case .system: return Names.system
        case .other: return Names.other
        }
    }

    private enum Names {
        static let temp = ByteString(PathLocation.temp.rawValue), workspace = ByteString(PathLocation.workspace.rawValue)
        static let home = ByteString(PathLocation.home.rawValue), system = ByteString(PathLocation.system.rawValue)
        static let other = ByteString(PathLocation.other.rawValue)
    }
}
