import WardenABI

/// Runs a rule's examples: each example becomes a small synthetic lineage (agent root, ancestors,
/// parent, pipe writers, earlier writes, then the event itself) fed through the same processing
/// spine as live events, late re-judging included. Interpreters are recognised by name only, so
/// the result does not depend on the host.
public struct RuleExampleRunner {
    public struct Failure: Sendable, CustomStringConvertible {
        public var ruleID: String
        public var example: RuleExample
        public var expectedMatch: Bool

        public var description: String {
            "\(example.location): rule `\(ruleID)` \(expectedMatch ? "did not match" : "matched") an example listed under \(expectedMatch ? "match" : "no_match")"
        }
    }

    public let ruleSet: RuleSet

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
    }

    /// (examples run, failures)
    public func run() -> (count: Int, failures: [Failure]) {
        var count = 0
        var failures: [Failure] = []
        for rule in ruleSet.rules {
            for (examples, expected) in [(rule.source.examplesMatch, true), (rule.source.examplesNoMatch, false)] {
                for example in examples {
                    count += 1
                    if matches(rule.id, example) != expected {
                        failures.append(Failure(ruleID: rule.id, example: example, expectedMatch: expected))
                    }
                }
            }
        }
        return (count, failures)
    }

    /// The ids of every rule that matches the example's subject: its final event, or, for an
    /// example whose stdin writer execs after it (`writer_execs_late`), the subject judged again
    /// when the writer shows up.
    public func matchingRules(_ example: RuleExample) -> [String] {
        let scenario = ExampleScenario(example)
        var catalog = AgentCatalog()
        _ = catalog.add(AgentDefinition(name: example.agent, interpreters: example.agentInterpreters.compactMap(InterpreterKind.init(rawValue:))))
        let processor = EventProcessor(ProcessorConfiguration(rules: ruleSet, catalog: catalog, homes: ["/home/dev", "/root"],
                                                              interpreters: InterpreterCatalog(), appliesThresholds: false,
                                                              scripts: example.scriptCode.map { code in
                                                                  KnownScriptSource(otherwise: ScriptCode(bytes: Array(code.utf8),
                                                                                               status: example.scriptTruncated ? .truncated : .read))
                                                              }))
        var ids: [String] = []
        for (index, event) in scenario.events.enumerated() {
            guard index >= scenario.subject else {
                _ = processor.process(event, now: 0)
                continue
            }
            let alerts = processor.process(event, now: 0).alerts
            ids += alerts.filter { ExampleScenario.same($0.event, scenario.events[scenario.subject]) }.map(\.ruleID)
        }
        return ids
    }

    private func matches(_ ruleID: String, _ example: RuleExample) -> Bool {
        matchingRules(example).contains(ruleID)
    }
}

/// The events an example stands for.
struct ExampleScenario {
    private(set) var events: [Event] = []
    /// Index of the event the example is about (the last one, unless its stdin writer execs late).
    private(set) var subject = 0
    private var nextID: UInt64 = 100
    private var nextPID: UInt32 = 1000
    private var sessionID: UInt64 = 0
    /// The example's `tainted` and `origin`, for the subject exec.
    private var tainted = false
    private var networkInput: NetworkInput = []
    private var subjectOrigin: DataOrigin = []
    private var pythonStartupHooks: [ByteString] = []
    private var subjectABI = SyscallABI.native

    init(_ example: RuleExample) {
        let agentBinary = "/usr/local/bin/\(example.agent)"
        var parent = exec(RuleExample.Process(exe: agentBinary, argv: [example.agent], env: [:]), parent: 0, cwd: example.cwd, root: true)
        for ancestor in example.ancestors {
            parent = exec(ancestor, parent: parent, cwd: example.cwd)
        }
        if let direct = example.parent {
            parent = exec(direct, parent: parent, cwd: example.cwd)
        }
        var writer: UInt64?
        if example.writtenByAgent { writer = sessionID }
        if let process = example.writtenBy { writer = exec(process, parent: parent, cwd: example.cwd) }
        for path in example.written {
            events.append(.open(FileEvent(process: ref(execID: writer ?? allocate(), parent: parent), result: 3, flags: Self.writeFlags,
                                          syscall: .openat,
                                          file: FileIdentity(kind: .regular, inode: 9, device: 1, origin: example.writtenOrigin),
                                          path: ByteString(path), requested: ByteString(path))))
        }
        let pipe: UInt64 = 4242
        let execWriter = { (scenario: inout ExampleScenario) in
            guard let writer = example.stdinWriter else { return }
            _ = scenario.exec(RuleExample.Process(exe: "/usr/bin/\(writer.first ?? "true")", argv: writer, env: [:]), parent: parent,
                              cwd: example.cwd, stdio: [Self.kind("tty"), Self.pipe(pipe), Self.kind("tty")])
        }
        if !example.stdinWriterLate { execWriter(&self) }
        var stdin = Self.kind(example.stdin)
        if example.stdin == "pipe" { stdin = Self.pipe(example.stdinWriter != nil ? pipe : 31337) }
        let guarded = example.guarded.map { GuardedFile(id: 1, match: example.guardedBy, path: ByteString($0)) }
        stdin.origin = example.stdinOrigin
        tainted = example.tainted
        networkInput = example.networkInput
        subjectOrigin = example.origin
        pythonStartupHooks = example.pythonStartupHooks.map { ByteString($0) }
        subjectABI = example.abi
        if example.type == "connect" {
            let connector = exec(example.process, parent: parent, cwd: example.cwd, stdio: [stdin, Self.kind(example.stdout), Self.kind("tty")])
            let address = NetworkAddress.bytes(example.address)
            events.append(.connect(ConnectEvent(process: ref(execID: connector, parent: parent, tainted: true), result: 0,
                                                syscall: .connect, family: address.count == 4 ? 2 : 10, port: example.port,
                                                address: address)))
        } else if example.type == "syscall" {
            let caller = exec(example.process, parent: parent, cwd: example.cwd, stdio: [stdin, Self.kind(example.stdout), Self.kind("tty")])
            var target: SyscallTarget = switch example.target {
            case "session": [.process, .tracked, .sameSession]
            case "warden": [.process, .monitor]
            case "self": [.process, .tracked, .sameSession, .selfProcess]
            case "none": []
            default: [.process]
            }
            if example.heldTarget { target.insert(.held) }
            if example.senderKilled { target.insert(.senderKilled) }
            if example.jobControl { target.insert(.jobControl) }
            let errno: Int64 = example.error != nil ? -Int64(["ENOENT": 2, "EACCES": 13, "EPERM": 1, "ESRCH": 3][example.error!] ?? 1) : 0
            if example.call == .connect {
                // A unix connect: a stream socket, its server's name, socket file and executable.
                let argument = example.argument != 0 ? example.argument
                    : 1 | (example.abstract ? UInt64(WARDEN_UNIX_ABSTRACT.rawValue) : 0)
                let socket = example.abstract || example.path == nil
                    ? FileIdentity.none : FileIdentity(kind: .socket, inode: 88, device: 1, mode: 0o140777, socketFamily: 1)
                events.append(.syscall(SyscallEvent(process: ref(execID: caller, parent: parent, tainted: example.tainted), result: errno,
                                                    syscall: .connect, argument: argument, targetPID: target.isEmpty ? 0 : 4321,
                                                    target: target, path: ByteString(example.path ?? ""), abi: example.abi,
                                                    targetUID: 0, socket: socket, targetExecutablePath: ByteString(example.server ?? ""))))
            } else {
                events.append(.syscall(SyscallEvent(process: ref(execID: caller, parent: parent, tainted: example.tainted), result: errno,
                                                    syscall: example.call ?? .unknown, argument: example.argument,
                                                    targetPID: target.isEmpty ? 0 : 4321, target: target,
                                                    path: ByteString(example.path ?? ""), abi: example.abi)))
            }
        } else if example.type == "rename" {
            let renamer = exec(example.process, parent: parent, cwd: example.cwd, stdio: [stdin, Self.kind(example.stdout), Self.kind("tty")])
            let errno: Int64 = example.error != nil ? -Int64(["ENOENT": 2, "EACCES": 13, "EPERM": 1, "EXDEV": 18][example.error!] ?? 2) : 0
            let syscall: Syscall = example.operation == .rename ? .renameat2 : example.operation == .link ? .linkat : .symlinkat
            let source = example.source ?? "\(example.cwd)/tmp.file"
            events.append(.rename(RenameEvent(process: ref(execID: renamer, parent: parent), result: errno, syscall: syscall,
                                              operation: example.operation, source: ByteString(source),
                                              destination: ByteString(example.path ?? "/"), sourceRequested: ByteString(source),
                                              destinationRequested: ByteString(example.path ?? "/"), guarded: guarded)))
        } else if example.type == "open" {
            let opener = exec(example.process, parent: parent, cwd: example.cwd, stdio: [stdin, Self.kind(example.stdout), Self.kind("tty")])
            let failed = example.error != nil
            let errno: Int64 = failed ? -Int64(["ENOENT": 2, "EACCES": 13, "EPERM": 1][example.error!] ?? 2) : 3
            events.append(.open(FileEvent(process: ref(execID: opener, parent: parent, tainted: example.tainted), result: errno,
                                          flags: example.write ? Self.writeFlags : 0, syscall: example.call ?? .openat,
                                          file: failed ? .none : FileIdentity(kind: .regular, inode: 77, device: 1, origin: example.origin),
                                          path: ByteString(example.path ?? "/"), requested: ByteString(example.path ?? "/"),
                                          guarded: guarded)))
        } else {
            var process = example.process
            if process.exe == nil { process.exe = "/usr/bin/\(process.argv.first.map { String($0.split(separator: "/").last ?? "") } ?? "true")" }
            _ = exec(process, parent: parent, cwd: example.cwd, stdio: [stdin, Self.kind(example.stdout), Self.kind("tty")],
                     filename: example.filename, interpreter: example.interpreter, subject: true)
        }
        subject = events.count - 1
        if example.stdinWriterLate { execWriter(&self) }
    }

    /// The same event of the scenario (each has its own time).
    static func same(_ a: Event, _ b: Event) -> Bool {
        a.kind == b.kind && a.process?.execID == b.process?.execID && a.process?.bootTime == b.process?.bootTime
    }

    private mutating func allocate() -> UInt64 {
        nextID += 1
        return nextID
    }

    private func ref(execID: UInt64, parent: UInt64, tainted: Bool = false, input: NetworkInput = []) -> ProcessRef {
        ProcessRef(bootTime: UInt64(events.count + 1) * 1_000_000, pid: nextPID, tid: nextPID, execID: execID,
                   parentExecID: parent, sessionID: sessionID, agentID: 1, networkTainted: tainted, networkInput: input)
    }

    private mutating func exec(_ process: RuleExample.Process, parent: UInt64, cwd: String, root: Bool = false,
                               stdio: [FileIdentity]? = nil, filename: String? = nil, interpreter: String? = nil,
                               subject: Bool = false) -> UInt64 {
        let id = allocate()
        nextPID += 1
        if root { sessionID = id }
        let exe = process.exe ?? "/usr/bin/\(process.argv.first ?? "true")"
        let name = ByteString(filename ?? exe)
        let event = ExecEvent(
            process: ref(execID: id, parent: parent, tainted: subject && tainted, input: subject ? networkInput : []), ppid: nextPID - 1,
            comm: ByteString(exe).lastPathComponent,
            filename: name, interpreter: ByteString(interpreter ?? name.text), executablePath: ByteString(exe),
            executable: FileIdentity(kind: .regular, inode: id, device: 1, mode: process.setid ? 0o104755 : 0o100755,
                                     origin: subject ? subjectOrigin : []),
            cwd: ByteString(cwd), argv: process.argv.map { ByteString($0) },
            stdio: stdio ?? [Self.kind("tty"), Self.kind("tty"), Self.kind("tty")],
            environment: process.env.mapValues { ByteString($0) }, environmentTruncated: process.envTruncated,
            environmentRest: process.envRest,
            pythonStartupHooks: subject ? pythonStartupHooks : [], isAgentRoot: root, abi: subject ? subjectABI : .native)
        events.append(.exec(event))
        return id
    }

    /// What `echo > file` opens with.
    static let writeFlags = OpenFlags([.writeOnly, .create, .truncate]).rawValue

    static func pipe(_ inode: UInt64) -> FileIdentity { FileIdentity(kind: .pipe, inode: inode, device: 12) }

    static func kind(_ name: String) -> FileIdentity {
        switch name {
        case "pipe": return pipe(31337)
        case "socket", "inet-socket": return FileIdentity(kind: .socket, inode: 555, device: 8, socketFamily: 2)
        case "unix-socket": return FileIdentity(kind: .socket, inode: 556, device: 8, socketFamily: 1)
        case "null": return FileIdentity(kind: .charDevice, inode: 3, device: 5, rdev: 1 << 20 | 3)
        case "regular", "file": return FileIdentity(kind: .regular, inode: 66, device: 1)
        case "none": return .none
        default: return FileIdentity(kind: .charDevice, inode: 3, device: 5, rdev: 136 << 20)
        }
    }
}
