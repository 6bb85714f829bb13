/// Receives decoded events on the polling thread, in ring-buffer order.
public protocol EventSink: AnyObject {
    func receive(_ event: Event)
    /// Called after each poll round (at least every poll timeout): flush buffered output, check counters.
    func idle()
    /// Called once when polling stops, after the last records were delivered.
    func finish()
}

extension EventSink {
    public func finish() { idle() }
}
