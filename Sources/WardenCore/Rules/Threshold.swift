/// A rule's `threshold:`: the rule alerts only when its condition has matched on at least
/// `atLeast` distinct values of `field`, for one process or one agent session, within `window`
/// (a credential sweep: many different secrets opened, whatever each single open looked like).
public struct Threshold: Sendable, Equatable {
    public enum Scope: String, Sendable, CaseIterable {
        /// Counted per process image.
        case process
        /// Counted per agent session (all processes of one agent).
        case session
    }

    public var field: String
    public var atLeast: Int
    public var windowNanoseconds: UInt64
    public var per: Scope

    public init(field: String, atLeast: Int, windowNanoseconds: UInt64, per: Scope) {
        self.field = field
        self.atLeast = atLeast
        self.windowNanoseconds = windowNanoseconds
        self.per = per
    }
}

/// The counting state of one threshold rule: distinct values seen recently, per process or
/// session. Fires once when the count reaches the threshold, and again only after the count has
/// fallen below it (values older than the window are forgotten). Bounded in keys and values.
final class ThresholdCounter {
    private struct Window {
        var lastSeen: [String: UInt64] = [:]
        var fired = false
    }

    let threshold: Threshold
    private var windows: [UInt64: Window] = [:]
    private static let maximumKeys = 4096

    init(_ threshold: Threshold) {
        self.threshold = threshold
    }

    /// Records `value` for `key` at `time`; true when this crosses the threshold.
    func record(_ value: String, key: UInt64, time: UInt64) -> Bool {
        if windows[key] == nil, windows.count >= Self.maximumKeys { windows.removeAll(keepingCapacity: true) }
        var window = windows[key] ?? Window()
        let span = threshold.windowNanoseconds
        window.lastSeen = window.lastSeen.filter { time < $0.value || time - $0.value <= span }
        if window.lastSeen.count < 4 * threshold.atLeast { window.lastSeen[value] = time }
        let reached = window.lastSeen.count >= threshold.atLeast
        let crossed = reached && !window.fired
        window.fired = reached
        windows[key] = window
        return crossed
    }
}
