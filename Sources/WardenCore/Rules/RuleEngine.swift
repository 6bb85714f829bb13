/// Evaluates a rule set against events loaded into an evaluation context.
public final class RuleEngine {
    @exclusivity(unchecked) public private(set) var ruleSet: RuleSet
    public let context: EvaluationContext
    public var enforce = false
    /// Off for rule examples, which test a rule's condition on one event.
    public var appliesThresholds = true
    /// Counting state of `threshold:` rules, by rule index; reset when the rules are replaced.
    @exclusivity(unchecked) private var counters: [Int: ThresholdCounter] = [:]

    public init(ruleSet: RuleSet, context: EvaluationContext) {
        self.ruleSet = ruleSet
        self.context = context
    }

    public func replace(_ ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        counters.removeAll()
    }

    /// Every matching rule for the loaded event, in rule-file order.
    public func matchingRules(onlyStdinProvenance: Bool = false) -> [CompiledRule] {
        guard let kind = EventKind(context.event) else { return [] }
        var matches: [CompiledRule] = []
        for index in ruleSet.candidates(for: kind, writing: context.file?.isWrite == true) {
            let rule = ruleSet.rules[index]
            if onlyStdinProvenance && !rule.usesStdinProvenance { continue }
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

    /// Loads `event` and returns alerts for every rule that matches it.
    public func evaluate(_ event: Event, onlyStdinProvenance: Bool = false) -> [Alert] {
        context.load(event)
        return matchingRules(onlyStdinProvenance: onlyStdinProvenance).map(makeAlert)
    }

    /// Falco's `output_fields` names and the Warden fields that fill them, looked up once.
    private static let outputFields: [(String, FieldDefinition)] = [
        ("proc.name", "proc.name"), ("proc.exepath", "proc.exe"), ("proc.cmdline", "proc.cmdline"),
        ("proc.pid", "proc.pid"), ("proc.pname", "proc.pname"), ("proc.pcmdline", "proc.pcmdline"),
        ("proc.cwd", "proc.cwd"), ("user.uid", "proc.uid"), ("fd.name", "file.path"), ("agent.name", "agent.name"),
    ].compactMap { key, field in FieldRegistry.byName[field].map { (key, $0) } }

    private func makeAlert(_ rule: CompiledRule) -> Alert {
        let c = context
        let outcome: EnforcementOutcome
        switch rule.source.action {
        case .alert: outcome = .notApplicable
        case .kill: outcome = enforce ? .undecided : .wouldKillInAuditMode
        }
        let fields: [(String, String)] = Self.outputFields.compactMap { key, definition in
            if definition.name == "file.path", c.file == nil { return nil }
            return (key, FieldRegistry.value(definition, in: c).text)
        }
        return Alert(
            ruleID: rule.id, description: rule.source.description, priority: rule.source.priority,
            tags: rule.source.tags, output: rule.renderOutput(c), action: rule.source.action,
            killScope: rule.source.killScope, outcome: outcome,
            event: c.event, agent: c.catalog.name(of: c.event.process?.agentID ?? 0), process: c.record,
            lineage: c.ancestors.reversed(), evidence: c.facts.evidence, fields: fields)
    }
}
