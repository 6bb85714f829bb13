import Foundation
import Testing
@testable import WardenCore

/// The processing spine without the kernel: ordering of stages, re-judging, deferred identities.
@Suite("Processing spine")
struct ProcessorTests {
    private static let rules = """
        - rule: disguised-shell
          condition: evt.type = exec and proc.is_shell and proc.interpreter_disguised
          output: "%proc.exe is a shell"
          priority: Warning
        - rule: any-exec
          condition: evt.type = exec
          output: "%proc.exe"
          priority: Debug
        """

    private static func processor() throws -> EventProcessor {
        let set = try RuleSet(sources: [RuleSource(yaml: rules, file: "t.yaml")], names: ["t.yaml"])
        return EventProcessor(ProcessorConfiguration(rules: set, catalog: AgentCatalog(), homes: [],
                                                     interpreters: InterpreterCatalog.scanHost()))
    }

    private static func exec(_ path: String, id: UInt64) throws -> Event {
        let identity = try #require(FileStat.identity(of: path))
        let process = ProcessRef(bootTime: id, pid: UInt32(getpid()), tid: UInt32(getpid()), execID: id, parentExecID: 0,
                                 sessionID: 1, agentID: 1)
        return .exec(ExecEvent(process: process, ppid: 1, comm: ByteString("x"), filename: ByteString(path),
                               interpreter: ByteString(path), executablePath: ByteString(path), executable: identity,
                               cwd: ByteString("/"), argv: [ByteString(path)]))
    }

    private static func copy(of source: String, named name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-spine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let path = directory.appendingPathComponent(name).path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a renamed copy of an interpreter is judged once the detector has compared it, off the calling thread")
    func renamedCopyWaitsForItsIdentity() throws {
        let dash = FileStat.realPath("/bin/sh")
        let copy = try Self.copy(of: dash, named: ".cache-helper")
        let processor = try Self.processor()
        let first = processor.process(try Self.exec(copy, id: 10), now: 0)
        #expect(first.alerts.isEmpty, "judged before its identity was known: \(first.alerts.map(\.ruleID))")
        let later = try #require(processor.finish(now: 1))
        #expect(later.event == nil)
        #expect(later.alerts.map(\.ruleID) == ["disguised-shell", "any-exec"])
        // Known from now on: the next exec of the same file is judged at once.
        #expect(processor.process(try Self.exec(copy, id: 11), now: 2).alerts.map(\.ruleID) == ["disguised-shell", "any-exec"])
    }

    @Test("a file the detector reads that is no interpreter is judged as what it is")
    func otherContent() throws {
        let copy = try Self.copy(of: "/usr/bin/env", named: "tool")
        let processor = try Self.processor()
        #expect(processor.process(try Self.exec(copy, id: 20), now: 0).alerts.isEmpty)
        #expect(try #require(processor.finish(now: 1)).alerts.map(\.ruleID) == ["any-exec"])
    }

    @Test("the host's own interpreters are judged at once; another file once the detector has read it")
    func knownIdentities() throws {
        let processor = try Self.processor()
        #expect(processor.process(try Self.exec(FileStat.realPath("/bin/sh"), id: 30), now: 0).alerts.map(\.ruleID) == ["any-exec"])
        #expect(processor.process(try Self.exec("/usr/bin/env", id: 31), now: 0).alerts.map(\.ruleID) == [])
        #expect(processor.finish(now: 1)?.alerts.map(\.ruleID) == ["any-exec"])
    }

    @Test("a rename is judged by its destination with the write rules' fields, and carries provenance to it")
    func renameFieldsAndProvenance() throws {
        let rules = """
            - rule: hook-moved
              condition: evt.type in (open, rename) and file.write and file.result >= 0 and file.name = pre-commit and file.operation = rename and file.source endswith "/prep"
              output: "%file.source -> %file.path"
              priority: Error
            - rule: runs-written
              condition: evt.type = open and not file.write and provenance.written_by_lineage
              output: "%provenance.written_path"
              priority: Warning
            """
        let set = try RuleSet(sources: [RuleSource(yaml: rules, file: "t.yaml")], names: ["t.yaml"])
        let processor = EventProcessor(ProcessorConfiguration(rules: set, catalog: AgentCatalog(), homes: [],
                                                              interpreters: InterpreterCatalog()))
        let p = ProcessRef(bootTime: 1, pid: 10, tid: 10, execID: 5, parentExecID: 0, sessionID: 5, agentID: 1)
        let regular = FileIdentity(kind: .regular, inode: 3, device: 1)
        _ = processor.process(.open(FileEvent(process: p, result: 3, flags: OpenFlags.writeOnly.rawValue, syscall: .openat,
                                              file: regular, path: "/w/prep", requested: "prep")), now: 1)
        let moved = processor.process(.rename(RenameEvent(process: p, result: 0, syscall: .renameat2, operation: .rename,
                                                         source: "/w/prep", destination: "/w/.git/hooks/pre-commit",
                                                         sourceRequested: "prep", destinationRequested: ".git/hooks/pre-commit")), now: 2)
        #expect(moved.alerts.map(\.ruleID) == ["hook-moved"])
        let failed = processor.process(.rename(RenameEvent(process: p, result: -13, syscall: .rename, operation: .rename,
                                                          source: "/w/prep", destination: "/w/.git/hooks/pre-commit",
                                                          sourceRequested: "prep", destinationRequested: ".git/hooks/pre-commit")), now: 3)
        #expect(failed.alerts.isEmpty)
        // The write recorded for /w/prep now belongs to the hook's name.
        let read = processor.process(.open(FileEvent(process: p, result: 4, syscall: .openat, file: regular,
                                                     path: "/w/.git/hooks/pre-commit", requested: "x")), now: 4)
        #expect(read.alerts.map(\.ruleID) == ["runs-written"])
        let old = processor.process(.open(FileEvent(process: p, result: 4, syscall: .openat, file: regular,
                                                    path: "/w/prep", requested: "prep")), now: 5)
        #expect(old.alerts.isEmpty, "a rename leaves nothing at the old name")
    }
}
