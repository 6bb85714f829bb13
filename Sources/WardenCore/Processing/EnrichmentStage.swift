/// A stage between lineage and the rules. It sees every event in kernel order, after the lineage
/// table has, and keeps the facts that rule fields read through the evaluation context.
///
/// Provenance (pipes, written files, environments) is one today; origins, baselines, integrity and
/// container attribution plug in the same way: a stage, the fields that read it, and its place in
/// `EventProcessor.stages`.
public protocol EnrichmentStage: AnyObject {
    /// Records what `event` tells. Returns earlier events whose facts this one changed: the spine
    /// judges them again with the rules that read those inputs.
    func observe(_ event: Event, lineage: ProcessTable) -> [Reconsideration]
}

/// An earlier event to judge again, and which of its inputs changed.
public struct Reconsideration {
    public var event: Event
    public var changed: FieldInputs

    public init(event: Event, changed: FieldInputs) {
        self.event = event
        self.changed = changed
    }
}
