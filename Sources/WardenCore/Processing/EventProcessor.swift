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
    private let provenance: ProvenanceTracker
    /// In order; each sees an event after the lineage table and the stages before it.
    private let stages: [EnrichmentStage]
    private let context: EvaluationContext
    private let engine: RuleEngine

    public init(_ configuration: ProcessorConfiguration) {
        let lineage = ProcessTable()
        self.lineage = lineage
        provenance = ProvenanceTracker(homes: configuration.homes)
        stages = [provenance]
        context = EvaluationContext(lineage: lineage, provenance: provenance, interpreters: configuration.interpreters,
                                    catalog: configuration.catalog)
        engine = RuleEngine(ruleSet: configuration.rules, context: context, appliesThresholds: configuration.appliesThresholds)
        enforcer = configuration.enforcement.map { policy, control in
            Enforcer(policy: policy, control: control, lineage: lineage, guardedPaths: configuration.rules.guardedPaths,
                     homes: configuration.homes)
        }
    }

    public var rules: RuleSet { engine.ruleSet }

    /// Runs `event` through every stage. In enforce mode a held process is decided before this
    /// returns: it waits for the decision, never for the output.
    public func process(_ event: Event, now: UInt64 = WallClock.bootTimeNow()) -> ProcessingResult {
        lineage.apply(event)
        var reconsiderations: [Reconsideration] = []
        for stage in stages { reconsiderations += stage.observe(event, lineage: lineage) }
        let judgement = engine.judge(event)
        var alerts = judgement.alerts
        decide(event, &alerts, readsProgramFromPipe: event.isHeld && judgement.readsProgramFromPipe, late: false, now: now)
        for reconsideration in reconsiderations {
            var late = engine.judge(reconsideration.event, reading: reconsideration.changed).alerts
            decide(reconsideration.event, &late, readsProgramFromPipe: false, late: true, now: now)
            alerts += late
        }
        return ProcessingResult(event: event, alerts: alerts)
    }

    /// Enforce mode acts on what the rules found; audit mode says what it would have done.
    private func decide(_ event: Event, _ alerts: inout [Alert], readsProgramFromPipe: Bool, late: Bool, now: UInt64) {
        guard let enforcer else {
            for index in alerts.indices where alerts[index].action == .kill { alerts[index].outcome = "would kill (audit mode)" }
            return
        }
        enforcer.act(on: event, alerts: &alerts, readsProgramFromPipe: readsProgramFromPipe, late: late, now: now)
    }

    /// A process that was running before Warden saw its exec (seeded from /proc, or adopted).
    public func seed(_ record: ProcessRecord) {
        lineage.insert(record)
    }

    /// New rules (SIGHUP): thresholds restart; enforce mode guards the new list's files too.
    public func replaceRules(_ rules: RuleSet) {
        engine.replace(rules)
        enforcer?.updateGuardedPaths(rules.guardedPaths)
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in alerts.
    public func updateCatalog(_ catalog: AgentCatalog) {
        context.catalog = catalog
    }

    /// Time passes with no event: enforce mode lets go of, or applies the fail mode to, what waits.
    public func tick(now: UInt64 = WallClock.bootTimeNow()) {
        enforcer?.tick(now: now)
    }
}
