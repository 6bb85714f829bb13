/// A rule that matched an event, with everything a person or a SIEM needs to act on it.
public struct Alert: Sendable {
    public var ruleID: String
    public var description: String
    public var priority: Priority
    public var tags: [String]
    public var output: String
    public var action: RuleAction
    public var killScope: KillScope
    /// What the action led to; it names the `mechanism` and `outcome` fields of the output.
    public var outcome: EnforcementOutcome
    public var event: Event
    public var agent: String?
    public var process: ProcessRecord?
    /// From the agent root down to the offending process's parent.
    public var lineage: [ProcessRecord]
    public var evidence: [String]
    /// Falco-style output fields.
    public var fields: [(String, String)]
}
