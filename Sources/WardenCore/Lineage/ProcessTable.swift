/// The user-space mirror of the kernel's lineage: every process image Warden has seen, by exec id.
///
/// Images stay after they end so that alerts can name the whole chain back to the agent root even
/// when intermediate processes (a `nohup` wrapper, a double fork) are gone. The table is bounded:
/// past `capacity`, the images that ended longest ago are forgotten first. A reference type: the
/// pipeline and the rule engine read the one table the polling thread updates. Only that thread
/// touches the stored state, so Swift's dynamic exclusivity checks on it are off (they were a
/// twentieth of the engine's instructions; callgrind), as in `EvaluationContext`.
public final class ProcessTable {
    public let capacity: Int
    @exclusivity(unchecked) private var records: [UInt64: ProcessRecord] = [:]
    /// Exec ids of ended images, oldest first; `endedHead` is the next one to evict.
    @exclusivity(unchecked) private var endedOrder: [UInt64] = []
    @exclusivity(unchecked) private var endedHead = 0
    /// The newest image of each live pid.
    @exclusivity(unchecked) private var latestByPID: [UInt32: UInt64] = [:]

    public init(capacity: Int = 8192) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { records.count }

    public subscript(execID: UInt64) -> ProcessRecord? { records[execID] }

    /// The newest image Warden has seen for a live pid.
    public func latest(pid: UInt32) -> ProcessRecord? {
        latestByPID[pid].flatMap { records[$0] }
    }

    public func insert(_ record: ProcessRecord) {
        records[record.execID] = record
        if !record.ended { latestByPID[record.pid] = record.execID }
        if record.ended { endedOrder.append(record.execID) }
        evictIfNeeded()
    }

    /// Updates the table with one kernel event.
    public func apply(_ event: Event) {
        switch event {
        case .exec(let e):
            markEnded(e.previousExecID)
            insert(ProcessRecord(execID: e.process.execID, parentExecID: e.process.parentExecID,
                                 sessionID: e.process.sessionID, agentID: e.process.agentID, pid: e.process.pid,
                                 executablePath: e.executablePath, argv: e.argv, exec: e))
        case .fork(let e):
            // Until it execs, the child runs its parent's image.
            let parent = records[e.process.parentExecID]
            insert(ProcessRecord(execID: e.process.execID, parentExecID: e.process.parentExecID,
                                 sessionID: e.process.sessionID, agentID: e.process.agentID, pid: e.process.pid,
                                 executablePath: parent?.executablePath ?? ByteString(""),
                                 argv: parent?.argv ?? [], exec: parent?.exec, environment: parent?.environment,
                                 cwd: parent?.cwd))
        case .exit(let e):
            markEnded(e.process.execID)
            if latestByPID[e.process.pid] == e.process.execID { latestByPID[e.process.pid] = nil }
        case .open, .execFailed, .rename, .connect, .syscall, .loss:
            break
        }
    }

    /// Images still running (not exec'd over, not exited) that satisfy `filter`.
    public func liveRecords(where filter: (ProcessRecord) -> Bool) -> [ProcessRecord] {
        latestByPID.values.compactMap { records[$0] }.filter { !$0.ended && filter($0) }
    }

    /// The chain of images above `execID`, nearest first, up to the agent root or `maxDepth`.
    /// The walk stops at an exec id it has already visited, so a corrupt table cannot loop.
    public func ancestors(of execID: UInt64, maxDepth: Int = 64) -> [ProcessRecord] {
        var chain: [ProcessRecord] = []
        var visited: Set<UInt64> = [execID]
        var next = records[execID]?.parentExecID ?? 0
        while next != 0, chain.count < maxDepth, visited.insert(next).inserted, let record = records[next] {
            chain.append(record)
            if record.execID == record.sessionID { break }
            next = record.parentExecID
        }
        return chain
    }

    private func markEnded(_ execID: UInt64) {
        guard execID != 0, let record = records[execID], !record.ended else { return }
        record.ended = true
        endedOrder.append(execID)
        evictIfNeeded()
    }

    private func evictIfNeeded() {
        while records.count > capacity, endedHead < endedOrder.count {
            let victim = endedOrder[endedHead]
            endedHead += 1
            if records[victim]?.ended == true { records[victim] = nil }
        }
        if endedHead > 4096, endedHead * 2 > endedOrder.count {
            endedOrder.removeFirst(endedHead)
            endedHead = 0
        }
    }
}
