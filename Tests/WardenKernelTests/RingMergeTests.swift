import Testing
import WardenKernel

/// The two-ring order invariant (RingMerge, docs/architecture.md "Two rings"): records of one task
/// reach the processor in the order the task made them, though they travel in different rings.
@Suite("Two rings merged")
struct RingMergeTests {
    /// A record in the tests: which task made it, and its place in that task's program.
    struct Op: Equatable { var task: Int; var step: Int }

    @Test("an open stamped after the cutoff waits for the next round, and its exec goes first")
    func execBeforeOpen() {
        var merge = RingMerge<String>(rings: 2)
        merge.append("exec", time: 10, ring: 0)
        merge.append("open", time: 20, ring: 1)
        var out: [String] = []
        #expect(merge.release(upTo: 15) { out.append($0) } == 1)
        #expect(out == ["exec"])
        #expect(merge.pending == 1)
        merge.release(upTo: 25) { out.append($0) }
        #expect(out == ["exec", "open"])
        #expect(merge.pending == 0)
    }

    @Test("an exit read before its process's last opens is handed on after them")
    func exitAfterOpens() {
        var merge = RingMerge<String>(rings: 2)
        merge.append("exit", time: 9, ring: 0)
        merge.append("open 1", time: 5, ring: 1)
        merge.append("open 2", time: 8, ring: 1)
        var out: [String] = []
        merge.release(upTo: 100) { out.append($0) }
        #expect(out == ["open 1", "open 2", "exit"])
    }

    @Test("a record past the cutoff holds back the later records of its own ring")
    func ringOrderKept() {
        var merge = RingMerge<String>(rings: 2)
        merge.append("late", time: 50, ring: 1)
        merge.append("early but behind", time: 40, ring: 1)
        var out: [String] = []
        merge.release(upTo: 45) { out.append($0) }
        #expect(out.isEmpty)
        merge.release(upTo: 60) { out.append($0) }
        #expect(out == ["late", "early but behind"])
    }

    @Test("equal stamps: the decisions ring (index 0) first")
    func ties() {
        var merge = RingMerge<String>(rings: 2)
        merge.append("bulk", time: 7, ring: 1)
        merge.append("decision", time: 7, ring: 0)
        var out: [String] = []
        merge.release(upTo: 7) { out.append($0) }
        #expect(out == ["decision", "bulk"])
    }

    /// A model of the kernel and the reader on one clock. Each task makes records in program order,
    /// each into a ring chosen at random; the kernel stamps a record, then (a random while later,
    /// before the task's next record) reserves and commits it in its ring. The reader's rounds come
    /// at random moments and take time: read the cutoff, drain the decisions ring, (tasks go on
    /// meanwhile) drain the bulk ring, release. `cutoffBeforeDrain: false` is the tempting mistake
    /// (the clock read after the drain).
    private func simulate(seed: UInt64, cutoffBeforeDrain: Bool) -> [Op] {
        var random = SplitMix(seed: seed)
        let tasks = 6, steps = 40
        var clock: UInt64 = 0
        var next = Array(repeating: 0, count: tasks)
        var stamped: [Int: (time: UInt64, ring: Int)] = [:] // task -> record stamped, not yet in its ring
        var rings: [[(Op, UInt64)]] = [[], []]
        var merge = RingMerge<Op>(rings: 2)
        var delivered: [Op] = []
        var readerCutoff: UInt64? = nil // set while a round is between its two drains
        func drain(_ ring: Int) {
            for (op, time) in rings[ring] { merge.append(op, time: time, ring: ring) }
            rings[ring].removeAll()
        }
        while next.contains(where: { $0 < steps }) || !stamped.isEmpty {
            clock += 1
            switch random.next() % 3 {
            case 0: // a task stamps its next record
                let task = Int(random.next() % UInt64(tasks))
                guard stamped[task] == nil, next[task] < steps else { continue }
                stamped[task] = (clock, Int(random.next() % 2))
            case 1: // a task reserves and commits the record it stamped
                guard let task = stamped.keys.sorted().randomElement(using: &random), let record = stamped[task] else { continue }
                rings[record.ring].append((Op(task: task, step: next[task]), record.time))
                next[task] += 1
                stamped[task] = nil
            default: // the reader: a round's first half, or its second
                if let cutoff = readerCutoff {
                    drain(1)
                    merge.release(upTo: cutoffBeforeDrain ? cutoff : clock) { delivered.append($0) }
                    readerCutoff = nil
                } else {
                    readerCutoff = clock
                    drain(0)
                }
            }
        }
        drain(0)
        drain(1)
        merge.release(upTo: .max) { delivered.append($0) }
        return delivered
    }

    private func inProgramOrder(_ ops: [Op]) -> Bool {
        var last: [Int: Int] = [:]
        for op in ops {
            if let previous = last[op.task], previous >= op.step { return false }
            last[op.task] = op.step
        }
        return true
    }

    @Test("random interleavings of six tasks over two rings keep every task's order, and lose nothing")
    func modelKeepsProgramOrder() {
        for seed in UInt64(1)...300 {
            let delivered = simulate(seed: seed, cutoffBeforeDrain: true)
            #expect(delivered.count == 6 * 40, "seed \(seed)")
            #expect(inProgramOrder(delivered), "seed \(seed)")
        }
    }

    @Test("the model can fail: with the cutoff read after the drain, some task is reordered")
    func modelDetectsLateCutoff() {
        let reordered = (UInt64(1)...300).filter { !inProgramOrder(simulate(seed: $0, cutoffBeforeDrain: false)) }
        #expect(!reordered.isEmpty)
    }
}

/// A small seeded generator, so a failing seed can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49EB_133B_111B
        return z ^ (z >> 31)
    }
}
