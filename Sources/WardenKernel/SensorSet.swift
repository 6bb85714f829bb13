import Glibc
import Synchronization
import WardenABI
import WardenCore

/// Warden's kernel side as one owned resource: the loaded BPF object, its attached programs, the
/// process, agent and counter tables, and the ring buffer. Deinit detaches everything.
public final class SensorSet: @unchecked Sendable {
    // @unchecked: tables are updated from the control thread while the poll thread reads the
    // ring buffer; libbpf map operations are syscalls, safe from any thread, and the ring buffer
    // is only touched by the thread running `pollLoop`.

    public struct Options: Sendable {
        public var hostWide = false
        public var ringBufferBytes: UInt32 = 4 << 20
        /// First exec id; CLOCK_BOOTTIME now keeps ids unique across restarts within a boot.
        public var execIDBase = WallClock.bootTimeNow()

        public init() {}
    }

    public let options: Options
    /// Wall time spent opening, loading and attaching, in seconds.
    public let loadSeconds: Double
    private let object: BPFObject
    private var links: [BPFLink]
    private let processes: BPFMap
    private let agentExecutables: BPFMap
    private let agentPaths: BPFMap
    private let counters: BPFMap
    private let events: BPFMap

    public init(options: Options = Options()) throws {
        try PreflightError.check()
        let start = WallClock.now(CLOCK_MONOTONIC)
        self.options = options
        object = try BPFObject(elf: PackageResources.warden_bpf_o, name: "warden")
        try object.setReadOnlyData(warden_config(exec_id_base: options.execIDBase,
                                                 monitor_tgid: UInt32(getpid()),
                                                 host_wide: options.hostWide ? 1 : 0))
        try object.setMaxEntries(map: "events", options.ringBufferBytes)
        try object.load()
        processes = try object.map(named: "processes")
        agentExecutables = try object.map(named: "agent_executables")
        agentPaths = try object.map(named: "agent_paths")
        counters = try object.map(named: "counters")
        events = try object.map(named: "events")
        links = try object.attachAll()
        loadSeconds = Double(WallClock.now(CLOCK_MONOTONIC) - start) / 1e9
    }

    deinit {
        links.removeAll() // detach before the object (and its programs) go away
    }

    public var attachedPrograms: [String] { links.map(\.programName) }

    // MARK: Agent recognition

    /// Replaces the kernel's agent tables with `table`.
    public func install(_ table: AgentMatchTable) throws {
        for (key, id) in table.executables {
            try agentExecutables.update(warden_file_key(inode: key.inode, dev: key.device, pad: 0), id)
        }
        for (path, id) in table.paths {
            try agentPaths.update(Self.pathKey(path), id)
        }
    }

    static func pathKey(_ path: String) -> warden_path_key {
        var key = warden_path_key()
        withUnsafeMutableBytes(of: &key.path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        return key
    }

    // MARK: Lineage

    /// Puts a running process into a lineage. Its children from now on inherit it in the kernel.
    public func track(pid: UInt32, _ process: TrackedProcess) throws {
        try processes.update(pid, warden_process(exec_id: process.execID, parent_exec_id: process.parentExecID,
                                                 session_id: process.sessionID, agent_id: process.agentID, flags: 0))
    }

    public func tracked(pid: UInt32) -> TrackedProcess? {
        processes.lookup(pid, as: warden_process.self).map {
            TrackedProcess(execID: $0.exec_id, parentExecID: $0.parent_exec_id, sessionID: $0.session_id, agentID: $0.agent_id)
        }
    }

    // MARK: Loss

    /// Totals since load, summed over CPUs.
    public func lossTotals() -> LossReport {
        let perCPU = counters.lookupPerCPU(UInt32(0), as: warden_counters.self)
        return LossReport(bootTime: WallClock.bootTimeNow(),
                          ringBufferDrops: perCPU.reduce(0) { $0 + $1.ringbuf_drops },
                          processTableFull: perCPU.reduce(0) { $0 + $1.process_table_full })
    }

    public func eventsEmitted() -> UInt64 {
        counters.lookupPerCPU(UInt32(0), as: warden_counters.self).reduce(0) { $0 + $1.events_emitted }
    }

    // MARK: Events

    /// Polls the ring buffer on the calling thread until `stop` is set, then drains what is left.
    /// Returns the number of records that could not be decoded.
    public func pollLoop(sink: EventSink, stop: borrowing Atomic<Bool>, timeoutMilliseconds: Int32 = 100) throws -> UInt64 {
        let ring = try RingBuffer(map: events, sink: sink)
        while !stop.load(ordering: .acquiring) {
            try ring.poll(timeoutMilliseconds: timeoutMilliseconds)
            sink.idle()
        }
        ring.drain()
        sink.idle()
        return ring.decodeFailures
    }
}
