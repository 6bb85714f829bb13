/// The processing spine. Every event — from the kernel, from a recording, from a rule example —
/// goes through the same ordered stages:
///
///     lineage  →  enrichment stages  →  rules  →  enforcement decision  →  ProcessingResult
///
/// and earlier events whose facts a stage changed are judged again on the way. Sinks (stdout,
/// the JSON Lines export) only ever see results. Used from one thread.
public final class EventProcessor {
    public let lineage: ProcessTable
    /// Enforce mode; nil in audit mode.
    public let enforcer: Enforcer?
    /// The guarded table, live monitoring only (replay and examples carry resolved events).
    public let guardedFiles: GuardedFiles?
    private let provenance: ProvenanceTracker
    /// In order; each sees an event after the lineage table and the stages before it.
    private let stages: [EnrichmentStage]
    private let interpreters: InterpreterCatalog
    private let context: EvaluationContext
    private let engine: RuleEngine
    /// Execs whose judgement waits for a worker, by exec id: for the content detector (an
    /// executable not known yet may be an interpreter under another name), then for the script reader (an interpreter about
    /// to run a script file). Judged (and, when held, decided) once every answer is in, or when
    /// the wait runs out. Touched only on the processing thread: no dynamic exclusivity checks
    /// (they were 2% of the spine's cost).
    @exclusivity(unchecked) private var awaiting: [UInt64: (exec: ExecEvent, since: UInt64)] = [:]
    /// The workers answer within milliseconds; past this an exec is judged with what is known
    /// (below enforce mode's 3 s stale-hold bound, after which the fail mode decides).
    private static let waitNanoseconds: UInt64 = 2_000_000_000
    private let scripts: ScriptInspector
    private let wardenHelperPIDs: Set<UInt32>
    private let hostFacts: ExecHostFacts?
    private let serverExecutables: ServerExecutables?
    /// Some rule reads script code: without one, nothing is read and no exec waits for it.
    private var rulesReadScripts: Bool

    public init(_ configuration: ProcessorConfiguration) {
        let lineage = ProcessTable()
        self.lineage = lineage
        provenance = ProvenanceTracker(homes: configuration.homes, interpreters: configuration.interpreters)
        provenance.originTable = configuration.originTable
        stages = [provenance]
        interpreters = configuration.interpreters
        scripts = ScriptInspector(source: configuration.scripts)
        hostFacts = configuration.hostFacts
        serverExecutables = configuration.serverExecutables
        rulesReadScripts = Self.readsScripts(configuration.rules)
        context = EvaluationContext(lineage: lineage, provenance: provenance, interpreters: configuration.interpreters,
                                    catalog: configuration.catalog, scripts: scripts)
        engine = RuleEngine(ruleSet: configuration.rules, context: context, appliesThresholds: configuration.appliesThresholds)
        wardenHelperPIDs = configuration.wardenHelperPIDs
        guardedFiles = configuration.guardedStore.map {
            GuardedFiles(store: $0, patterns: configuration.rules.guardedPaths, homes: configuration.homes)
        }
        enforcer = configuration.enforcement.map { policy, control in
            Enforcer(policy: policy, control: control, lineage: lineage)
        }
    }

    public var rules: RuleSet { engine.ruleSet }

    /// Runs `event` through every stage. In enforce mode a held process is decided before this
    /// returns (it waits for the decision, never for the output), unless its judgement must wait
    /// for its executable's identity.
    public func process(_ event: Event, now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult {
        // Which guarded file the event's file is, by identity; a new HOME is guarded before its
        // exec is let go.
        var event = guardedFiles?.annotate(event) ?? event
        if case .syscall(let call) = event, call.target.contains(.process), !wardenHelperPIDs.isEmpty,
           wardenHelperPIDs.contains(UInt32(truncatingIfNeeded: call.targetPID.magnitude)) {
            event = .syscall(call.with(targetIsWardenHelper: true))
        }
        if let serverExecutables, case .syscall(let call) = event, call.isUnixConnect {
            event = .syscall(serverExecutables.annotate(call))
        }
        // Before the lineage table keeps the exec: children are judged against its environment.
        if let hostFacts, case .exec(let e) = event {
            event = .exec(hostFacts.annotate(e, parent: lineage[e.process.parentExecID]))
        }
        // Arrays are only combined when there is something to combine: most events raise nothing,
        // and building empty arrays per event was a tenth of the spine's own cost (callgrind).
        let settled = mayHaveSettled ? judgeSettled(now: now) : []
        lineage.apply(event)
        var reconsiderations: [Reconsideration] = []
        for stage in stages {
            let found = stage.observe(event, lineage: lineage)
            if !found.isEmpty { reconsiderations += found }
        }
        var alerts: [Alert] = []
        if case .exec(let e) = event, mustWait(e, now: now) {
            awaiting[e.process.execID] = (e, now)
        } else {
            alerts = judge(event, now: now)
        }
        if !settled.isEmpty { alerts = settled + alerts }
        for reconsideration in reconsiderations {
            // One still waiting for a worker is judged whole, with these facts, later.
            if let id = reconsideration.event.process?.execID, awaiting[id] != nil { continue }
            var late = engine.judge(reconsideration.event, reading: reconsideration.changed).alerts
            decide(reconsideration.event, &late, readsProgramFromPipe: false, late: true, now: now)
            if !late.isEmpty { alerts += late }
        }
        return ProcessingResult(event: event, alerts: alerts, scripts: takeScriptsRead())
    }

    /// Scripts read since the last result, for the export.
    private func takeScriptsRead() -> [ScriptRecord] {
        scripts.takeRead()
    }

    private func judge(_ event: Event, now: UInt64) -> [Alert] {
        let judgement = engine.judge(event)
        var alerts = judgement.alerts
        decide(event, &alerts, readsProgramFromPipe: judgement.readsProgramFromPipe, late: false, now: now)
        return alerts
    }

    /// Enforce mode acts on what the rules found; audit mode says what it would have done.
    private func decide(_ event: Event, _ alerts: inout [Alert], readsProgramFromPipe: Bool, late: Bool, now: UInt64) {
        guard let enforcer else {
            for index in alerts.indices where alerts[index].action == .kill { alerts[index].outcome = .wouldKillInAuditMode }
            return
        }
        enforcer.act(on: event, alerts: &alerts, readsProgramFromPipe: readsProgramFromPipe, late: late, now: now)
    }

    /// The exec's judgement must wait: its executable may be an interpreter the content detector
    /// is reading, or it is an interpreter about to run a script whose code is being read.
    private func mustWait(_ e: ExecEvent, now: UInt64) -> Bool {
        if interpreters.mayAwaitContent(e), interpreters.recognise(e) == .pending { return true }
        guard rulesReadScripts, scripts.source != nil, case .known(let match) = interpreters.recognise(e), match != nil else { return false }
        return scripts.begin(e, interpreter: match, now: now, wait: Self.waitNanoseconds)
    }

    private static func readsScripts(_ rules: RuleSet) -> Bool {
        rules.rules.contains { !$0.inputs.isDisjoint(with: .scriptCode) }
    }

    private var mayHaveSettled: Bool { !awaiting.isEmpty || !scripts.judgedWithoutCode.isEmpty }

    /// Judges the execs whose workers answered, and those that waited too long; judges again,
    /// with the rules reading script code, execs whose code arrived after they were judged.
    private func judgeSettled(now: UInt64) -> [Alert] {
        let identities = Set(interpreters.absorbAnswers())
        let codes = scripts.takeSettled()
        var alerts: [Alert] = []
        if !awaiting.isEmpty {
            let codeArrived = Set(codes)
            for (execID, waiting) in awaiting.sorted(by: { $0.value.since < $1.value.since }) {
                let e = waiting.exec
                if now &- waiting.since > Self.waitNanoseconds {
                    scripts.abandon(e)
                } else {
                    // Nothing new for this one: it keeps waiting.
                    guard identities.contains(FileKey(e.executable)) || codeArrived.contains(execID) else { continue }
                    if mustWait(e, now: now) { continue }
                }
                awaiting[execID] = nil
                alerts += judge(.exec(e), now: now)
            }
        }
        for late in scripts.lateArrivals(among: codes) {
            var found = engine.judge(.exec(late), reading: .scriptCode).alerts
            decide(.exec(late), &found, readsProgramFromPipe: false, late: true, now: now)
            alerts += found
        }
        return alerts
    }

    /// A process that was running before Warden saw its exec (seeded from /proc, or adopted).
    public func seed(_ record: ProcessRecord) {
        lineage.insert(record)
    }

    /// New rules (SIGHUP): thresholds restart; the new list's files are guarded too.
    public func replaceRules(_ rules: RuleSet) {
        engine.replace(rules)
        rulesReadScripts = Self.readsScripts(rules)
        guardedFiles?.update(patterns: rules.guardedPaths)
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in alerts.
    public func updateCatalog(_ catalog: AgentCatalog) {
        context.catalog = catalog
    }

    /// Time passes with no event: judgements that waited are made, and enforce mode lets go of,
    /// or applies the fail mode to, what waits. The result carries no event.
    public func tick(now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult? {
        let alerts = mayHaveSettled ? judgeSettled(now: now) : []
        enforcer?.tick(now: now)
        let read = takeScriptsRead()
        return alerts.isEmpty && read.isEmpty ? nil : ProcessingResult(event: nil, alerts: alerts, scripts: read)
    }

    /// Replay and tests: waits until every pending identity is settled and judges what waited.
    public func finish(now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult? {
        interpreters.waitForAnswers()
        // A copy settled now may start a script read: that one is waited for too.
        let first = tick(now: now)
        scripts.waitForAnswers()
        let second = tick(now: now)
        let alerts = (first?.alerts ?? []) + (second?.alerts ?? [])
        let read = (first?.scripts ?? []) + (second?.scripts ?? [])
        return alerts.isEmpty && read.isEmpty ? nil : ProcessingResult(event: nil, alerts: alerts, scripts: read)
    }
}
