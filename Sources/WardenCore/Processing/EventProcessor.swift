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
    /// Execs whose executable may be a renamed copy of an interpreter, waiting for the copy
    /// detector, by exec id: judged (and, when held, decided) once it answers. Touched only on
    /// the processing thread: no dynamic exclusivity checks (they were 2% of the spine's cost).
    @exclusivity(unchecked) private var awaitingIdentity: [UInt64: (exec: ExecEvent, since: UInt64)] = [:]
    /// The detector answers within milliseconds; past this an exec is judged with what is known.
    private static let identityWaitNanoseconds: UInt64 = 2_000_000_000

    public init(_ configuration: ProcessorConfiguration) {
        let lineage = ProcessTable()
        self.lineage = lineage
        provenance = ProvenanceTracker(homes: configuration.homes, interpreters: configuration.interpreters)
        provenance.originTable = configuration.originTable
        stages = [provenance]
        interpreters = configuration.interpreters
        context = EvaluationContext(lineage: lineage, provenance: provenance, interpreters: configuration.interpreters,
                                    catalog: configuration.catalog)
        engine = RuleEngine(ruleSet: configuration.rules, context: context, appliesThresholds: configuration.appliesThresholds)
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
        let event = guardedFiles?.annotate(event) ?? event
        // Arrays are only combined when there is something to combine: most events raise nothing,
        // and building empty arrays per event was a tenth of the spine's own cost (callgrind).
        let settled = awaitingIdentity.isEmpty ? [] : judgeSettledIdentities(now: now)
        lineage.apply(event)
        var reconsiderations: [Reconsideration] = []
        for stage in stages {
            let found = stage.observe(event, lineage: lineage)
            if !found.isEmpty { reconsiderations += found }
        }
        var alerts: [Alert] = []
        if case .exec(let e) = event, interpreters.mayBeCopy(e), interpreters.recognise(e) == .pending {
            awaitingIdentity[e.process.execID] = (e, now)
        } else {
            alerts = judge(event, now: now)
        }
        if !settled.isEmpty { alerts = settled + alerts }
        for reconsideration in reconsiderations {
            // One still waiting for its identity is judged whole, with these facts, later.
            if let id = reconsideration.event.process?.execID, awaitingIdentity[id] != nil { continue }
            var late = engine.judge(reconsideration.event, reading: reconsideration.changed).alerts
            decide(reconsideration.event, &late, readsProgramFromPipe: false, late: true, now: now)
            if !late.isEmpty { alerts += late }
        }
        return ProcessingResult(event: event, alerts: alerts)
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

    /// Judges the execs whose identity the detector settled, and those that waited too long.
    private func judgeSettledIdentities(now: UInt64) -> [Alert] {
        let settled = Set(interpreters.absorbAnswers())
        var alerts: [Alert] = []
        for (execID, waiting) in awaitingIdentity.sorted(by: { $0.value.since < $1.value.since })
        where settled.contains(FileKey(waiting.exec.executable)) || now &- waiting.since > Self.identityWaitNanoseconds {
            awaitingIdentity[execID] = nil
            alerts += judge(.exec(waiting.exec), now: now)
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
        guardedFiles?.update(patterns: rules.guardedPaths)
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in alerts.
    public func updateCatalog(_ catalog: AgentCatalog) {
        context.catalog = catalog
    }

    /// Time passes with no event: judgements that waited are made, and enforce mode lets go of,
    /// or applies the fail mode to, what waits. The result carries no event.
    public func tick(now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult? {
        let alerts = awaitingIdentity.isEmpty ? [] : judgeSettledIdentities(now: now)
        enforcer?.tick(now: now)
        return alerts.isEmpty ? nil : ProcessingResult(event: nil, alerts: alerts)
    }

    /// Replay and tests: waits until every pending identity is settled and judges what waited.
    public func finish(now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult? {
        interpreters.waitForAnswers()
        return tick(now: now)
    }
}
