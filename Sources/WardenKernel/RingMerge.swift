import WardenCore

/// Puts the records of Warden's two rings (bpf/lib/submit.h: `decisions` for execs, forks, exits,
/// renames and held records; `events` for the bulk) back into one order that keeps every task's
/// program order, so the processor never sees an open before its process's exec, nor an exit before
/// the process's last opens.
///
/// The invariant (docs/architecture.md, "Two rings"): a record is handed on only once its kernel
/// time is at or before the cutoff, CLOCK_BOOTTIME read *before* the round drained the rings, and
/// records are handed on by merging the two queues on time. Why that suffices: the kernel stamps a
/// record (`fill_header`) before it reserves its place, and reserves and commits within one helper
/// call. If a task made A then B, A was reserved before B's stamp. So if B's stamp is at or before
/// the cutoff, A was in its ring before the drain began and has been read; and every record ahead
/// of A in A's ring was reserved earlier still, so its stamp is earlier than B's and the merge takes
/// it, and then A, before B. A record stamped after the cutoff waits for the next round.
public struct RingMerge<Record> {
    /// One queue per ring, each in the ring's own order; `head` is the next record to hand on.
    private var queues: [(records: [(time: UInt64, record: Record)], head: Int)]

    public init(rings: Int) {
        queues = Array(repeating: ([], 0), count: rings)
    }

    /// Queues a record read from ring `ring` (in that ring's order), stamped `time` by the kernel.
    public mutating func append(_ record: Record, time: UInt64, ring: Int) {
        queues[ring].records.append((time, record))
    }

    /// Records read but not yet handed on.
    public var pending: Int { queues.reduce(0) { $0 + $1.records.count - $1.head } }

    /// Hands on, in merged time order, every record that can go: stamped at or before `cutoff`.
    /// On equal stamps the lower ring index goes first (the decisions ring: an exec before the
    /// opens of its new image). Returns how many were handed on.
    @discardableResult
    public mutating func release(upTo cutoff: UInt64, _ body: (Record) -> Void) -> Int {
        var released = 0
        while true {
            var best = -1
            var bestTime = UInt64.max
            for index in queues.indices where queues[index].head < queues[index].records.count {
                let time = queues[index].records[queues[index].head].time
                if best < 0 || time < bestTime { best = index; bestTime = time }
            }
            guard best >= 0, bestTime <= cutoff else { break }
            body(queues[best].records[queues[best].head].record)
            queues[best].head += 1
            released += 1
        }
        for index in queues.indices where queues[index].head > 0 {
            // Drop what was handed on; keeping the tail in place costs one copy per round.
            queues[index].records.removeFirst(queues[index].head)
            queues[index].head = 0
        }
        return released
    }
}
