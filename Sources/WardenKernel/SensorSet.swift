import Glibc
import Synchronization
import WardenABI
import WardenCore

/// Warden's kernel side as one owned resource: the loaded BPF object and its attached programs,
/// and the views of its maps that the rest of Warden works with. Deinit detaches everything.
public final class SensorSet: @unchecked Sendable {
    // @unchecked: `links` changes on the control thread (detach) while the poll thread reads the
    // ring buffer; the map views are syscalls on fds, safe from any thread.

    public struct Options: Sendable {
        public var hostWide = false
        /// The size of each of the two rings (bpf/lib/submit.h).
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
    public let agents: KernelAgentTables
    public let lineage: KernelLineage
    public let counters: KernelCounters
    /// Enforce mode's access to holds and signals (usable in any mode).
    public let processControl: KernelProcessControl
    /// Where files got their content, for the corrections user space makes.
    public let originTable: KernelOriginTable
    /// The guarded table, filled in every mode: opens say which guarded file they are.
    public let guardedFiles: KernelGuardedFiles
    private let object: BPFObject
    /// The rings, the decisions ring first (RingMerge's order on equal stamps).
    private let rings: [BPFMap]
    private let guardian: EnforceGuardian?
    /// Sensors this kernel cannot have (their tracepoint does not exist): loaded without them.
    public let unavailablePrograms: [String]
    /// Programs Warden runs without when the kernel lacks their tracepoint; every other is required.
    /// io_uring's completions: a kernel without io_uring has no ring to open files through.
    /// Receives (sock_recv_length, Linux 6.3+): without them a process is tainted by its connects
    /// and accepts only, and a datagram or a passed socket's bytes go unseen (`warden doctor`).
    static let optionalPrograms: Set<String> = ["on_io_uring_complete", receiveProgram]
    public static let receiveProgram = "on_sock_recv"
    /// Warden's helper processes (the enforce-mode guardian): the kernel knows only Warden's own
    /// pid, so a signal sent to one of these is recognised in user space.
    public var helperPIDs: Set<UInt32> { guardian.map { [UInt32($0.pid)] } ?? [] }
    private var links: [BPFLink]

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
        try object.setMaxEntries(map: SensorMaps.eventsName, options.ringBufferBytes)
        try object.setMaxEntries(map: SensorMaps.decisionsName, options.ringBufferBytes)
        unavailablePrograms = object.leaveOutProgramsWithoutTracepoint(optional: Self.optionalPrograms)
        try object.load()
        let maps = try SensorMaps(loaded: object)
        rings = [maps.decisions, maps.events]
        agents = KernelAgentTables(executables: maps.agentExecutables, paths: maps.agentPaths)
        lineage = KernelLineage(processes: maps.processes)
        counters = KernelCounters(map: maps.counters)
        processControl = KernelProcessControl(held: maps.held, processes: maps.processes)
        guardedFiles = KernelGuardedFiles(files: maps.guardedFiles, filter: maps.guardedFilter)
        originTable = KernelOriginTable(origins: maps.fileOrigins)
        guardian = options.enforce ? try EnforceGuardian(held: maps.held, failClosed: options.failClosed) : nil
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

    /// Reads the ring buffer on the calling thread (give it a dedicated one) until `stop` is set,
    /// then drains what is left. Returns the number of records that could not be decoded.
    /// The doorbell, when given, wakes the loop as the ring buffer's wakeups do.
    public func pollLoop(sink: EventSink, stop: borrowing Atomic<Bool>, doorbell: Doorbell? = nil,
                         timeoutMilliseconds: Int32 = 10) throws -> UInt64 {
        let ring = try RingBuffer(maps: rings, sink: sink, doorbell: doorbell)
        try ring.run(until: stop, timeoutMilliseconds: timeoutMilliseconds) { [guardian] in guardian?.beat() }
        return ring.decodeFailures
    }
}
