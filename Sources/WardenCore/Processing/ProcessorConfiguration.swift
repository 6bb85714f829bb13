/// Everything an `EventProcessor` is built from. Live monitoring, replay, rule examples and the
/// benchmarks differ only in these values, never in how events are processed.
public struct ProcessorConfiguration {
    public var rules: RuleSet
    public var catalog: AgentCatalog
    /// Home directories: where credentials and startup files live (provenance, guarded files).
    public var homes: [String]
    /// How interpreters are recognised: the host's binaries by identity (live, replay), or by
    /// name only (`InterpreterCatalog()`: examples and benchmarks, independent of the host).
    public var interpreters: InterpreterCatalog
    /// Enforce mode's policy and the kernel side it acts through; nil: audit mode.
    public var enforcement: (policy: EnforcementPolicy, control: ProcessControl)?
    /// `threshold:` rules count across events; rule examples test one event and turn this off.
    public var appliesThresholds: Bool
    /// Where the code of scripts run by interpreters is read (`HostScriptReader` live; given text
    /// in rule examples); nil: scripts are not inspected (replay, benchmarks) and
    /// `proc.script_code_status` says `uninspected`.
    public var scripts: ScriptSource?

    public init(rules: RuleSet, catalog: AgentCatalog, homes: [String], interpreters: InterpreterCatalog,
                enforcement: (policy: EnforcementPolicy, control: ProcessControl)? = nil, appliesThresholds: Bool = true,
                scripts: ScriptSource? = nil) {
        self.rules = rules
        self.catalog = catalog
        self.homes = homes
        self.interpreters = interpreters
        self.enforcement = enforcement
        self.appliesThresholds = appliesThresholds
        self.scripts = scripts
    }
}
