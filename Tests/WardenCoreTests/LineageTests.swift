import Testing
@testable import WardenCore

@Suite("Lineage")
struct LineageTests {
    private func ref(pid: UInt32, exec: UInt64, parent: UInt64, session: UInt64 = 1) -> ProcessRef {
        ProcessRef(bootTime: 0, pid: pid, tid: pid, execID: exec, parentExecID: parent, sessionID: session, agentID: 1)
    }

    private func exec(pid: UInt32, exec id: UInt64, parent: UInt64, previous: UInt64, argv: [ByteString]) -> Event {
        .exec(ExecEvent(process: ref(pid: pid, exec: id, parent: parent), previousExecID: previous, ppid: 0,
                        comm: argv[0], filename: argv[0], interpreter: argv[0], executablePath: argv[0],
                        executable: .none, cwd: "/", argv: argv))
    }

    @Test("ancestors walk fork and exec links back to the agent root")
    func ancestry() {
        let table = ProcessTable()
        table.insert(ProcessRecord(execID: 1, parentExecID: 0, sessionID: 1, agentID: 1, pid: 10, executablePath: "/usr/bin/node", argv: ["node", "cli.js"]))
        table.apply(.fork(ForkEvent(process: ref(pid: 11, exec: 2, parent: 1), parentPID: 10)))
        table.apply(exec(pid: 11, exec: 3, parent: 1, previous: 2, argv: ["bash", "-c", "x"]))
        table.apply(.fork(ForkEvent(process: ref(pid: 12, exec: 4, parent: 3), parentPID: 11)))
        table.apply(exec(pid: 12, exec: 5, parent: 3, previous: 4, argv: ["curl", "x"]))
        #expect(table.ancestors(of: 5).map(\.execID) == [3, 1])
        #expect(table[2]?.ended == true, "the fork image ended when the child exec'd")
        #expect(table[4]?.argv == ["bash", "-c", "x"], "a forked child runs its parent's image")
    }

    @Test("a cycle in parent links cannot hang the walk")
    func cycle() {
        let table = ProcessTable()
        table.insert(ProcessRecord(execID: 7, parentExecID: 8, sessionID: 1, agentID: 1, pid: 1, executablePath: "a", argv: []))
        table.insert(ProcessRecord(execID: 8, parentExecID: 7, sessionID: 1, agentID: 1, pid: 2, executablePath: "b", argv: []))
        #expect(table.ancestors(of: 7).map(\.execID) == [8])
    }

    @Test("the table stays bounded by evicting images that ended longest ago")
    func eviction() {
        let table = ProcessTable(capacity: 100)
        for id in 1...1000 as ClosedRange<UInt64> {
            table.insert(ProcessRecord(execID: id, parentExecID: id - 1, sessionID: 1, agentID: 1, pid: UInt32(id), executablePath: "x", argv: []))
            table.apply(.exit(ExitEvent(process: ref(pid: UInt32(id), exec: id, parent: id - 1), status: 0)))
        }
        #expect(table.count <= 100)
        #expect(table[1000] != nil)
        #expect(table[1] == nil)
    }

    @Test("live images are never evicted")
    func liveImagesStay() {
        let table = ProcessTable(capacity: 10)
        for id in 1...20 as ClosedRange<UInt64> {
            table.insert(ProcessRecord(execID: id, parentExecID: 0, sessionID: 1, agentID: 1, pid: UInt32(id), executablePath: "x", argv: []))
        }
        #expect(table.count == 20)
    }

    @Test("seeding covers roots and descendants, parents first, and skips tracked pids")
    func seeding() {
        func proc(_ pid: UInt32, _ ppid: UInt32) -> ProcProcess {
            ProcProcess(pid: pid, ppid: ppid, executablePath: "/bin/x", executable: nil, argv: [ByteString("x\(pid)")])
        }
        let snapshot: [UInt32: ProcProcess] = [1: proc(1, 0), 100: proc(100, 1), 101: proc(101, 100), 102: proc(102, 101), 200: proc(200, 1), 103: proc(103, 100)]
        var seeder = LineageSeeder(base: 1000)
        let tracked = TrackedProcess(execID: 77, parentExecID: 0, sessionID: 77, agentID: 3)
        let seeds = seeder.plan(snapshot: snapshot, roots: [100: 2], alreadyTracked: { $0 == 103 ? tracked : nil })
        #expect(seeds.map(\.pid) == [100, 101, 102])
        #expect(seeds.allSatisfy { $0.tracked.execID & LineageSeeder.seededBit != 0 })
        #expect(seeds[0].tracked.sessionID == seeds[0].tracked.execID)
        #expect(seeds[2].tracked.parentExecID == seeds[1].tracked.execID)
        #expect(seeds.allSatisfy { $0.tracked.agentID == 2 && $0.tracked.sessionID == seeds[0].tracked.execID })
    }
}
