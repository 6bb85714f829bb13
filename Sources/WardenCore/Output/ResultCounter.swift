/// Counts what went through the spine, for the exit summary.
public final class ResultCounter: ResultSink {
    private var byKind = [UInt64](repeating: 0, count: EventKind.allCases.count)
    public private(set) var alerts: UInt64 = 0

    public init() {}

    public func write(_ result: ProcessingResult) {
        if let kind = result.event?.kind { byKind[kind.position] += 1 }
        alerts += UInt64(result.alerts.count)
    }

    /// Kernel events of `kind` seen.
    public subscript(kind: EventKind) -> UInt64 { byKind[kind.position] }

    /// Kernel events seen, loss reports aside.
    public var events: UInt64 { byKind.reduce(0, +) }

    public func flush() {}
    public func updateCatalog(_ catalog: AgentCatalog) {}
    public var failed: Bool { false }
}
