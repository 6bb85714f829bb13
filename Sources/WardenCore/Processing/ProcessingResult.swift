/// What the spine made of one event: the event, and the alerts it raised, each carrying what
/// enforce mode did about it.
public struct ProcessingResult {
    public let event: Event
    /// Alerts on `event`, then alerts on earlier events that `event` made the spine judge again
    /// (an interpreter reading a pipe whose network writer exec'd after it).
    public internal(set) var alerts: [Alert]
}
