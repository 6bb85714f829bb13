/// Where processing results go: stdout for people or machines, the JSON Lines export, counters;
/// later metrics and network exporters. Called on the polling thread, in event order.
public protocol ResultSink: AnyObject {
    func write(_ result: ProcessingResult)
    /// After each poll round: push buffered output out.
    func flush()
    /// Agents added at run time have names the output must use from now on.
    func updateCatalog(_ catalog: AgentCatalog)
    /// Writing failed (a closed pipe, a full disk): the summary says so.
    var failed: Bool { get }
}

/// Output formats on stdout.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text, json
}

extension OutputFormat {
    /// The sink that shows results on `writer` (stdout) in this format.
    public func sink(writer: FDWriter, showEvents: Bool, minimumPriority: Priority, colour: Bool,
                     context: OutputContext, lineage: ProcessTable) -> ResultSink {
        switch self {
        case .text:
            return TextSink(writer: writer, showEvents: showEvents, minimumPriority: minimumPriority, colour: colour,
                            context: context, lineage: lineage)
        case .json:
            return JSONLinesSink(writer: writer, selection: .init(events: showEvents, minimumPriority: minimumPriority),
                                 context: context)
        }
    }
}
