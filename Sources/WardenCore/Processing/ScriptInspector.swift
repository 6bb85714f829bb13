/// The processing thread's side of code inspection: which execs run a script file through an
/// interpreter, asking a `ScriptSource` for the file's code, and keeping the answers (bounded)
/// for the rules. Nothing here touches the host: the source reads on its own worker, and the
/// spine parks the exec until the answer arrives (see `EventProcessor`).
///
/// Only execs of a recognised interpreter with a program file (a shebang script, a script
/// argument read with the interpreter's own grammar, or a regular file on stdin) are inspected;
/// every other event costs nothing.
final class ScriptInspector {
    let source: ScriptSource?
    /// Answers by exec id, for the rules judging the exec (and judging it again).
    @exclusivity(unchecked) private var codeByExec: [UInt64: ScriptCode] = [:]
    /// Insertion order of `codeByExec`, to forget the oldest first.
    @exclusivity(unchecked) private var order: [UInt64] = []
    /// Reads asked and not answered, by exec id: when they were asked.
    @exclusivity(unchecked) private var pending: [UInt64: UInt64] = [:]
    /// Exec ids whose answers were taken in since the spine last asked (`takeSettled`): answers
    /// taken in while starting another read must still wake their waiting exec.
    @exclusivity(unchecked) private var settled: [UInt64] = []
    /// Every answer taken in, for the export (`takeRead`), wherever it was taken in.
    @exclusivity(unchecked) private var read: [ScriptRecord] = []
    /// Execs judged without their code (the answer was late): judged again when it comes.
    @exclusivity(unchecked) private(set) var judgedWithoutCode: [UInt64: ExecEvent] = [:]
    /// 256 answers of at most 64 KiB each; the reader's cache shares the bytes of a hot script.
    static let capacity = 256

    init(source: ScriptSource?) {
        self.source = source
    }

    /// Where the code an exec's interpreter runs can be read from.
    enum Target: Equatable {
        /// A shebang script, or the script argument of a recognised interpreter.
        case file(ByteString)
        /// The interpreter reads its program from stdin, and stdin is a regular file
        /// (`python3 < helper.py`, `sh -s < setup.sh`): that file, through the process's fd 0.
        case stdin(FileIdentity)
    }

    /// What to read for an exec, if anything: only a recognised interpreter's program file. A
    /// pipe on stdin is judged by provenance, never read.
    static func target(of exec: ExecEvent, interpreter: InterpreterCatalog.Match?) -> Target? {
        guard let interpreter else { return nil }
        if exec.isScript { return exec.filename.isEmpty ? nil : .file(exec.filename) }
        let invocation = InterpreterInvocation(argv: interpreter.argv(of: exec), kind: interpreter.kind)
        if let path = invocation.scriptArgument, !path.isEmpty, !invocation.readsStdin { return .file(path) }
        guard invocation.readsStdin, let stdin = exec.stdio.first, stdin.kind == .regular else { return nil }
        return .stdin(stdin)
    }

    /// Starts reading the exec's script if it has one. True while the answer is awaited.
    func begin(_ exec: ExecEvent, interpreter: InterpreterCatalog.Match?, now: UInt64, wait: UInt64) -> Bool {
        guard let source else { return false }
        let id = exec.process.execID
        if pending[id] != nil { return codeByExec[id] == nil }
        if codeByExec[id] != nil { return false }
        guard let target = Self.target(of: exec, interpreter: interpreter) else { return false }
        // A read unanswered past the wait means the worker is stuck (a hung network or FUSE
        // file): later execs are judged at once, without their code, until it answers.
        if pending.values.contains(where: { now &- $0 > wait }) {
            remember(.timeout, for: id)
            return false
        }
        pending[id] = now
        switch target {
        case .file(let path):
            source.ask(ScriptRequest(execID: id, pid: exec.process.pid, path: path, cwd: exec.cwd))
        case .stdin(let identity):
            source.ask(ScriptRequest(execID: id, pid: exec.process.pid, path: ByteString("/dev/stdin"), cwd: exec.cwd, stdin: identity))
        }
        // A source may answer at once (rule examples): then nothing waits.
        absorb()
        return pending[id] != nil
    }

    /// Takes in the answers that arrived.
    func absorb() {
        guard let answers = source?.takeAnswers(), !answers.isEmpty else { return }
        for answer in answers {
            pending[answer.execID] = nil
            remember(answer.code, for: answer.execID)
            settled.append(answer.execID)
            read.append(ScriptRecord(execID: answer.execID, code: answer.code))
        }
        if read.count > 4 * Self.capacity { read.removeFirst(read.count - Self.capacity) }
        // Only a spine with waiting execs drains these; nothing else needs them.
        if settled.count > 4 * Self.capacity { settled.removeFirst(settled.count - Self.capacity) }
    }

    /// Takes in the answers that arrived; returns the exec ids settled since the last call.
    func takeSettled() -> [UInt64] {
        absorb()
        defer { settled.removeAll() }
        return settled
    }

    /// The answers taken in since the last call (each result carries them to the export).
    func takeRead() -> [ScriptRecord] {
        guard !read.isEmpty else { return [] }
        defer { read.removeAll() }
        return read
    }

    /// The exec is judged without its code (its wait ran out).
    func abandon(_ exec: ExecEvent) {
        let id = exec.process.execID
        guard pending[id] != nil, codeByExec[id] == nil else { return }
        remember(.timeout, for: id)
        if judgedWithoutCode.count >= Self.capacity { judgedWithoutCode.removeAll() }
        judgedWithoutCode[id] = exec
    }

    /// Execs judged without their code whose code has now arrived.
    func lateArrivals(among settled: [UInt64]) -> [ExecEvent] {
        guard !judgedWithoutCode.isEmpty else { return [] }
        var late: [ExecEvent] = []
        for id in settled {
            if let exec = judgedWithoutCode.removeValue(forKey: id) { late.append(exec) }
        }
        return late
    }

    /// What was read for `execID`, nil if nothing was asked (or it was forgotten).
    func code(for execID: UInt64) -> ScriptCode? {
        codeByExec[execID]
    }

    /// Reads a file the process has open, at once (a .pth at Python's open of it); uninspected
    /// when nothing reads files here.
    func readNow(_ request: ScriptRequest) -> ScriptCode {
        source?.readNow(request) ?? .uninspected
    }

    /// Replay and tests: every read asked so far is answered.
    func waitForAnswers() {
        source?.waitForAnswers()
    }

    private func remember(_ code: ScriptCode, for id: UInt64) {
        if codeByExec.updateValue(code, forKey: id) == nil { order.append(id) }
        if order.count > Self.capacity {
            let forget = order.prefix(order.count - Self.capacity / 2)
            for old in forget { codeByExec[old] = nil }
            order.removeFirst(forget.count)
        }
    }
}
