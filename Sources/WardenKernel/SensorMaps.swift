/// The maps of Warden's BPF object (bpf/lib/maps.h), each looked up once after load: the only
/// place their names appear on the Swift side.
struct SensorMaps {
    /// The bulk ring (opens, failed execs, connects, unheld syscall events).
    let events: BPFMap
    /// The ring of what lineage and enforcement depend on (execs, forks, exits, renames, holds).
    let decisions: BPFMap
    let processes: BPFMap
    let agentExecutables: BPFMap
    let agentPaths: BPFMap
    let counters: BPFMap
    let held: BPFMap
    let guardedFiles: BPFMap
    let fileOrigins: BPFMap
    let guardedFilter: BPFMap

    /// The ring buffers' names, for sizing them before load.
    static let eventsName = "events"
    static let decisionsName = "decisions"

    init(loaded object: BPFObject) throws {
        events = try object.map(named: Self.eventsName)
        decisions = try object.map(named: Self.decisionsName)
        processes = try object.map(named: "processes")
        agentExecutables = try object.map(named: "agent_executables")
        agentPaths = try object.map(named: "agent_paths")
        counters = try object.map(named: "counters")
        held = try object.map(named: "held")
        guardedFiles = try object.map(named: "guarded_files")
        fileOrigins = try object.map(named: "file_origins")
        guardedFilter = try object.map(named: "guarded_filter")
    }
}
