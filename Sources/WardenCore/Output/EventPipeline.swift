import Synchronization

/// What happens to every event on the polling thread: lineage bookkeeping, the stdout stream,
/// the JSON Lines export, loss reports. Used from one thread only.
public final class EventPipeline: EventSink {
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public struct Configuration: Sendable {
        /// Show every event on stdout, not only alerts and loss reports.
        public var showEvents: Bool
        public var format: Format
        public var colour: Bool
        /// Alerts below this priority are exported but not shown on stdout.
        public var minimumPriority: Priority

        public init(showEvents: Bool, format: Format, colour: Bool, minimumPriority: Priority = .debug) {
            self.showEvents = showEvents
            self.format = format
            self.colour = colour
            self.minimumPriority = minimumPriority
        }
    }

    public let lineage: ProcessTable
    /// Events seen, by `typeName`.
    public var counts: [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (name, count) in zip(Event.typeNames, countsByKind) where count > 0 { result[name] = count }
        return result
    }
    private var countsByKind = [UInt64](repeating: 0, count: Event.typeNames.count)
    public private(set) var lossTotals = LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0)
    private let configuration: Configuration
    private var json: EventJSONEncoder
    private var text: EventTextFormatter
    private let stdout: FDWriter
    private let export: FDWriter?
    private let lossSource: () -> LossReport
    private var lastLossCheck: UInt64 = 0
    private var scratch = JSONLineBuilder(capacity: 4096)
    private let engine: RuleEngine?
    /// Enforce mode; nil in audit mode.
    public let enforcer: Enforcer?
    private var alertFormatter: AlertFormatter
    private let hostname = Hostname.current()
    private let pendingRules = Mutex<RuleSet?>(nil)
    public private(set) var alertCount: UInt64 = 0

    /// `engine` nil: events only, no rules. Its context must read `lineage`.
    public init(configuration: Configuration, context: OutputContext, stdout: FDWriter, export: FDWriter?,
                lineage: ProcessTable = ProcessTable(), engine: RuleEngine? = nil, enforcer: Enforcer? = nil,
                lossSource: @escaping () -> LossReport) {
        precondition(engine == nil || engine!.context.lineage === lineage, "the rule engine must read the pipeline's lineage")
        precondition(enforcer == nil || engine != nil, "enforce mode needs the rules to decide")
        self.configuration = configuration
        self.json = EventJSONEncoder(context: context)
        self.text = EventTextFormatter(context: context, colour: configuration.colour)
        self.alertFormatter = AlertFormatter(context: context, colour: configuration.colour)
        self.stdout = stdout
        self.export = export
        self.lineage = lineage
        self.engine = engine
        self.enforcer = enforcer
        engine?.enforce = enforcer != nil
        self.lossSource = lossSource
    }

    /// Swaps in a new rule set at the next idle point, on the polling thread (SIGHUP reload).
    /// Callable from any thread; the sensors stay attached throughout.
    public func scheduleReload(_ rules: RuleSet) {
        pendingRules.withLock { $0 = rules }
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in the output.
    public func updateCatalog(_ catalog: AgentCatalog) {
        json.updateCatalog(catalog)
        text.context.catalog = catalog
        alertFormatter.context.catalog = catalog
        engine?.context.catalog = catalog
    }

    public func seed(_ record: ProcessRecord) {
        lineage.insert(record)
    }

    public func receive(_ event: Event) {
        lineage.apply(event)
        countsByKind[event.kindIndex] += 1
        guard let engine else {
            emit(event, toStdout: configuration.showEvents)
            return
        }
        let waiting = engine.context.provenance.observe(event, lineage: lineage)
        var alerts = engine.evaluate(event)
        if let enforcer {
            // Before anything is written: a held process waits for this, not for the output.
            enforcer.act(on: event, alerts: &alerts, readsProgramFromPipe: event.isHeld && engine.context.readsProgramFromPipe,
                         now: WallClock.bootTimeNow())
        }
        emit(event, toStdout: configuration.showEvents)
        for alert in alerts { emit(alert) }
        // Readers whose stdin writer only now exec'd: judge them again with that provenance.
        for reader in waiting {
            var late = engine.evaluate(.exec(reader), onlyStdinProvenance: true)
            enforcer?.act(on: .exec(reader), alerts: &late, readsProgramFromPipe: false, late: true, now: WallClock.bootTimeNow())
            for alert in late { emit(alert) }
        }
    }

    private func emit(_ alert: Alert) {
        alertCount += 1
        let toStdout = alert.priority >= configuration.minimumPriority
        if export != nil || (toStdout && configuration.format == .json) {
            scratch.reset()
            alertFormatter.json(alert, hostname: hostname, into: &scratch)
            export?.writeLine(scratch.bytes)
        }
        guard toStdout else { return }
        switch configuration.format {
        case .json: stdout.writeLine(scratch.bytes)
        case .text: stdout.writeLine(alertFormatter.text(alert))
        }
    }

    public func idle() {
        if let rules = pendingRules.withLock({ pending -> RuleSet? in defer { pending = nil }; return pending }) {
            engine?.replace(rules)
            enforcer?.updateGuardedPaths(rules.guardedPaths)
        }
        let now = WallClock.bootTimeNow()
        enforcer?.tick(now: now)
        if now - lastLossCheck >= 1_000_000_000 {
            lastLossCheck = now
            checkLoss()
        }
        stdout.flush()
        export?.flush()
    }

    /// Reports kernel-side loss since the last check; loss always reaches stdout.
    public func checkLoss() {
        let totals = lossSource()
        let delta = LossReport(bootTime: totals.bootTime,
                               ringBufferDrops: totals.ringBufferDrops - min(totals.ringBufferDrops, lossTotals.ringBufferDrops),
                               processTableFull: totals.processTableFull - min(totals.processTableFull, lossTotals.processTableFull))
        lossTotals = totals
        if !delta.isEmpty { emit(.loss(delta), toStdout: true) }
    }

    public var outputFailed: Bool { stdout.failed || export?.failed == true }

    private func emit(_ event: Event, toStdout: Bool) {
        let needsJSON = export != nil || (toStdout && configuration.format == .json)
        if needsJSON {
            scratch.reset()
            json.encode(event, into: &scratch)
            export?.writeLine(scratch.bytes)
        }
        guard toStdout else { return }
        switch configuration.format {
        case .json: stdout.writeLine(scratch.bytes)
        case .text: stdout.writeLine(text.format(event, lineage: lineage))
        }
    }
}
