import Foundation
import Testing
@testable import WardenCore

/// A unix connect's server, named from /proc by the identity the kernel read, and its text line.
@Suite("Unix connects to servers outside the session")
struct BrokerConnectTests {
    private static func process() -> ProcessRef {
        ProcessRef(bootTime: 1, pid: 10, tid: 10, execID: 2, parentExecID: 1, sessionID: 1, agentID: 1, cpu: 0, networkTainted: false)
    }

    /// A fake /proc with `812/exe` linking to `target`.
    private static func procRoot(linkingTo target: String) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("warden-proc-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root + "/812", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/812/exe", withDestinationPath: target)
        return root
    }

    private static func connect(expecting executable: FileIdentity) -> SyscallEvent {
        SyscallEvent(process: process(), result: 0, syscall: .connect, argument: 1, targetPID: 812, target: [.process],
                     path: ByteString("/tmp/tmux-0/default"), targetUID: 0, targetExecutable: executable)
    }

    @Test("the server's path is kept only when its file is the identity the kernel read")
    func namedByIdentity() throws {
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString.prefix(8))").path
        try "x".write(toFile: binary, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let reader = ServerExecutables(procRoot: try Self.procRoot(linkingTo: binary))
        let identity = try #require(FileStat.identity(of: binary))

        let named = reader.annotate(Self.connect(expecting: identity))
        #expect(named.targetExecutablePath.text == binary)
        #expect(named.targetExecutableName.text == (binary as NSString).lastPathComponent)

        var other = identity
        other.inode += 1
        #expect(reader.annotate(Self.connect(expecting: other)).targetExecutablePath.isEmpty, "another program now runs under that pid")
        // Without a kernel identity (no bpf_task_from_pid), /proc's word is taken.
        #expect(reader.annotate(Self.connect(expecting: .none)).targetExecutablePath.text == binary)
    }

    @Test("other syscall events and connects whose server is unknown are left alone")
    func onlyUnixConnects() throws {
        let reader = ServerExecutables(procRoot: try Self.procRoot(linkingTo: "/bin/sh"))
        let ptrace = SyscallEvent(process: Self.process(), result: 0, syscall: .ptrace, argument: 16, targetPID: 812, target: [.process])
        #expect(reader.annotate(ptrace).targetExecutablePath.isEmpty)
        let unknown = SyscallEvent(process: Self.process(), result: 0, syscall: .connect, argument: 1)
        #expect(reader.annotate(unknown).targetExecutablePath.isEmpty)
    }

    @Test("the text line names the server, its name and its executable")
    func textLine() {
        let call = SyscallEvent(process: Self.process(), result: 0, syscall: .connect, argument: 1 | 1 << 16, targetPID: 812,
                                target: [.process], path: ByteString("shim\u{1b}[31m"), isHeld: true, targetUID: 1000,
                                targetExecutablePath: ByteString("/usr/bin/containerd-shim-runc-v2"))
        let line = EventTextFormatter.describe(call)
        #expect(line.hasPrefix("connect unix @shim"), "\(line)")
        #expect(!line.contains("\u{1b}"))
        #expect(line.hasSuffix("pid 812 (outside the session) server=/usr/bin/containerd-shim-runc-v2 uid=1000 [held]"), "\(line)")
    }
}
