/// Evaluates a rule set against events loaded into an evaluation context. Knows nothing of
/// enforcement: it says which rules matched; the processing spine decides what happens.
public final class RuleEngine {
    @exclusivity(unchecked) public private(set) var ruleSet: RuleSet
    let context: EvaluationContext
    /// Off for rule examples, which test a rule's condition on one event.
    let appliesThresholds: Bool
    /// Counting state of `threshold:` rules, by rule index; reset when the rules are replaced.
    @exclusivity(unchecked) private var counters: [Int: ThresholdCounter] = [:]

    init(ruleSet: RuleSet, context: EvaluationContext, appliesThresholds: Bool = true) {
        self.ruleSet = ruleSet
        self.context = context
        self.appliesThresholds = appliesThresholds
    }

    func replace(_ ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        counters.removeAll()
    }

    /// Judges `event` (after lineage and the enrichment stages have seen it) with every rule, or,
    /// when `reading` is not empty, only with the rules whose fields read one of those inputs.
    func judge(_ event: Event, reading: FieldInputs = []) -> Judgement {
        context.load(event)
        let alerts = matchingRules(reading: reading).map(makeAlert)
        // Only a held process can be kept waiting for its pipe's writer: no cost for the rest.
        return Judgement(alerts: alerts, readsProgramFromPipe: event.isHeld && context.readsProgramFromPipe)
    }

    /// Every matching rule for the loaded event, in rule-file order.
    private func matchingRules(reading: FieldInputs) -> [CompiledRule] {
        guard let kind = context.event.kind else { return [] }
        var matches: [CompiledRule] = []
        for index in ruleSet.candidateList(for: kind, writing: context.file?.isWrite == true).selected(context) {
            let rule = ruleSet.rules[index]
            if !reading.isEmpty && rule.inputs.isDisjoint(with: reading) { continue }
            if rule.matches(context) && reachesThreshold(rule, index: index) { matches.append(rule) }
        }
        return matches
    }

    private func reachesThreshold(_ rule: CompiledRule, index: Int) -> Bool {
        guard appliesThresholds, let threshold = rule.source.threshold, let field = rule.thresholdField,
              let process = context.event.process else { return true }
        let counter = counters[index] ?? ThresholdCounter(threshold)
        counters[index] = counter
        let key = threshold.per == .session ? process.sessionID : process.execID
        return counter.record(FieldRegistry.value(field, in: context).text, key: key, time: process.bootTime)
    }

    /// Falco's `output_fields` names and the Warden fields that fill them, looked up once.
    private static let outputFields: [(String, FieldDefinition)] = [
        ("proc.name", "proc.name"), ("proc.exepath", "proc.exe"), ("proc.cmdline", "proc.cmdline"),
        ("proc.pid", "proc.pid"), ("proc.pname", "proc.pname"), ("proc.pcmdline", "proc.pcmdline"),
        ("proc.cwd", "proc.cwd"), ("user.uid", "proc.uid"), ("fd.name", "file.path"), ("agent.name", "agent.name"),
    ].compactMap { key, field in FieldRegistry.byName[field].map { (key, $0) } }

    private func makeAlert(_ rule: CompiledRule) -> Alert {
        let c = context
        let fields: [(String, String)] = Self.outputFields.compactMap { key, definition in
            if let kind = c.event.kind, !definition.applies(to: kind) { return nil }
            return (key, FieldRegistry.value(definition, in: c).text)
        }
        return Alert(
            ruleID: rule.id, description: rule.source.description, priority: rule.source.priority,
            tags: rule.source.tags, output: rule.renderOutput(c), action: rule.source.action,
            killScope: rule.source.killScope, outcome: rule.source.action == .kill ? .undecided : .notApplicable,
            event: c.event, agent: c.catalog.name(of: c.event.process?.agentID ?? 0), process: c.record,
            lineage: c.ancestors.reversed(), evidence: c.facts.evidence, fields: fields)
    }
}

/// What the rules made of one event.
struct Judgement {
    var alerts: [Alert]
    /// The event is a held interpreter reading its program from a pipe: who writes into the pipe
    /// (and so the program's provenance) may still change until no process that could exec a
    /// writer holds it, so enforce mode keeps it held until then.
    var readsProgramFromPipe: Bool
}
