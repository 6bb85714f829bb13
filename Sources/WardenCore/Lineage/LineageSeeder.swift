/// Brings processes that were already running when Warden started into agent lineages.
///
/// The kernel only learns lineage at exec and fork, so an agent that started before Warden (or a
/// tree adopted with `--agent-pid`) is found in /proc and written into the kernel's process table,
/// parents before children. Seeded images get exec ids with the top bit set, from a range of their
/// own, so they can never collide with ids the kernel assigns.
public struct LineageSeeder {
    public struct Seed: Sendable {
        public var pid: UInt32
        public var tracked: TrackedProcess
        public var record: ProcessRecord
    }

    public static let seededBit: UInt64 = 1 << 63
    private var nextID: UInt64

    public init(base: UInt64) {
        nextID = (base & ~Self.seededBit) | Self.seededBit
    }

    public mutating func allocateID() -> UInt64 {
        nextID += 1
        return nextID
    }

    /// Seeds for every process in `snapshot` that is an agent root (by `isRoot`) or a descendant of
    /// one, skipping pids in `alreadyTracked`. Roots come before their descendants.
    public mutating func plan(snapshot: [UInt32: ProcProcess], roots: [UInt32: UInt32],
                              alreadyTracked: (UInt32) -> TrackedProcess?) -> [Seed] {
        var children: [UInt32: [UInt32]] = [:]
        for process in snapshot.values { children[process.ppid, default: []].append(process.pid) }

        var seeds: [Seed] = []
        var seen: Set<UInt32> = []
        // Breadth-first from each root; an agent below another agent stays in the outer lineage.
        for (rootPID, agentID) in roots.sorted(by: { $0.key < $1.key }) where !seen.contains(rootPID) {
            guard let root = snapshot[rootPID] else { continue }
            var queue: [(UInt32, TrackedProcess)] = []
            if let existing = alreadyTracked(rootPID) {
                queue.append((rootPID, existing))
            } else {
                let id = allocateID()
                let tracked = TrackedProcess(execID: id, parentExecID: 0, sessionID: id, agentID: agentID)
                seeds.append(Seed(pid: rootPID, tracked: tracked, record: Self.record(root, tracked)))
                queue.append((rootPID, tracked))
            }
            seen.insert(rootPID)
            var index = 0
            while index < queue.count {
                let (pid, parent) = queue[index]
                index += 1
                for childPID in (children[pid] ?? []).sorted() where seen.insert(childPID).inserted {
                    guard let child = snapshot[childPID] else { continue }
                    if let existing = alreadyTracked(childPID) {
                        queue.append((childPID, existing))
                        continue
                    }
                    let tracked = TrackedProcess(execID: allocateID(), parentExecID: parent.execID,
                                                 sessionID: parent.sessionID, agentID: parent.agentID)
                    seeds.append(Seed(pid: childPID, tracked: tracked, record: Self.record(child, tracked)))
                    queue.append((childPID, tracked))
                }
            }
        }
        return seeds
    }

    static func record(_ process: ProcProcess, _ tracked: TrackedProcess) -> ProcessRecord {
        ProcessRecord(execID: tracked.execID, parentExecID: tracked.parentExecID, sessionID: tracked.sessionID,
                      agentID: tracked.agentID, pid: process.pid, executablePath: process.executablePath,
                      argv: process.argv, environment: process.environment, cwd: process.cwd)
    }
}
