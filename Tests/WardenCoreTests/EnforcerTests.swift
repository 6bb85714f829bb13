import Testing
@testable import WardenCore

/// The Enforcer's decisions against a scripted kernel (`FakeProcessControl`): who is killed, in
/// which order, who is let go, and what the alert says. The lineage is `EnforcerWorld`'s.
@Suite("Enforcer")
struct EnforcerTests {
    private static let ms: UInt64 = 1_000_000
    private static let second: UInt64 = 1_000_000_000
    private let ms = Self.ms
    private let second = Self.second

    private func enforcer(_ world: EnforcerWorld, _ policy: EnforcementPolicy = EnforcementPolicy()) -> Enforcer {
        Enforcer(policy: policy, control: world.control, lineage: world.table, )
    }

    /// Has `enforcer` act on `event` with one `kill` rule matching it; returns the alert's outcome.
    private func kill(_ event: Event, with enforcer: Enforcer, scope: KillScope = .process, now: UInt64) -> EnforcementOutcome {
        var alerts = [Alert(ruleID: "test-kill", description: "", priority: .critical, tags: [], output: "",
                            action: .kill, killScope: scope, outcome: .undecided, event: event, agent: nil,
                            process: nil, lineage: [], evidence: [], fields: [])]
        enforcer.act(on: event, alerts: &alerts, readsProgramFromPipe: false, now: now)
        return alerts[0].outcome
    }

    /// Has `enforcer` act on `event` with no rule matching it.
    private func pass(_ event: Event, with enforcer: Enforcer, readsProgramFromPipe: Bool = false, now: UInt64) {
        var alerts: [Alert] = []
        enforcer.act(on: event, alerts: &alerts, readsProgramFromPipe: readsProgramFromPipe, now: now)
    }

    /// No process is killed before an ancestor of it (the offender aside): a parent that saw its
    /// child die could act on it before its own kill.
    private func parentsFirst(_ killed: [UInt32], offender: UInt32, in world: EnforcerWorld) -> Bool {
        let order = killed.filter { $0 != offender }
        return order.indices.allSatisfy { index in
            let ancestors = world.table.ancestors(of: world.table.latest(pid: order[index])!.execID).map(\.pid)
            return !order[(index + 1)...].contains(where: ancestors.contains)
        }
    }

    // MARK: Kill order and scope

    @Test("a held offender's tool call dies first, the offender last: outermost ancestor below the agent and all under it")
    func heldToolCallKill() {
        let world = EnforcerWorld(heldAt: [106: second])
        let outcome = kill(.exec(world.exec(106)), with: enforcer(world), scope: .toolCall, now: second + 2 * ms)
        let killed = world.control.killed
        #expect(killed.last == 106, "\(killed)")
        #expect(Set(killed.dropLast()) == [101, 102, 103, 104, 105], "\(killed)")
        #expect(killed.count == 6, "each once, nothing else (not the agent 100, not tool call B, not session 2)")
        #expect(killed.first == 101 && parentsFirst(killed, offender: 106, in: world), "\(killed)")
        #expect(world.control.signals.allSatisfy { if case .kill = $0 { return true } else { return false } })
        #expect(outcome == .killed(when: .beforeFirstInstruction, companions: 5, companionScope: .toolCall))
        #expect(outcome.mechanism == .holdKill)
        #expect(outcome.description == "killed before its first instruction; 5 more in its tool call")
    }

    // MARK: Parents that react to their child's hold (pty wrappers)

    @Test("a parent that stopped itself at its child's hold is continued first, then the child")
    func stoppedParentFirst() {
        let world = EnforcerWorld(heldAt: [111: second])
        world.control.stopped = [110]
        pass(.exec(world.exec(111)), with: enforcer(world), now: second + 2 * ms)
        #expect(world.control.signals == [.continueStopped(110), .resume(111)], "\(world.control.signals)")
    }

    @Test("a parent that is running, or held by the kernel itself, is never signalled")
    func parentLeftAlone() {
        let world = EnforcerWorld(heldAt: [111: second, 110: second])
        world.control.stopped = [110] // stopped by its own hold, not by a reaction
        pass(.exec(world.exec(111)), with: enforcer(world), now: second + 2 * ms)
        #expect(world.control.signals == [.resume(111)], "\(world.control.signals)")
    }

    @Test("a running offender dies first, then its tool call")
    func runningToolCallKill() {
        let world = EnforcerWorld()
        let outcome = kill(.open(world.open(106, "/home/u/.aws/credentials")), with: enforcer(world), scope: .toolCall, now: second)
        let killed = world.control.killed
        #expect(killed.first == 106, "\(killed)")
        #expect(Set(killed.dropFirst()) == [101, 102, 103, 104, 105] && killed.count == 6, "\(killed)")
        #expect(killed[1] == 101 && parentsFirst(killed, offender: 106, in: world), "\(killed)")
        #expect(outcome == .killed(when: .afterEvent, companions: 5, companionScope: .toolCall))
        #expect(outcome.mechanism == .lateKill)
        #expect(outcome.description == "killed after the event; it may have acted; 5 more in its tool call")
    }

    @Test("the tool call of an offender right under the agent is its own subtree, and a process kill takes the offender alone")
    func scopes() {
        let world = EnforcerWorld(heldAt: [110: second, 102: second])
        let enforcer = enforcer(world)
        #expect(kill(.exec(world.exec(110)), with: enforcer, scope: .toolCall, now: second + ms)
            == .killed(when: .beforeFirstInstruction, companions: 1, companionScope: .toolCall))
        #expect(world.control.killed == [111, 110])
        #expect(kill(.exec(world.exec(102)), with: enforcer, scope: .process, now: second + ms)
            == .killed(when: .beforeFirstInstruction, companions: 0, companionScope: .toolCall))
        #expect(world.control.killed == [111, 110, 102])
    }

    @Test("a held open is killed before the file is used")
    func heldOpen() {
        let world = EnforcerWorld()
        let event = world.open(102, "/home/u/.ssh/id_ed25519", heldAt: second)
        let outcome = kill(.open(event), with: enforcer(world), now: second + ms)
        #expect(outcome == .killed(when: .beforeFileUse, companions: 0, companionScope: .toolCall))
        #expect(outcome.description == "killed before it used the file")
        #expect(world.control.killed == [102])
    }

    @Test("--kill-agent kills the whole agent session, agent included, and nothing of another session")
    func killAgentSession() {
        let world = EnforcerWorld(heldAt: [106: second])
        let outcome = kill(.exec(world.exec(106)), with: enforcer(world, EnforcementPolicy(killAgent: true)),
                           scope: .toolCall, now: second + ms)
        let killed = world.control.killed
        #expect(killed.last == 106)
        #expect(Set(killed.dropLast()) == [100, 101, 102, 103, 104, 105, 110, 111] && killed.count == 9, "\(killed)")
        #expect(killed.first == 100 && parentsFirst(killed, offender: 106, in: world),
                "the agent first: killed after its tool call, it could see it die and start the next one: \(killed)")
        #expect(outcome == .killed(when: .beforeFirstInstruction, companions: 8, companionScope: .agentSession))
        #expect(outcome.description == "killed before its first instruction; 8 more in its agent session")
    }

    @Test("the agent itself is spared and let go; with --kill-agent it dies with its session")
    func agentItself() {
        let spared = EnforcerWorld(heldAt: [100: second])
        let outcome = kill(.exec(spared.exec(100)), with: enforcer(spared), scope: .toolCall, now: second + ms)
        #expect(outcome == .sparedAgent)
        #expect(outcome.mechanism == .none)
        #expect(outcome.description == "not killed: it is the agent itself (--kill-agent kills agents)")
        #expect(spared.control.signals == [.resume(100)])

        let killed = EnforcerWorld(heldAt: [100: second])
        let agentKill = kill(.exec(killed.exec(100)), with: enforcer(killed, EnforcementPolicy(killAgent: true)), now: second + ms)
        #expect(killed.control.killed.last == 100)
        #expect(Set(killed.control.killed) == [100, 101, 102, 103, 104, 105, 106, 110, 111])
        #expect(agentKill == .killed(when: .beforeFirstInstruction, companions: 8, companionScope: .agentSession))
    }

    // MARK: Reused pids and released holds

    @Test("a pid that runs another image now is never signalled, and the alert says already gone, not before")
    func pidReuse() {
        let world = EnforcerWorld(heldAt: [106: second])
        // 106 died and its pid went to another image, which the kernel holds in turn.
        world.control.running[106] = 9_999
        world.control.holds[106] = HeldProcess(pid: 106, execID: 9_999, heldAt: second + ms)
        let enforcer = enforcer(world)
        let outcome = kill(.exec(world.exec(106)), with: enforcer, now: second + 2 * ms)
        #expect(outcome == .alreadyGone(wasHeld: false))
        #expect(outcome.description == "already gone")
        #expect(outcome.mechanism == .lateKill)
        #expect(world.control.signals.isEmpty)
        #expect(world.control.holds[106]?.execID == 9_999, "the other image's hold is left alone")
        #expect(enforcer.statistics.killed == 0)
        // Nor is it let go when judged clean.
        pass(.exec(world.exec(106)), with: enforcer, now: second + 3 * ms)
        #expect(world.control.signals.isEmpty)
    }

    @Test("a kill after the fail mode let the hold go is a late kill")
    func killAfterFailOpen() {
        let world = EnforcerWorld(heldAt: [102: second])
        let enforcer = enforcer(world, EnforcementPolicy(failMode: .open, staleHoldNanoseconds: 3 * second))
        enforcer.tick(now: 5 * second)
        #expect(world.control.signals == [.resume(102)])
        let outcome = kill(.exec(world.exec(102)), with: enforcer, now: 5 * second + ms)
        #expect(world.control.signals == [.resume(102), .kill(102)])
        #expect(outcome == .killed(when: .afterEvent, companions: 0, companionScope: .toolCall))
        #expect(outcome.mechanism == .lateKill)
    }

    // MARK: Fail modes

    @Test("a hold left undecided past staleHoldNanoseconds is let go fail-open and killed fail-closed", arguments: EnforcementPolicy.FailMode.allCases)
    func staleHold(mode: EnforcementPolicy.FailMode) {
        let world = EnforcerWorld(heldAt: [110: 1 * second, 111: 4 * second])
        let enforcer = enforcer(world, EnforcementPolicy(failMode: mode, staleHoldNanoseconds: 3 * second))
        enforcer.tick(now: 3 * second)
        #expect(world.control.signals.isEmpty, "no hold is 3 s old yet")
        enforcer.tick(now: 4 * second + ms)
        #expect(world.control.signals == [mode == .open ? .resume(110) : .kill(110)], "111 has been held 1 ms")
        #expect(enforcer.statistics.failModeReleases == 1)
        #expect(world.control.holds[111] != nil)
    }

    @Test("a pipe reader whose writer never comes gets the fail mode after stdinWriterMaximumNanoseconds", arguments: EnforcementPolicy.FailMode.allCases)
    func pipeReaderTimeout(mode: EnforcementPolicy.FailMode) {
        let world = EnforcerWorld(heldAt: [103: second])
        world.control.pipeWriters[104] = [EnforcerWorld.pipe]
        let enforcer = enforcer(world, EnforcementPolicy(failMode: mode, stdinWriterWaitNanoseconds: 100 * ms,
                                                         stdinWriterMaximumNanoseconds: second))
        pass(.exec(world.exec(103)), with: enforcer, readsProgramFromPipe: true, now: second)
        for step in 1...10 as ClosedRange<UInt64> { enforcer.tick(now: second + step * 100 * ms) }
        #expect(world.control.signals.isEmpty, "held while the subshell may still exec, up to the maximum")
        enforcer.tick(now: 2 * second + 100 * ms)
        #expect(world.control.signals == [mode == .open ? .resume(103) : .kill(103)])
        #expect(enforcer.statistics.failModeReleases == 1)
    }

    // MARK: Pipes

    @Test("a pipe reader stays held while a forked, not exec'd process of its session writes the pipe, and goes on once none does")
    func pipeReaderWaitsForForkedWriter() {
        let world = EnforcerWorld(heldAt: [103: second])
        // The agent and the tool call's shell, which exec'd long ago, writing the pipe do not hold the reader.
        world.control.pipeWriters = [104: [EnforcerWorld.pipe], 100: [EnforcerWorld.pipe], 101: [EnforcerWorld.pipe]]
        let enforcer = enforcer(world, EnforcementPolicy(stdinWriterWaitNanoseconds: 100 * ms))
        pass(.exec(world.exec(103)), with: enforcer, readsProgramFromPipe: true, now: second)
        #expect(world.control.signals.isEmpty, "held until its writer is known")
        enforcer.tick(now: second + 50 * ms)
        enforcer.tick(now: second + 100 * ms)
        #expect(world.control.signals.isEmpty, "the subshell 104 may still exec the writer")
        world.control.pipeWriters[104] = nil
        enforcer.tick(now: second + 150 * ms)
        #expect(world.control.signals.isEmpty, "looked at again only every stdinWriterWaitNanoseconds")
        enforcer.tick(now: second + 200 * ms)
        #expect(world.control.signals == [.resume(103)])
        #expect(enforcer.statistics.failModeReleases == 0)
    }

    @Test("a pipe reader judged again with its writer is killed before its first instruction, its wait ended")
    func pipeReaderKilledLate() {
        let world = EnforcerWorld(heldAt: [103: second])
        world.control.pipeWriters[104] = [EnforcerWorld.pipe]
        let enforcer = enforcer(world)
        pass(.exec(world.exec(103)), with: enforcer, readsProgramFromPipe: true, now: second)
        var alerts = [Alert(ruleID: "pipe", description: "", priority: .critical, tags: [], output: "", action: .kill,
                            killScope: .process, outcome: .undecided, event: .exec(world.exec(103)), agent: nil,
                            process: nil, lineage: [], evidence: [], fields: [])]
        enforcer.act(on: .exec(world.exec(103)), alerts: &alerts, readsProgramFromPipe: false, late: true, now: second + 20 * ms)
        #expect(alerts[0].outcome == .killed(when: .beforeFirstInstruction, companions: 0, companionScope: .toolCall))
        #expect(world.control.signals == [.kill(103)])
        enforcer.tick(now: 3 * second)
        #expect(world.control.signals == [.kill(103)], "no longer waiting")
    }

    // MARK: Statistics

    @Test("hold times run from the kernel's hold to the decision; only delivered decisions count")
    func holdStatistics() {
        let world = EnforcerWorld(heldAt: [101: second, 102: second, 103: second, 105: second, 110: second])
        let enforcer = enforcer(world)
        pass(.exec(world.exec(101)), with: enforcer, now: second + 1 * ms)
        pass(.exec(world.exec(102)), with: enforcer, now: second + 2 * ms)
        pass(.exec(world.exec(103)), with: enforcer, now: second + 3 * ms)
        #expect(world.control.signals == [.resume(101), .resume(102), .resume(103)])
        #expect(enforcer.statistics.resumed == 3)
        #expect(enforcer.statistics.holdSamples == 3)
        #expect(enforcer.statistics.holdPercentile(0.5) == 2 * ms)
        #expect(enforcer.statistics.holdPercentile(0.99) == 3 * ms)

        _ = kill(.exec(world.exec(105)), with: enforcer, now: second + 10 * ms)
        #expect(enforcer.statistics.killed == 1)
        #expect(enforcer.statistics.holdSamples == 4)
        #expect(enforcer.statistics.holdPercentile(1) == 10 * ms)

        _ = kill(.open(world.open(111, "/etc/shadow")), with: enforcer, now: 2 * second)
        #expect(enforcer.statistics.killed == 2)
        #expect(enforcer.statistics.holdSamples == 4, "a late kill held nothing")

        world.control.holds[110] = nil   // let go meanwhile (by the fail mode): nothing to resume
        pass(.exec(world.exec(110)), with: enforcer, now: second + 20 * ms)
        #expect(enforcer.statistics.resumed == 3)
        #expect(enforcer.statistics.holdSamples == 4)
    }
}
