import Synchronization

/// The live monitor's side of the poll loop: each decoded event goes through the spine and its
/// result to every sink; between poll rounds, rule reloads, enforce-mode ticks, loss reports and
/// flushing happen here. Used from the polling thread only (except `scheduleReload`).
public final class EventPipeline: EventSink {
    public let processor: EventProcessor
    public let counter = ResultCounter()
    private let sinks: [ResultSink]
    private let lossSource: () -> LossReport
    public private(set) var lossTotals = LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0)
    private var lastLossCheck: UInt64 = 0
    private let pendingRules = Mutex<RuleSet?>(nil)
    /// Called on the polling thread once a reloaded rule set is in use.
    private let rulesReplaced: (RuleSet) -> Void

    public init(processor: EventProcessor, sinks: [ResultSink], lossSource: @escaping () -> LossReport,
                rulesReplaced: @escaping (RuleSet) -> Void = { _ in }) {
        self.processor = processor
        self.sinks = sinks + [counter]
        self.lossSource = lossSource
        self.rulesReplaced = rulesReplaced
    }

    public func receive(_ event: Event) {
        deliver(processor.process(event))
    }

    private func deliver(_ result: ProcessingResult) {
        for sink in sinks { sink.write(result) }
    }

    /// Swaps in a new rule set at the next idle point, on the polling thread (SIGHUP reload).
    /// Callable from any thread; the sensors stay attached throughout.
    public func scheduleReload(_ rules: RuleSet) {
        pendingRules.withLock { $0 = rules }
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in the output.
    public func updateCatalog(_ catalog: AgentCatalog) {
        processor.updateCatalog(catalog)
        for sink in sinks { sink.updateCatalog(catalog) }
    }

    public func idle() {
        if let rules = pendingRules.withLock({ pending -> RuleSet? in defer { pending = nil }; return pending }) {
            processor.replaceRules(rules)
            rulesReplaced(rules)
        }
        let now = WallClock.bootTimeNow()
        if let result = processor.tick(now: now) { deliver(result) }
        if now - lastLossCheck >= 1_000_000_000 {
            lastLossCheck = now
            checkLoss()
        }
        for sink in sinks { sink.flush() }
    }

    /// Polling stopped: the execs still waiting for a worker (an executable being read, a script
    /// being read) are judged now, with the answers the workers give, not dropped with the
    /// session: the last tool call of an agent is often one of them.
    public func finish() {
        if let result = processor.finish() { deliver(result) }
        idle()
    }

    /// Reports kernel-side loss since the last check; sinks show loss reports always.
    public func checkLoss() {
        let totals = lossSource()
        let delta = totals.since(lossTotals)
        lossTotals = totals
        if !delta.isEmpty { deliver(processor.process(.loss(delta))) }
    }

    public var outputFailed: Bool { sinks.contains { $0.failed } }
}
