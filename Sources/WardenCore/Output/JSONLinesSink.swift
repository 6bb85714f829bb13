/// Events and alerts as JSON Lines (docs/events.md): the `--output` export (everything) or stdout
/// with `--format json` (events when asked for, alerts from a priority, loss reports always).
public final class JSONLinesSink: ResultSink {
    /// Which results reach this sink's writer.
    public struct Selection: Sendable {
        public var events: Bool
        public var minimumPriority: Priority

        public init(events: Bool, minimumPriority: Priority) {
            self.events = events
            self.minimumPriority = minimumPriority
        }

        public static let everything = Selection(events: true, minimumPriority: .debug)
    }

    private let writer: FDWriter
    private let selection: Selection
    private var encoder: EventJSONEncoder
    private var alerts: AlertFormatter
    private let hostname = Hostname.current()
    private var line = JSONLineBuilder(capacity: 4096)

    public init(writer: FDWriter, selection: Selection, context: OutputContext) {
        self.writer = writer
        self.selection = selection
        self.encoder = EventJSONEncoder(context: context)
        self.alerts = AlertFormatter(context: context, colour: false)
    }

    public func write(_ result: ProcessingResult) {
        if let event = result.event, selection.events || event.kind == nil {
            line.reset()
            encoder.encode(event, into: &line)
            writer.writeLine(line.bytes)
        }
        // The export (events) records what was read of scripts, so that a replay judges the same code.
        if selection.events {
            for script in result.scripts {
                line.reset()
                line.beginObject()
                line.key("type")
                line.string("script")
                line.key("exec_id")
                line.id(script.execID)
                line.key("status")
                line.string(script.code.status.rawValue)
                line.key("size")
                line.number(script.code.size)
                line.bytesField("code", ByteString(script.code.bytes))
                line.endObject()
                writer.writeLine(line.bytes)
            }
        }
        for alert in result.alerts where alert.priority >= selection.minimumPriority {
            line.reset()
            alerts.json(alert, hostname: hostname, into: &line)
            writer.writeLine(line.bytes)
        }
    }

    public func flush() { writer.flush() }

    public func updateCatalog(_ catalog: AgentCatalog) {
        encoder.updateCatalog(catalog)
        alerts.context.catalog = catalog
    }

    public var failed: Bool { writer.failed }
}
