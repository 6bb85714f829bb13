/// Everything a condition may ask about one event. Reused for every event on the polling thread;
/// field values are computed on first use and cached until the next event.
public final class EvaluationContext {
    // Every stored property below is read many times per event and written only by `load` and
    // the lazy getters, all on the one thread that owns the context: the dynamic exclusivity
    // checks Swift adds to class properties were a tenth of the engine's time (callgrind), so
    // they are turned off here.
    @exclusivity(unchecked) public private(set) var event: Event = .loss(LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0))
    public let lineage: ProcessTable
    public let provenance: ProvenanceTracker
    public let interpreters: InterpreterCatalog
    public var catalog: AgentCatalog

    /// Field values of the loaded event, valid while their generation equals `generation`: a new
    /// event bumps the generation instead of clearing every slot.
    @exclusivity(unchecked) private var cache: [(generation: UInt64, value: FieldValue)]
    @exclusivity(unchecked) private(set) var generation: UInt64 = 1
    /// `EventKind.bit` of the loaded event (0 for loss reports): kind tests read it, not the event.
    @exclusivity(unchecked) private(set) var kindBit: UInt32 = 0
    /// Macro results of the loaded event, by the slot the rule compiler gave each macro.
    @exclusivity(unchecked) private var macroCache: [(generation: UInt64, value: Bool)] = []
    @exclusivity(unchecked) private var recordLoaded = false
    @exclusivity(unchecked) private var recordCache: ProcessRecord?
    @exclusivity(unchecked) private var execFromEvent: ExecEvent?
    @exclusivity(unchecked) private var interpreterByExec: [UInt64: InterpreterCatalog.Match?] = [:]
    @exclusivity(unchecked) private var factsCache: ProvenanceFacts?
    @exclusivity(unchecked) private var ancestorsCache: [ProcessRecord]?
    @exclusivity(unchecked) private var invocationCache: InterpreterInvocation?
    @exclusivity(unchecked) private var invocationGeneration: UInt64 = 0
    @exclusivity(unchecked) private var loaderCache: DynamicLoaderInvocation?
    @exclusivity(unchecked) private var loaderGeneration: UInt64 = 0
    /// Script code the spine read for execs (see `ScriptInspector`, EvaluationContext+Code.swift).
    let scripts: ScriptInspector
    @exclusivity(unchecked) var codeCache: ByteString?
    @exclusivity(unchecked) var codeGeneration: UInt64 = 0
    @exclusivity(unchecked) var startupCache: ScriptCode?
    @exclusivity(unchecked) var startupGeneration: UInt64 = 0

    /// Built by `EventProcessor` only: one context per spine, reading the spine's own stages.
    init(lineage: ProcessTable, provenance: ProvenanceTracker, interpreters: InterpreterCatalog, catalog: AgentCatalog,
         scripts: ScriptInspector = ScriptInspector(source: nil)) {
        self.lineage = lineage
        self.scripts = scripts
        self.provenance = provenance
        self.interpreters = interpreters
        self.catalog = catalog
        self.cache = Array(repeating: (0, .bool(false)), count: FieldRegistry.fields.count)
    }

    /// Prepares for `event` (after lineage and provenance have seen it).
    public func load(_ event: Event) {
        self.event = event
        kindBit = event.kind?.bit ?? 0
        switch event {
        case .exec(let e): execFromEvent = e; file = nil
        case .open(let f), .execFailed(let f): file = f; execFromEvent = nil
        case .rename(let r): file = r.destinationWrite; execFromEvent = nil
        default: execFromEvent = nil; file = nil
        }
        generation += 1
        recordLoaded = false
        recordCache = nil
        factsCache = nil
        ancestorsCache = nil
    }

    /// The value of the field at `index` in `FieldRegistry.fields`, computed once per event: the
    /// gates' way in, which looks at the cache before touching the field's definition.
    func value(at index: Int) -> FieldValue {
        if cache[index].generation == generation { return cache[index].value }
        let value = FieldRegistry.fields[index].read(self)
        cache[index] = (generation, value)
        return value
    }

    func cachedValue(_ index: Int) -> FieldValue? {
        cache[index].generation == generation ? cache[index].value : nil
    }

    func store(_ value: FieldValue, at index: Int) {
        cache[index] = (generation, value)
    }

    /// The macro in `slot` for the loaded event, computed by `predicate` on first use.
    func macroResult(_ slot: Int, _ predicate: Predicate) -> Bool {
        if slot < macroCache.count, macroCache[slot].generation == generation { return macroCache[slot].value }
        let value = predicate(self)
        if slot >= macroCache.count {
            macroCache.append(contentsOf: repeatElement((generation: UInt64(0), value: false), count: slot + 1 - macroCache.count))
        }
        macroCache[slot] = (generation, value)
        return value
    }

    /// The image the event belongs to (for an exec, the new image); looked up on first use.
    public var record: ProcessRecord? {
        if !recordLoaded {
            recordCache = event.process.flatMap { lineage[$0.execID] }
            recordLoaded = true
        }
        return recordCache
    }

    /// The exec that started the event's image (the event itself for an exec).
    public var exec: ExecEvent? { execFromEvent ?? record?.exec }
    /// The file event, for open and exec_failed; for rename, its destination as a written file.
    @exclusivity(unchecked) public private(set) var file: FileEvent?

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
        // A possible copy still being compared is not cached: the spine judges its exec once known.
        guard case .known(let match) = interpreters.recognise(exec) else { return nil }
        if interpreterByExec.count > 65536 { interpreterByExec.removeAll() }
        interpreterByExec[exec.process.execID] = match
        return match
    }

    public var facts: ProvenanceFacts {
        if let cached = factsCache { return cached }
        let facts = provenance.facts(for: event, lineage: lineage, interpreter: interpreter, loaderProgram: loaderInvocation?.program,
                                     preloaded: preloadedCode)
        factsCache = facts
        return facts
    }

    /// How the event's interpreter gets its code (nil when the process is not an interpreter),
    /// parsed once per event with its interpreter's grammar.
    var invocation: InterpreterInvocation? {
        if invocationGeneration == generation { return invocationCache }
        // A shebang script's arguments are the script's own (`./configure --prefix=/usr`), not
        // the interpreter's options: its code is the script.
        let parsed = interpreter.flatMap { match in
            exec.map { $0.isScript ? InterpreterInvocation(source: .script($0.filename))
                                   : InterpreterInvocation(argv: match.argv(of: $0), kind: match.kind) }
        }
        invocationCache = parsed
        invocationGeneration = generation
        return parsed
    }

    /// How the parent image gets its code, when it is an interpreter (for an exec: the image that
    /// called it). Not cached: rare fields read it.
    var parentInvocation: InterpreterInvocation? {
        guard let parent = parent?.exec, let match = interpreter(of: parent) else { return nil }
        return parent.isScript ? InterpreterInvocation(source: .script(parent.filename))
                               : InterpreterInvocation(argv: match.argv(of: parent), kind: match.kind)
    }

    /// The dynamic loader run as a program: what it runs and preloads (nil otherwise).
    var loaderInvocation: DynamicLoaderInvocation? {
        if loaderGeneration == generation { return loaderCache }
        loaderCache = exec.flatMap { interpreters.isLoader($0) ? DynamicLoaderInvocation(argv: $0.argv, environment: $0.environment) : nil }
        loaderGeneration = generation
        return loaderCache
    }

    /// Code loaded before the program: the interpreter's preload options, then the loader's.
    public var preloadedCode: [ByteString] {
        (invocation?.preloaded ?? []) + (loaderInvocation?.preloaded ?? [])
    }

    /// Code given inline to an interpreter (`sh -c`, `bash -lc`, `python -c`, `node -e`, ...).
    /// An argv that does not parse is judged as if all of it were code: the interpreter may read
    /// it otherwise than the grammar does, and the rules reading inline code must still see it.
    public var inlineCode: ByteString? {
        guard let invocation else { return nil }
        if invocation.isUnparsed, let e = exec, let match = interpreter {
            return ByteString(Array(match.argv(of: e).dropFirst().map(\.bytes).joined(separator: [UInt8(ascii: " ")])))
        }
        return invocation.inlineCode
    }

    /// An interpreter with no script and no inline code whose stdin is not a terminal: it runs
    /// whatever arrives on stdin (`curl | sh`, `python3 - <<EOF`).
    public var readsCodeFromStdin: Bool {
        guard let e = exec, let invocation else { return false }
        let fromStdin = invocation.readsStdin
        let stdin = e.stdio.first ?? .none
        return fromStdin && !e.isScript && !stdin.isTerminal && stdin.kind != .none && stdin.stdioDescription != "null"
    }

    /// The loaded exec is an interpreter reading its program from a pipe: who writes into that
    /// pipe (and so its provenance) may change until every process that could still exec a writer
    /// has let go of it.
    public var readsProgramFromPipe: Bool {
        guard case .exec(let e) = event, e.stdio.first?.kind == .pipe else { return false }
        return readsCodeFromStdin
    }
}
