/// Enforce mode's decisions, made on the polling thread right after the rules judged an event:
/// kill what `kill` rules matched, let every other held process go, and count what happened.
///
/// In enforce mode the kernel stops (SIGSTOP) every exec in an agent lineage, every open of a
/// guarded file and every successful rename, link or symlink by a tool process before the process
/// returns to user space, and records the hold.
/// Nothing here races the process: it cannot run until `resume`, and `kill` ends it where it stands.
public final class Enforcer {
    public let policy: EnforcementPolicy
    public private(set) var statistics = EnforcementStatistics()
    private let control: ProcessControl
    private let lineage: ProcessTable
    /// Held interpreters reading their program from a pipe that a writer may still exec into, by exec id.
    private var awaitingWriter: [UInt64: (event: ExecEvent, deadline: UInt64)] = [:]
    private var lastStaleCheck: UInt64 = 0
    /// Images Warden killed (offenders and their companions): a child one of them forked just
    /// before its kill, whose fork the kill did not know of yet (`udp-fetch | bash`: bash judged
    /// again after it forked the payload's first command), is killed at its own hold, not let go.
    private var killedImages: Set<UInt64> = []

    /// (The guarded table, whose opens the kernel holds, is `GuardedFiles`': filled in every mode.)
    public init(policy: EnforcementPolicy, control: ProcessControl, lineage: ProcessTable) {
        self.policy = policy
        self.control = control
        self.lineage = lineage
    }

    /// Acts on one judged event. `late`: the event is an exec judged again now that its stdin
    /// writer is known. `readsProgramFromPipe`: an interpreter whose program comes from a pipe, which
    /// stays held while a writer may still exec (see `tick`).
    public func act(on event: Event, alerts: inout [Alert], readsProgramFromPipe: Bool, late: Bool = false, now: UInt64) {
        guard let process = event.process else { return }
        let held = late ? awaitingWriter[process.execID] != nil : event.isHeld
        let killing = alerts.indices.filter { alerts[$0].action == .kill }
        if !killing.isEmpty {
            // The event says the kernel held the process; only the hold table can say it still
            // does (a hold past `staleHoldNanoseconds` was given the fail mode meanwhile), and a
            // kill must not claim "before" otherwise. (`resume` checks the table itself.)
            let held = held && control.isHeld(pid: process.pid, execID: process.execID)
            let scope: KillScope = killing.contains { alerts[$0].killScope == .toolCall } ? .toolCall : .process
            let heldAt: EnforcementOutcome.KillTime = event.changesOrOpensFile ? .beforeFileUse
                : event.kind == .syscall ? .beforeNextInstruction : .beforeFirstInstruction
            let outcome = kill(process, heldAt: heldAt, held: held, scope: scope, now: now)
            for index in killing { alerts[index].outcome = outcome }
            return
        }
        guard held else { return }
        if killedImages.contains(process.parentExecID) {
            noteKilled(process.execID)
            if control.kill(pid: process.pid, execID: process.execID) == .sent { statistics.killed += 1 }
            return
        }
        if late {
            // Judged clean with the writer that just exec'd; another may follow while a forked
            // subshell still holds the pipe, which `tick` looks at before letting the reader go.
            return
        }
        if readsProgramFromPipe, case .exec(let e) = event {
            awaitingWriter[process.execID] = (e, now + policy.stdinWriterWaitNanoseconds)
            return
        }
        resume(process.pid, execID: process.execID, heldSince: process.bootTime, now: now)
    }

    /// Called when the polling thread is idle: lets go of readers whose pipe no longer has a
    /// writer that could still exec, and applies the fail mode to holds whose event Warden never
    /// read or whose writer never came.
    public func tick(now: UInt64) {
        for (execID, waiting) in awaitingWriter where waiting.deadline <= now {
            let reader = waiting.event
            if now &- reader.process.bootTime > policy.stdinWriterMaximumNanoseconds {
                statistics.failModeReleases += 1
                if policy.failMode == .closed {
                    awaitingWriter[execID] = nil
                    _ = control.kill(pid: reader.process.pid, execID: execID)
                    continue
                }
            } else if pipeWriterMayStillExec(reader) {
                // `(sleep 5; exec curl …) | sh`: the writer is a forked shell that has not exec'd yet.
                awaitingWriter[execID]?.deadline = now + policy.stdinWriterWaitNanoseconds
                continue
            }
            resume(reader.process.pid, execID: execID, heldSince: reader.process.bootTime, now: now)
        }
        guard now &- lastStaleCheck >= 1_000_000_000 else { return }
        lastStaleCheck = now
        for hold in control.heldProcesses()
        where awaitingWriter[hold.execID] == nil && now > hold.heldAt && now - hold.heldAt > policy.staleHoldNanoseconds {
            statistics.failModeReleases += 1
            switch policy.failMode {
            case .open: _ = control.resume(pid: hold.pid, execID: hold.execID)
            case .closed: _ = control.kill(pid: hold.pid, execID: hold.execID)
            }
        }
    }

    /// Warden is stopping: what still waits for its stdin writer is let go. Holds whose events
    /// were never read are left to the caller (the kernel table, with the fail mode).
    public func releaseWaiting(now: UInt64) {
        for (execID, waiting) in awaitingWriter {
            resume(waiting.event.process.pid, execID: execID, heldSince: waiting.event.process.bootTime, now: now)
        }
    }

    /// A process of the reader's session that was forked and has not exec'd yet (a subshell of the
    /// pipeline) still has the reader's stdin pipe open for writing: it may yet exec the writer.
    /// Processes that did exec (an agent feeding a REPL it started) are what they are: waiting for
    /// them would only stall the reader.
    private func pipeWriterMayStillExec(_ reader: ExecEvent) -> Bool {
        let pipe = reader.stdio[0].inode
        return lineage.liveRecords { record in
            record.sessionID == reader.process.sessionID && record.pid != reader.process.pid
                && record.exec?.process.execID != record.execID
        }.contains { control.writesToPipe(pid: $0.pid, pipeInode: pipe) }
    }

    // MARK: Decisions

    private func resume(_ pid: UInt32, execID: UInt64, heldSince: UInt64, now: UInt64) {
        awaitingWriter[execID] = nil
        // The parent first: a pty wrapper (util-linux script) that stopped itself when it saw
        // its child held continues the child itself once continued, and then reads the child's
        // exit. Continued after the child, it could find that exit merged into the pending
        // SIGCHLD of the continue and wait for it forever. One read of the parent's state per
        // release; a parent that stops only after the release is not looked at again (waiting
        // for parents cost every hold tens of milliseconds in exec storms: docs/enforce.md).
        if let parent = lineage[execID].flatMap({ lineage[$0.parentExecID] }), !parent.ended,
           control.continueStopped(pid: parent.pid, execID: parent.execID) {
            statistics.continuedAfterStop += 1
        }
        if control.resume(pid: pid, execID: execID) == .sent {
            statistics.resumed += 1
            statistics.recordHold(nanoseconds: now &- heldSince)
        }
    }

    /// `heldAt`: what a kill of the held process comes before.
    private func kill(_ process: ProcessRef, heldAt: EnforcementOutcome.KillTime, held: Bool, scope: KillScope,
                      now: UInt64) -> EnforcementOutcome {
        awaitingWriter[process.execID] = nil
        let rootPID = lineage[process.sessionID]?.pid
        if process.pid == rootPID && !policy.killAgent {
            if held { resume(process.pid, execID: process.execID, heldSince: process.bootTime, now: now) }
            return .sparedAgent
        }
        let others = companions(of: process, scope: scope, rootPID: rootPID)
        func killOthers() -> Int { others.filter { control.kill(pid: $0.pid, execID: $0.execID) == .sent }.count }
        // A held offender cannot act, so the rest of its scope goes first: killed first, it would
        // let its parent shell see the death and exit on its own before being killed. A running
        // offender goes first.
        let alsoKilled = held ? killOthers() : 0
        guard control.kill(pid: process.pid, execID: process.execID) == .sent else {
            return .alreadyGone(wasHeld: held)
        }
        if held { statistics.recordHold(nanoseconds: now &- process.bootTime) }
        statistics.killed += 1
        noteKilled(process.execID)
        others.forEach { noteKilled($0.execID) }
        let scopeKilled = held ? alsoKilled : killOthers()
        return .killed(when: held ? heldAt : .afterEvent,
                       companions: scopeKilled, companionScope: policy.killAgent ? .agentSession : .toolCall)
    }

    private func noteKilled(_ execID: UInt64) {
        if killedImages.count >= 4096 { killedImages.removeAll() }
        killedImages.insert(execID)
    }

    /// The other live processes a kill takes down: the whole session with --kill-agent, the tool
    /// call for `kill_scope: tool_call`, none otherwise; parents before their children.
    private func companions(of process: ProcessRef, scope: KillScope, rootPID: UInt32?) -> [ProcessRecord] {
        let records: [ProcessRecord]
        if policy.killAgent {
            records = lineage.liveRecords { $0.sessionID == process.sessionID && $0.execID != process.execID }
        } else {
            guard scope == .toolCall else { return [] }
            // The tool call: the outermost ancestor below the agent root (nearest-first chain).
            let chain = (lineage[process.execID].map { [$0] } ?? []) + lineage.ancestors(of: process.execID)
            guard let toolCall = chain.last(where: { $0.pid != rootPID && $0.sessionID == process.sessionID }) else { return [] }
            records = lineage.liveRecords { record in
                record.execID != process.execID && record.sessionID == process.sessionID
                    && (record.execID == toolCall.execID || lineage.ancestors(of: record.execID).contains { $0.execID == toolCall.execID })
            }
        }
        // A parent killed after its child can see the child die and act before its own kill lands:
        // the agent's shell writes the tool call's status and forks the next tool call, which Warden,
        // stopping once the agent is gone, no longer holds.
        return records.map { ($0, lineage.ancestors(of: $0.execID).count) }.sorted { $0.1 < $1.1 }.map(\.0)
    }
}

/// What enforce mode did, for the exit summary.
public struct EnforcementStatistics: Sendable {
    public var resumed: UInt64 = 0
    public var killed: UInt64 = 0
    /// Holds Warden never decided in time (their event was never read), given the fail mode.
    public var failModeReleases: UInt64 = 0
    /// Processes found stopped soon after a release, and continued: parents that stopped
    /// themselves when they saw their child held (pty wrappers), and late re-stops.
    public var continuedAfterStop: UInt64 = 0
    /// Time from the kernel's hold to Warden's decision, most recent first out when full.
    private var holdNanoseconds: [UInt64] = []
    private var nextSample = 0
    private static let sampleCapacity = 1 << 16

    mutating func recordHold(nanoseconds: UInt64) {
        if holdNanoseconds.count < Self.sampleCapacity {
            holdNanoseconds.append(nanoseconds)
        } else {
            holdNanoseconds[nextSample] = nanoseconds
            nextSample = (nextSample + 1) % Self.sampleCapacity
        }
    }

    /// The hold time at `fraction` (0.5: median) over the recorded samples, in nanoseconds.
    public func holdPercentile(_ fraction: Double) -> UInt64? {
        guard !holdNanoseconds.isEmpty else { return nil }
        let sorted = holdNanoseconds.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
    }

    public var holdSamples: Int { holdNanoseconds.count }
}
