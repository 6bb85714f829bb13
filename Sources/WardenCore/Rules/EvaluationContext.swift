/// Everything a condition may ask about one event. Reused for every event on the polling thread;
/// field values are computed on first use and cached until the next event.
public final class EvaluationContext {
    public private(set) var event: Event = .loss(LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0))
    public let lineage: ProcessTable
    public let provenance: ProvenanceTracker
    public let interpreters: InterpreterCatalog
    public var catalog: AgentCatalog

    /// The image the event belongs to (for an exec, the new image).
    public private(set) var record: ProcessRecord?
    var cache: [FieldValue?]
    private var interpreterByExec: [UInt64: InterpreterCatalog.Match?] = [:]
    private var factsCache: ProvenanceFacts?
    private var ancestorsCache: [ProcessRecord]?

    public init(lineage: ProcessTable, provenance: ProvenanceTracker, interpreters: InterpreterCatalog, catalog: AgentCatalog) {
        self.lineage = lineage
        self.provenance = provenance
        self.interpreters = interpreters
        self.catalog = catalog
        self.cache = Array(repeating: nil, count: FieldRegistry.fields.count)
    }

    /// Prepares for `event` (after lineage and provenance have seen it).
    public func load(_ event: Event) {
        self.event = event
        record = event.process.flatMap { lineage[$0.execID] }
        for index in cache.indices { cache[index] = nil }
        factsCache = nil
        ancestorsCache = nil
    }

    public var exec: ExecEvent? {
        if case .exec(let e) = event { return e }
        return record?.exec
    }

    public var file: FileEvent? {
        switch event {
        case .open(let f), .execFailed(let f): return f
        default: return nil
        }
    }

    public var parent: ProcessRecord? { event.process.flatMap { lineage[$0.parentExecID] } }

    public var ancestors: [ProcessRecord] {
        if let cached = ancestorsCache { return cached }
        let chain = event.process.map { lineage.ancestors(of: $0.execID) } ?? []
        ancestorsCache = chain
        return chain
    }

    public var agentRoot: ProcessRecord? { event.process.flatMap { lineage[$0.sessionID] } }

    /// The interpreter the event's process runs, if any (cached per image).
    public var interpreter: InterpreterCatalog.Match? { interpreter(of: exec) }

    public func interpreter(of exec: ExecEvent?) -> InterpreterCatalog.Match? {
        guard let exec else { return nil }
        if let cached = interpreterByExec[exec.process.execID] { return cached }
        let match = interpreters.match(exec)
        if interpreterByExec.count > 65536 { interpreterByExec.removeAll() }
        interpreterByExec[exec.process.execID] = match
        return match
    }

    public var facts: ProvenanceFacts {
        if let cached = factsCache { return cached }
        let facts = provenance.facts(for: event, lineage: lineage, interpreter: interpreter)
        factsCache = facts
        return facts
    }

    /// Code given inline to an interpreter: the argument after -c / -e / -r / --eval.
    public var inlineCode: String? {
        guard interpreter != nil, let argv = exec?.argv else { return nil }
        var index = 1
        while index < argv.count {
            let argument = argv[index].text
            if ["-c", "-e", "-r", "--eval", "--command", "-p", "--print"].contains(argument) || argument.hasPrefix("-") && argument.count > 1 && !argument.hasPrefix("--") && argument.hasSuffix("c") && interpreter?.kind == .shell {
                return index + 1 < argv.count ? argv[index + 1].text : ""
            }
            if !argument.hasPrefix("-") { return nil }
            index += 1
        }
        return nil
    }
}
