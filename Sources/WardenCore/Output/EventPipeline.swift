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
    public private(set) var counts: [String: UInt64] = [:]
    public private(set) var lossTotals = LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0)
    private let configuration: Configuration
    private var json: EventJSONEncoder
    private var text: EventTextFormatter
    private let stdout: FDWriter
    private let export: FDWriter?
    private let lossSource: () -> LossReport
    private var lastLossCheck: UInt64 = 0

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
        json.context.catalog = catalog
        text.context.catalog = catalog
    }

    public func seed(_ record: ProcessRecord) {
        lineage.insert(record)
    }

    public func receive(_ event: Event) {
        lineage.apply(event)
        counts[event.typeName, default: 0] += 1
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
        var encoded: [UInt8]?
        if let export {
            encoded = json.encode(event)
            export.writeLine(encoded!)
        }
        guard toStdout else { return }
        switch configuration.format {
        case .json: stdout.writeLine(encoded ?? json.encode(event))
        case .text: stdout.writeLine(text.format(event, lineage: lineage))
        }
    }
}
