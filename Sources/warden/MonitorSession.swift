import ArgumentParser
import Dispatch
import Foundation
import Glibc
import Synchronization
import WardenCore
import WardenKernel

/// One run of the monitor: kernel sensors, agent catalog, lineage seeding, the polling thread and
/// the event pipeline, from start-up to the exit summary.
final class MonitorSession: @unchecked Sendable {
    // @unchecked: `pipeline` belongs to the polling thread between startPolling() and stop();
    // the control thread touches it only before the one and after the other.

    let sensors: SensorSet
    let pipeline: EventPipeline
    private(set) var catalog: AgentCatalog
    private var seeder: LineageSeeder
    private let stopFlag = Atomic<Bool>(false)
    /// Rung by the workers (content detector, script reader) so that an exec held for their
    /// answer is judged at once, not at the next poll timeout.
    private let doorbell = Doorbell()
    private let pollFinished = DispatchSemaphore(value: 0)
    private let pollResult = Mutex<(error: String?, undecodable: UInt64)>((nil, 0))
    private let options: StreamOptions

    init(options: StreamOptions) throws {
        self.options = options
        catalog = try Self.loadCatalog(options.agents, replace: options.replaceAgents)
        var matches = AgentMatchTable(catalog: catalog)
        for path in options.agentExe {
            let id = catalog.add(AgentDefinition(name: "exe:" + (path.split(separator: "/").last.map(String.init) ?? path)))
            // A shebang launcher is matched by path, and execve sees absolute paths from PATH lookups.
            let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            guard matches.addProgram(absolute, id: id) else {
                throw CommandError("--agent-exe \(path): not a regular file")
            }
        }
        var sensorOptions = SensorSet.Options()
        sensorOptions.hostWide = options.hostWide
        sensorOptions.ringBufferBytes = options.ringBufferMib << 20
        let policy = options.enforcement.policy
        sensorOptions.enforce = policy != nil
        sensorOptions.failClosed = policy?.failMode == .closed
        sensors = try SensorSet(options: sensorOptions)
        try sensors.agents.install(matches)

        let sensors = self.sensors
        let doorbell = self.doorbell
        var configuration = ProcessorConfiguration(
            rules: try options.rules.load(), catalog: catalog, homes: PathGlob.homeDirectories(),
            interpreters: InterpreterCatalog.scanHost(doorbell: doorbell), enforcement: policy.map { ($0, sensors.processControl) },
            guardedStore: sensors.guardedFiles, originTable: sensors.originTable, scripts: HostScriptReader(doorbell: doorbell),
            hostFacts: ExecHostFacts(), serverExecutables: ServerExecutables())
        configuration.wardenHelperPIDs = sensors.helperPIDs
        let processor = EventProcessor(configuration)
        let context = OutputContext(catalog: catalog)
        var sinks = [options.format.sink(writer: FDWriter(fd: 1), showEvents: options.events,
                                         minimumPriority: Priority(name: options.minPriority) ?? .debug,
                                         colour: isatty(1) == 1, context: context, lineage: processor.lineage)]
        if let output = options.output {
            sinks.append(JSONLinesSink(writer: try FDWriter(path: output), selection: .everything, context: context))
        }
        pipeline = EventPipeline(processor: processor, sinks: sinks, lossSource: { sensors.counters.lossTotals() },
                                 rulesReplaced: { FileHandleStderr.write("warden: reloaded \($0.rules.count) rules") })
        seeder = LineageSeeder(base: sensorOptions.execIDBase)
        try seedRunningAgents(matches: matches)
    }

    /// The embedded catalog, with `--agents FILE` added to it (an agent of the same name is replaced
    /// by the file's definition), or the file alone with `--replace-agents`.
    private static func loadCatalog(_ path: String?, replace: Bool) throws -> AgentCatalog {
        var catalog = try AgentCatalog.embeddedDefaults()
        guard let path else { return catalog }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandError("--agents \(path): cannot read the file as UTF-8 text")
        }
        let file = try AgentCatalog(yaml: text, source: path)
        if replace { return file }
        for name in catalog.merge(file) {
            FileHandleStderr.write("warden: --agents \(path): `\(name)` replaces the embedded definition")
        }
        return catalog
    }

    /// Finds agents (and --agent-pid trees) already running and writes them into the kernel's
    /// lineage. Repeated until a pass finds nothing new, so a child forked while an ancestor was
    /// being seeded (and so not inherited in the kernel) is still caught.
    private func seedRunningAgents(matches: AgentMatchTable) throws {
        let proc = ProcFS()
        var roots: [UInt32: UInt32] = [:]
        for pid in options.agentPid {
            guard let process = proc.process(UInt32(pid)) else {
                throw CommandError("--agent-pid \(pid): no such process")
            }
            let name = process.argv.first?.lastPathComponent.text ?? "pid"
            roots[UInt32(pid)] = catalog.add(AgentDefinition(name: "pid:\(pid):\(name)"))
        }
        for pass in 0..<3 {
            let snapshot = proc.snapshot()
            if pass == 0 {
                for process in snapshot.values where roots[process.pid] == nil {
                    if let id = matches.agent(of: process) { roots[process.pid] = id }
                }
            }
            let seeds = seeder.plan(snapshot: snapshot, roots: roots, alreadyTracked: { self.sensors.lineage.tracked(pid: $0) })
            if seeds.isEmpty { break }
            for seed in seeds {
                try sensors.lineage.track(pid: seed.pid, seed.tracked)
                pipeline.processor.seed(seed.record)
            }
        }
        pipeline.updateCatalog(catalog)
    }

    /// SIGHUP: reloads the rules without detaching anything. A bad file keeps the old rules.
    func reloadRules() {
        do {
            pipeline.scheduleReload(try options.rules.load())
        } catch {
            FileHandleStderr.write("warden: reload failed, keeping the previous rules: \(error)")
        }
    }

    /// Makes `pid` (held before its exec) the root of a new agent session named `name`.
    /// Returns the new session's id.
    @discardableResult
    func adoptHeldChild(pid: UInt32, name: String, argv: [String], path: String) throws -> UInt64 {
        let agentID = catalog.add(AgentDefinition(name: name))
        pipeline.updateCatalog(catalog)
        let id = seeder.allocateID()
        let tracked = TrackedProcess(execID: id, parentExecID: 0, sessionID: id, agentID: agentID)
        try sensors.lineage.track(pid: pid, tracked)
        pipeline.processor.seed(ProcessRecord(execID: id, parentExecID: 0, sessionID: id, agentID: agentID, pid: pid,
                                    executablePath: ByteString(path), argv: argv.map { ByteString($0) },
                                    cwd: ByteString(FileManager.default.currentDirectoryPath)))
        return id
    }

    func startPolling() {
        Thread.detachNewThread { [self] in
            if options.decisionPriority, let why = DecisionPriority.raiseCurrentThread() {
                FileHandleStderr.write("warden: the deciding thread runs at normal priority (SCHED_FIFO: \(why)); under load, holds wait longer")
            }
            do {
                let undecodable = try sensors.pollLoop(sink: pipeline, stop: stopFlag, doorbell: doorbell)
                pollResult.withLock { $0.undecodable = undecodable }
            } catch {
                pollResult.withLock { $0.error = "\(error)" }
            }
            pollFinished.signal()
        }
    }

    /// True once the polling thread has ended on its own (an error).
    var pollingFailed: Bool { pollResult.withLock { $0.error != nil } }

    /// Detaches the sensors, judges what is left in the ring buffer, lets go of every hold (enforce
    /// mode), and prints the exit summary on stderr.
    func stop() {
        sensors.detach()
        stopFlag.store(true, ordering: .releasing)
        pollFinished.wait()
        var unreadHolds = 0
        if let enforcer = pipeline.processor.enforcer {
            enforcer.releaseWaiting(now: WallClock.bootTimeNow())
            unreadHolds = sensors.processControl.releaseAllHeld(failClosed: enforcer.policy.failMode == .closed)
        }
        pipeline.checkLoss()
        pipeline.idle()
        let result = pollResult.withLock { $0 }
        if let error = result.error { FileHandle.standardError.write(Data("warden: \(error)\n".utf8)) }
        FileHandle.standardError.write(Data((summary(undecodable: result.undecodable) + "\n").utf8))
        if let enforcer = pipeline.processor.enforcer {
            FileHandle.standardError.write(Data((enforcementSummary(enforcer, unreadHolds: unreadHolds) + "\n").utf8))
        }
    }

    private func enforcementSummary(_ enforcer: Enforcer, unreadHolds: Int) -> String {
        let stats = enforcer.statistics
        let kernel = sensors.counters.enforcement()
        var line = "warden: enforce (fail-mode \(enforcer.policy.failMode.rawValue)): \(kernel.holds) holds, \(stats.resumed) let go, \(stats.killed) killed"
        if let p50 = stats.holdPercentile(0.5), let p99 = stats.holdPercentile(0.99) {
            line += "; hold time p50 \(p50 / 1000) us, p99 \(p99 / 1000) us, max \((stats.holdPercentile(1) ?? 0) / 1000) us over \(stats.holdSamples)"
        }
        let failMode = stats.failModeReleases + UInt64(unreadHolds)
        if failMode > 0 { line += "; \(failMode) undecided holds given the fail mode" }
        if kernel.failClosedKills > 0 { line += "; \(kernel.failClosedKills) killed in the kernel (event undeliverable, fail-mode closed)" }
        if stats.continuedAfterStop > 0 { line += "; \(stats.continuedAfterStop) continued after stopping at or after a release (pty wrappers, late re-stops)" }
        return line
    }

    private func summary(undecodable: UInt64) -> String {
        let counter = pipeline.counter
        let total = counter.events
        let kinds = EventKind.allCases.filter { counter[$0] > 0 }.map { "\($0.name) \(counter[$0])" }
        let loss = pipeline.lossTotals
        var line = "warden: \(total) events"
        if !kinds.isEmpty { line += " (\(kinds.joined(separator: ", ")))" }
        line += "; \(loss.ringBufferDrops) dropped in the kernel\(loss.ringBufferDrops > 0 ? " (" + loss.droppedKindsText + ")" : ""), \(loss.processTableFull) untracked (table full), \(undecodable) undecodable; \(counter.alerts) alerts"
        // Every record the kernel wrote must have been read: a difference would be a silent loss.
        let emitted = sensors.counters.eventsEmitted()
        if emitted != total + undecodable { line += "; kernel emitted \(emitted) records but \(total + undecodable) were read" }
        if pipeline.outputFailed { line += "; output failed (closed pipe or full disk)" }
        return line
    }
}
