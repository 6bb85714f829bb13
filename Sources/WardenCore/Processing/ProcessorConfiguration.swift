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
    /// The kernel's guarded table, filled in every mode; nil where events carry their guarded
    /// files already (replay) or none (examples, benchmarks).
    public var guardedStore: GuardedFileStore?
    /// `threshold:` rules count across events; rule examples test one event and turn this off.
    public var appliesThresholds: Bool
    /// The kernel's origin table, for the corrections provenance makes; nil without a kernel.
    public var originTable: OriginTable?
    /// Where the code of scripts run by interpreters is read (`HostScriptReader` live; given text
    /// in rule examples); nil: scripts are not inspected (replay, benchmarks) and
    /// `proc.script_code_status` says `uninspected`.
    public var scripts: ScriptSource?
    /// Warden's own helper processes (the enforce-mode guardian), besides Warden itself: a signal
    /// sent to one is tampering with the monitor.
    public var wardenHelperPIDs: Set<UInt32> = []
    /// Reads what the host tells about an exec (the rest of a truncated environment, PYTHONPATH
    /// start-up modules) when it arrives; nil where events are recorded or made up (replay,
    /// examples, benchmarks), which carry these facts already or none.
    public var hostFacts: ExecHostFacts?
    /// Names the server of a unix connect from /proc (`call.target_exe`); nil where events are
    /// recorded or made up, which carry the name already or none.
    public var serverExecutables: ServerExecutables?

    public init(rules: RuleSet, catalog: AgentCatalog, homes: [String], interpreters: InterpreterCatalog,
                enforcement: (policy: EnforcementPolicy, control: ProcessControl)? = nil,
                guardedStore: GuardedFileStore? = nil, appliesThresholds: Bool = true, originTable: OriginTable? = nil,
                scripts: ScriptSource? = nil, hostFacts: ExecHostFacts? = nil, serverExecutables: ServerExecutables? = nil) {
        self.rules = rules
        self.catalog = catalog
        self.homes = homes
        self.interpreters = interpreters
        self.enforcement = enforcement
        self.guardedStore = guardedStore
        self.appliesThresholds = appliesThresholds
        self.originTable = originTable
        self.scripts = scripts
        self.hostFacts = hostFacts
        self.serverExecutables = serverExecutables
    }
}
