/// What the spine made of one event: the event, and the alerts it raised, each carrying what
/// enforce mode did about it.
public struct ProcessingResult {
    /// nil when only time passed: the alerts are about earlier events whose judgement waited
    /// for something (an executable's identity).
    public let event: Event?
    /// Alerts on earlier events judged now (their judgement waited, or `event` changed their
    /// facts: an interpreter reading a pipe whose network writer exec'd after it), and on `event`.
    public internal(set) var alerts: [Alert]
    /// Scripts read for execs since the last result (`ScriptInspector`): the export records them
    /// so that a replay judges the same code.
    public internal(set) var scripts: [ScriptRecord] = []
}

/// What was read of the program file an exec's interpreter runs.
public struct ScriptRecord: Sendable {
    public var execID: UInt64
    public var code: ScriptCode

    public init(execID: UInt64, code: ScriptCode) {
        self.execID = execID
        self.code = code
    }
}
