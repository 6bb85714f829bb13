import CWardenSpawn
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
        /// Enforce mode: hold lineage execs and guarded opens (SIGSTOP from the kernel) until decided.
        public var enforce = false
        /// Enforce mode: kill, rather than let run, what Warden cannot decide about.
        public var failClosed = false

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
    private let held: BPFMap
    private let guarded: BPFMap
    /// Enforce mode: the child that releases held processes if Warden dies (see warden_guardian.h).
    public private(set) var guardianPID: pid_t?
    private let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))

    public init(options: Options = Options()) throws {
        try PreflightError.check()
        let start = WallClock.now(CLOCK_MONOTONIC)
        self.options = options
        object = try BPFObject(elf: SensorImage.elf, name: "warden")
        try object.setReadOnlyData(warden_config(exec_id_base: options.execIDBase,
                                                 monitor_tgid: UInt32(getpid()),
                                                 host_wide: options.hostWide ? 1 : 0,
                                                 enforce: options.enforce ? 1 : 0,
                                                 fail_closed: options.failClosed ? 1 : 0))
        try object.setMaxEntries(map: "events", options.ringBufferBytes)
        try object.load()
        processes = try object.map(named: "processes")
        agentExecutables = try object.map(named: "agent_executables")
        agentPaths = try object.map(named: "agent_paths")
        counters = try object.map(named: "counters")
        events = try object.map(named: "events")
        held = try object.map(named: "held")
        guarded = try object.map(named: "guarded_files")
        if options.enforce {
            // Before anything can be held, so that no hold can outlive Warden.
            let guardian = warden_guardian_start(held.fd, options.failClosed ? 1 : 0)
            guard guardian > 0 else { throw KernelError("starting the enforce-mode guardian", errno: errno) }
            guardianPID = guardian
        }
        links = try object.attachAll()
        loadSeconds = Double(WallClock.now(CLOCK_MONOTONIC) - start) / 1e9
    }

    deinit {
        links.removeAll() // detach before the object (and its programs) go away
    }

    public var attachedPrograms: [String] { links.map(\.programName) }

    /// Detaches every program: no new events, no new holds. The maps stay readable.
    public func detach() {
        links.removeAll()
    }

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
        // A session's root is the agent itself: enforce mode never holds its own opens.
        let flags = process.execID == process.sessionID ? WARDEN_PROCESS_AGENT_ROOT.rawValue : 0
        try processes.update(pid, warden_process(exec_id: process.execID, parent_exec_id: process.parentExecID,
                                                 session_id: process.sessionID, agent_id: process.agentID, flags: flags))
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

    public func enforcementCounters() -> (holds: UInt64, failClosedKills: UInt64) {
        let perCPU = counters.lookupPerCPU(UInt32(0), as: warden_counters.self)
        return (perCPU.reduce(0) { $0 + $1.holds }, perCPU.reduce(0) { $0 + $1.fail_closed_kills })
    }

    public func eventsEmitted() -> UInt64 {
        counters.lookupPerCPU(UInt32(0), as: warden_counters.self).reduce(0) { $0 + $1.events_emitted }
    }

    // MARK: Events

    /// Polls the ring buffer on the calling thread until `stop` is set, then drains what is left.
    /// Returns the number of records that could not be decoded.
    /// The kernel wakes the poller only for held processes (see `submit_with` in bpf/lib/submit.h),
    /// so the timeout is also the longest an ordinary event waits.
    public func pollLoop(sink: EventSink, stop: borrowing Atomic<Bool>, timeoutMilliseconds: Int32 = 10) throws -> UInt64 {
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

// MARK: Enforce mode

extension SensorSet: ProcessControl {
    public func resume(pid: UInt32, execID: UInt64) -> SignalOutcome {
        withPidfd(pid) { pidfd in
            // The kernel's hold table, read after the pidfd exists, names the process it refers to.
            guard held.lookup(pid, as: warden_hold.self)?.exec_id == execID else { return .gone }
            held.delete(pid)
            return warden_pidfd_signal(pidfd, SIGCONT) == 0 ? .sent : .gone
        }
    }

    public func kill(pid: UInt32, execID: UInt64) -> SignalOutcome {
        withPidfd(pid) { pidfd in
            guard processes.lookup(pid, as: warden_process.self)?.exec_id == execID else { return .gone }
            return warden_pidfd_signal(pidfd, SIGKILL) == 0 ? .sent : .gone
        }
    }

    public func heldProcesses() -> [HeldProcess] {
        held.keys(as: UInt32.self, limit: Int(WARDEN_MAX_HELD)).compactMap { pid in
            held.lookup(pid, as: warden_hold.self).map { HeldProcess(pid: pid, execID: $0.exec_id, heldAt: $0.held_at_ns) }
        }
    }

    public func isHeld(pid: UInt32, execID: UInt64) -> Bool {
        held.lookup(pid, as: warden_hold.self)?.exec_id == execID
    }

    public func guardFiles(_ files: [FileIdentity]) {
        for file in files {
            // A full table leaves the rest unguarded: their opens are still judged, after the fact.
            try? guarded.update(warden_file_key(inode: file.inode, dev: file.device, pad: 0), UInt32(1))
        }
    }

    /// Every process still held gets the fail mode (after `detach()` and the last events were
    /// judged, these are holds whose events were never read). Returns how many were signalled.
    public func releaseAllHeld(failClosed: Bool) -> Int {
        Int(warden_release_all_held(held.fd, failClosed ? 1 : 0, ticksPerSecond))
    }

    /// Runs `body` with a pidfd for `pid`: signals through it reach that process or fail, never a
    /// process that reused the pid after the check in `body`.
    private func withPidfd(_ pid: UInt32, _ body: (Int32) -> SignalOutcome) -> SignalOutcome {
        let pidfd = warden_pidfd_open(pid_t(pid))
        guard pidfd >= 0 else { return .gone }
        defer { close(pidfd) }
        return body(pidfd)
    }
}
