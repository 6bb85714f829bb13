/// One line per event or alert for a person at a terminal: alerts from a priority, every event
/// when asked for, loss reports always. Every event field is escaped (TerminalText).
public final class TextSink: ResultSink {
    private let writer: FDWriter
    private let showEvents: Bool
    private let minimumPriority: Priority
    private var events: EventTextFormatter
    private var alerts: AlertFormatter
    /// Parent and process names come from the spine's lineage table, read on the same thread.
    private let lineage: ProcessTable

    public init(writer: FDWriter, showEvents: Bool, minimumPriority: Priority, colour: Bool,
                context: OutputContext, lineage: ProcessTable) {
        self.writer = writer
        self.showEvents = showEvents
        self.minimumPriority = minimumPriority
        self.events = EventTextFormatter(context: context, colour: colour)
        self.alerts = AlertFormatter(context: context, colour: colour)
        self.lineage = lineage
    }

    public func write(_ result: ProcessingResult) {
        if let event = result.event, showEvents || event.kind == nil {
            writer.writeLine(events.format(event, lineage: lineage))
        }
        for alert in result.alerts where alert.priority >= minimumPriority {
            writer.writeLine(alerts.text(alert))
        }
    }

    public func flush() { writer.flush() }

    public func updateCatalog(_ catalog: AgentCatalog) {
        events.context.catalog = catalog
        alerts.context.catalog = catalog
    }

    public var failed: Bool { writer.failed }
}
