/// The processing thread's side of code inspection: which execs run a script file through an
/// interpreter, asking a `ScriptSource` for the file's code, and keeping the answers (bounded)
/// for the rules. Nothing here touches the host: the source reads on its own worker, and the
/// spine parks the exec until the answer arrives (see `EventProcessor`).
///
/// Only execs of a recognised interpreter with a script (a shebang script, or a script argument
/// read with the interpreter's own grammar) are inspected; every other event costs nothing.
final class ScriptInspector {
    let source: ScriptSource?
    /// Answers by exec id, for the rules judging the exec (and judging it again).
    @exclusivity(unchecked) private var codeByExec: [UInt64: ScriptCode] = [:]
    /// Insertion order of `codeByExec`, to forget the oldest first.
    @exclusivity(unchecked) private var order: [UInt64] = []
    @exclusivity(unchecked) private var pending: Set<UInt64> = []
    /// Execs judged without their code (the answer was late): judged again when it comes.
    @exclusivity(unchecked) private(set) var judgedWithoutCode: [UInt64: ExecEvent] = [:]
    /// 256 answers of at most 64 KiB each; the reader's cache shares the bytes of a hot script.
    static let capacity = 256

    init(source: ScriptSource?) {
        self.source = source
    }

    /// The script file an exec's interpreter runs, if the code should be read: a shebang script,
    /// or the script argument of a recognised interpreter (not `-`, /dev/stdin: stdin is judged
    /// by provenance).
    static func scriptPath(of exec: ExecEvent, interpreter: InterpreterCatalog.Match?) -> ByteString? {
        guard interpreter != nil, let path = InterpreterInvocation.script(of: exec, interpreter: interpreter),
              !path.isEmpty else { return nil }
        if !exec.isScript, InterpreterInvocation(source: .script(path)).readsStdin { return nil }
        return path
    }

    /// Starts reading the exec's script if it has one. True while the answer is awaited.
    func begin(_ exec: ExecEvent, interpreter: InterpreterCatalog.Match?) -> Bool {
        guard let source else { return false }
        let id = exec.process.execID
        if pending.contains(id) { return true }
        if codeByExec[id] != nil { return false }
        guard let path = Self.scriptPath(of: exec, interpreter: interpreter) else { return false }
        pending.insert(id)
        source.ask(ScriptRequest(execID: id, pid: exec.process.pid, path: path, cwd: exec.cwd))
        // A source may answer at once (rule examples): then nothing waits.
        _ = absorb()
        return pending.contains(id)
    }

    /// Takes in the answers that arrived; returns the exec ids they settled.
    func absorb() -> [UInt64] {
        guard let answers = source?.takeAnswers(), !answers.isEmpty else { return [] }
        for answer in answers {
            pending.remove(answer.execID)
            remember(answer.code, for: answer.execID)
        }
        return answers.map(\.execID)
    }

    /// The exec is judged without its code (its wait ran out).
    func abandon(_ exec: ExecEvent) {
        let id = exec.process.execID
        guard pending.contains(id) else { return }
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
