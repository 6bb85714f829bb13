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

        public init(showEvents: Bool, format: Format, colour: Bool) {
            self.showEvents = showEvents
            self.format = format
            self.colour = colour
        }
    }

    public private(set) var lineage: ProcessTable
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

    public init(configuration: Configuration, context: OutputContext, stdout: FDWriter, export: FDWriter?,
                lineage: ProcessTable = ProcessTable(), lossSource: @escaping () -> LossReport) {
        self.configuration = configuration
        self.json = EventJSONEncoder(context: context)
        self.text = EventTextFormatter(context: context, colour: configuration.colour)
        self.stdout = stdout
        self.export = export
        self.lineage = lineage
        self.lossSource = lossSource
    }

    /// Agents added after start-up (`warden run`, `--agent-pid`) need names in the output.
    public func updateCatalog(_ catalog: AgentCatalog) {
        json.updateCatalog(catalog)
        text.context.catalog = catalog
    }

    public func seed(_ record: ProcessRecord) {
        lineage.insert(record)
    }

    public func receive(_ event: Event) {
        lineage.apply(event)
        countsByKind[event.kindIndex] += 1
        emit(event, toStdout: configuration.showEvents)
    }

    public func idle() {
        let now = WallClock.bootTimeNow()
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
