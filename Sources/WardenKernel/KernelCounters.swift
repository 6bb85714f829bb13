import WardenABI
import WardenCore

/// The kernel's per-CPU `warden_counters`, summed over CPUs. Totals since load.
public struct KernelCounters: Sendable {
    private let map: BPFMap

    init(map: BPFMap) {
        self.map = map
    }

    /// What the kernel could not deliver.
    public func lossTotals() -> LossReport {
        let total = sum()
        let byKind = withUnsafeBytes(of: total.dropped_by_kind) { Array($0.bindMemory(to: UInt64.self)) }
        return LossReport(bootTime: WallClock.bootTimeNow(), ringBufferDrops: total.ringbuf_drops,
                          processTableFull: total.process_table_full,
                          droppedByKind: EventKind.allCases.map { byKind[Int($0.rawValue)] })
    }

    /// Enforce mode: processes the kernel held, and killed because Warden could not be told.
    public func enforcement() -> (holds: UInt64, failClosedKills: UInt64) {
        let total = sum()
        return (total.holds, total.fail_closed_kills)
    }

    /// Records the kernel wrote into the ring buffer.
    public func eventsEmitted() -> UInt64 {
        sum().events_emitted
    }

    private func sum() -> warden_counters {
        map.lookupPerCPU(UInt32(0), as: warden_counters.self).reduce(into: warden_counters()) { total, cpu in
            total.ringbuf_drops += cpu.ringbuf_drops
            total.process_table_full += cpu.process_table_full
            total.events_emitted += cpu.events_emitted
            total.holds += cpu.holds
            total.fail_closed_kills += cpu.fail_closed_kills
            withUnsafeMutableBytes(of: &total.dropped_by_kind) { sum in
                withUnsafeBytes(of: cpu.dropped_by_kind) { one in
                    let sum = sum.bindMemory(to: UInt64.self), one = one.bindMemory(to: UInt64.self)
                    for slot in sum.indices { sum[slot] += one[slot] }
                }
            }
        }
    }
}
