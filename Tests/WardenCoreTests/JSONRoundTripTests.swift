import Foundation
import Testing
@testable import WardenCore

/// The export is what `warden replay` and downstream tools read: every field of every event kind
/// must come back from JSON exactly as it went in, hostile bytes included.
@Suite("JSON round trip")
struct JSONRoundTripTests {
    private static let clock = WallClock(offset: 1_700_000_000_000_000_000)

    private static func process(_ execID: UInt64) -> ProcessRef {
        ProcessRef(bootTime: 123_456_789_012, pid: 4242, tid: 4243, execID: execID, parentExecID: 77, sessionID: 5,
                   agentID: 1, cpu: 1, networkTainted: true)
    }

    private static let hostile = ByteString([0x2F, 0x74, 0x6D, 0x70, 0x2F, 0xFF, 0x1B, 0x5B, 0x33, 0x31, 0x6D, 0xE2, 0x80, 0xAE])

    /// One event per kind with every field away from its default. A new kind in the ABI fails the
    /// test until it has a sample here (and so until its JSON form exists).
    static func sample(_ kind: EventKind) -> Event? {
        let file = FileIdentity(kind: .regular, inode: 0xFFFF_FFFF_1234, device: 259 << 20 | 3, rdev: 0, links: 2,
                                mode: 0o100755, socketFamily: 0, size: 0x1_0000_0001, origin: .network, originExecID: 880)
        let stdio = [FileIdentity(kind: .pipe, inode: 99, device: 14, links: 1, mode: 0o10600, origin: .package, originExecID: 12),
                     FileIdentity(kind: .socket, inode: 100, device: 8, links: 1, mode: 0o140777, socketFamily: 10),
                     FileIdentity(kind: .charDevice, inode: 3, device: 5, rdev: 136 << 20 | 4, links: 1, mode: 0o20620)]
        switch kind {
        case .exec:
            return .exec(ExecEvent(
                process: process(900), previousExecID: 899, ppid: 4000, uid: 1000, euid: 0, gid: 1001, loginUID: 1000,
                cgroupID: 0xFFFF_FFFF_FFFF_0001, comm: ByteString("x\u{7}y"), filename: hostile, interpreter: ByteString("/bin/sh"),
                executablePath: ByteString("/usr/bin/dash"), executable: file, cwd: hostile,
                argv: [ByteString("sh"), ByteString("-c"), hostile, ByteString("")], argc: 9, stdio: stdio,
                environment: ["LD_PRELOAD": hostile, "NODE_OPTIONS": ByteString("--require x")],
                environmentTruncated: true, environmentRest: .read,
                pythonStartupHooks: [ByteString("/tmp/x/sitecustomize.py"), hostile], argvTruncated: true, pathTruncated: true, isAgentRoot: true, isHeld: true,
                abi: .ia32))
        case .fork:
            return .fork(ForkEvent(process: process(901), parentPID: 4000))
        case .exit:
            return .exit(ExitEvent(process: process(902), status: 9 | 0x80))
        case .open:
            return .open(FileEvent(process: process(903), result: 7, flags: 0o2101101, mode: 0o644, syscall: .openat2,
                                   file: file, path: hostile, requested: ByteString("../x"), pathTruncated: true,
                                   requestUnreadable: true, isHeld: true,
                                   guarded: GuardedFile(id: 7, match: .directory, path: hostile)))
        case .execFailed:
            return .execFailed(FileEvent(process: process(904), result: -13, syscall: .execveat, path: ByteString("/a/b"),
                                         requested: hostile, pathTruncated: false, requestUnreadable: false))
        case .rename:
            return .rename(RenameEvent(process: process(905), result: -18, syscall: .renameat2, operation: .link, flags: 0x400,
                                       source: hostile, destination: ByteString("/h/.ssh/authorized_keys"),
                                       sourceRequested: ByteString("../k"), destinationRequested: hostile,
                                       pathTruncated: true, requestUnreadable: true, isHeld: true,
                                       guarded: GuardedFile(id: 9, match: .file, path: ByteString("/h/.ssh/id_ed25519"))))
        case .connect:
            return .connect(ConnectEvent(process: process(906), result: -115, syscall: .connect, family: 10, port: 8443,
                                         address: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
        case .syscall:
            // A helper target (known in user space only), a hostile path, a negative group pid.
            return .syscall(SyscallEvent(process: process(907), result: -1, syscall: .kill, argument: 19, targetPID: -812,
                                         targetExecID: 0, target: [.process], path: hostile, pathTruncated: true, isHeld: true,
                                         targetIsWardenHelper: true))
        default:
            return nil
        }
    }

    @Test("peer addresses read back from their text", arguments: [
        ([UInt8]([127, 0, 0, 1]), "127.0.0.1", true),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "::1", true),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], "2001:db8::1:0:0:1", false),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 127, 0, 0, 9], "::ffff:127.0.0.9", true),
        ([0xfe, 0x80, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7], "fe80:1:2:3:4:5:6:7", false),
        ([93, 184, 216, 34], "93.184.216.34", false),
    ])
    func addresses(_ bytes: [UInt8], _ text: String, _ loopback: Bool) {
        #expect(NetworkAddress.text(bytes) == text)
        #expect(NetworkAddress.bytes(text) == bytes)
        #expect(NetworkAddress.isLoopback(bytes) == loopback)
    }

    private static func roundTrip(_ event: Event) throws -> Event? {
        var catalog = AgentCatalog()
        _ = catalog.add(AgentDefinition(name: "claude-code"))
        let encoded = EventJSONEncoder(context: OutputContext(catalog: catalog, clock: clock)).encode(event)
        return try EventJSONDecoder(clock: clock).decode(Data(encoded), number: 1)
    }

    @Test("every event kind decodes to exactly the event that was encoded", arguments: EventKind.allCases)
    func everyKind(_ kind: EventKind) throws {
        let event = try #require(Self.sample(kind), "no sample event for kind \(kind): add one")
        let decoded = try #require(try Self.roundTrip(event))
        #expect(decoded.kind == kind)
        #expect(Self.differences(event, decoded).isEmpty, "\(Self.differences(event, decoded))")
    }

    @Test("a compat call round-trips with its ABI and number, and says its name", arguments: [SyscallABI.ia32, .x32, .aarch32])
    func compatCall(_ abi: SyscallABI) throws {
        let number: UInt64 = abi == .x32 ? 0x4000_0000 | 2 : 5
        let event = Event.syscall(SyscallEvent(process: Self.process(908), result: 3, syscall: .compat, argument: number,
                                               targetPID: 0, target: [], path: Self.hostile, isHeld: true, abi: abi))
        let decoded = try #require(try Self.roundTrip(event))
        #expect(Self.differences(event, decoded).isEmpty, "\(Self.differences(event, decoded))")
        guard case .syscall(let back) = decoded else { Issue.record("decoded \(decoded.typeName)"); return }
        #expect(back.compatName == "open")
        #expect(EventTextFormatter.describe(back) == "compat \(abi.rawValue) open (\(number)) \(TerminalText.escape(Self.hostile)) [held]")
        var catalog = AgentCatalog()
        _ = catalog.add(AgentDefinition(name: "claude-code"))
        let line = String(decoding: EventJSONEncoder(context: OutputContext(catalog: catalog, clock: Self.clock)).encode(event), as: UTF8.self)
        #expect(line.contains("\"syscall\":\"compat\",\"abi\":\"\(abi.rawValue)\",\"compat_name\":\"open\""), "\(line)")
    }

    @Test("native calls and images carry no abi key")
    func nativeHasNoABI() throws {
        var catalog = AgentCatalog()
        _ = catalog.add(AgentDefinition(name: "claude-code"))
        let encoder = EventJSONEncoder(context: OutputContext(catalog: catalog, clock: Self.clock))
        let call = Event.syscall(SyscallEvent(process: Self.process(909), result: 0, syscall: .ptrace, argument: 16))
        #expect(!String(decoding: encoder.encode(call), as: UTF8.self).contains("\"abi\""))
        #expect(SyscallText.compatCallName(.ia32, 999) == "ia32 syscall 999")
        #expect(SyscallText.compatCallName(.ia32, 102) == "socketcall")
        #expect(SyscallText.compatCallName(.x32, 0x4000_0000 | 42) == "connect")
    }

    @Test("a unix connect's server (uid, name, socket file, executable and its path) round-trips")
    func unixConnect() throws {
        let socket = FileIdentity(kind: .socket, inode: 4242, device: 254 << 20, links: 1, mode: 0o140600, socketFamily: 1)
        let executable = FileIdentity(kind: .regular, inode: 99, device: 254 << 20, links: 1, mode: 0o100755, size: 1_004_336)
        for (argument, path) in [(UInt64(1), Self.hostile), (5 | 1 << 16, ByteString("\u{1}shim"))] {
            let event = Event.syscall(SyscallEvent(
                process: Self.process(908), result: 0, syscall: .connect, argument: argument, targetPID: 812, targetExecID: 0,
                target: [.process], path: path, isHeld: true, targetUID: 1000, socket: argument == 1 ? socket : .none,
                targetExecutable: executable, targetExecutablePath: Self.hostile))
            let decoded = try #require(try Self.roundTrip(event))
            #expect(Self.differences(event, decoded).isEmpty, "\(Self.differences(event, decoded))")
        }
        let unknown = Event.syscall(SyscallEvent(process: Self.process(909), result: 0, syscall: .connect, argument: 1 | 1 << 17))
        let decoded = try #require(try Self.roundTrip(unknown))
        #expect(Self.differences(unknown, decoded).isEmpty, "\(Self.differences(unknown, decoded))")
        // Through int 0x80 (connect or socketcall): the interface round-trips, and says so in text.
        let ia32 = SyscallEvent(process: Self.process(910), result: 0, syscall: .connect, argument: 1, targetPID: 812,
                                target: [.process], path: ByteString("/tmp/tmux-0/default"), isHeld: true, abi: .ia32,
                                targetUID: 0, socket: socket, targetExecutable: executable,
                                targetExecutablePath: ByteString("/usr/bin/tmux"))
        let back = try #require(try Self.roundTrip(.syscall(ia32)))
        #expect(Self.differences(Event.syscall(ia32), back).isEmpty, "\(Self.differences(Event.syscall(ia32), back))")
        #expect(EventTextFormatter.describe(ia32).hasPrefix("connect ia32 unix /tmp/tmux-0/default pid 812"), "\(EventTextFormatter.describe(ia32))")
    }

    @Test("a job-control continue of a held process round-trips with its mark")
    func jobControlContinue() throws {
        let event = Event.syscall(SyscallEvent(process: Self.process(911), result: 0, syscall: .kill, argument: 18, targetPID: -812,
                                               target: [.process, .tracked, .sameSession, .held, .restopped, .jobControl]))
        let decoded = try #require(try Self.roundTrip(event))
        #expect(Self.differences(event, decoded).isEmpty, "\(Self.differences(event, decoded))")
        var catalog = AgentCatalog()
        _ = catalog.add(AgentDefinition(name: "claude-code"))
        let line = String(decoding: EventJSONEncoder(context: OutputContext(catalog: catalog, clock: Self.clock)).encode(event), as: UTF8.self)
        #expect(line.contains("\"job_control\""), "\(line)")
    }

    @Test("loss reports round-trip")
    func lossReport() throws {
        let report = LossReport(bootTime: 5_000_000_000, ringBufferDrops: 12, processTableFull: 3,
                                droppedByKind: EventKind.allCases.map { $0 == .open ? 10 : ($0 == .exit ? 2 : 0) })
        let decoded = try #require(try Self.roundTrip(.loss(report)))
        guard case .loss(let back) = decoded else { Issue.record("decoded \(decoded.typeName)"); return }
        #expect(back == report)
    }

    @Test("the comparison itself sees a changed field")
    func comparisonCanFail() throws {
        let a = try #require(Self.sample(.exec))
        guard case .exec(let e) = a else { return }
        let b = Event.exec(ExecEvent(process: e.process, ppid: e.ppid + 1, comm: e.comm, filename: e.filename,
                                     interpreter: e.interpreter, executablePath: e.executablePath, executable: e.executable,
                                     cwd: e.cwd, argv: e.argv))
        #expect(!Self.differences(a, b).isEmpty)
    }

    /// Every stored property, walked by reflection, so a field added to the model later is
    /// compared without anyone remembering to list it here.
    static func differences(_ a: Any, _ b: Any, path: String = "event") -> [String] {
        let left = Mirror(reflecting: a), right = Mirror(reflecting: b)
        if left.children.isEmpty || right.children.isEmpty {
            let (x, y) = (String(describing: a), String(describing: b))
            return x == y ? [] : ["\(path): \(x) != \(y)"]
        }
        if left.displayStyle == .dictionary {
            let x = left.children.map { String(describing: $0.value) }.sorted()
            let y = right.children.map { String(describing: $0.value) }.sorted()
            return x == y ? [] : ["\(path): \(x) != \(y)"]
        }
        let leftChildren = Array(left.children), rightChildren = Array(right.children)
        guard leftChildren.count == rightChildren.count else { return ["\(path): \(leftChildren.count) vs \(rightChildren.count) parts"] }
        return zip(leftChildren, rightChildren).enumerated().flatMap { index, pair in
            differences(pair.0.value, pair.1.value, path: "\(path).\(pair.0.label ?? String(index))")
        }
    }
}
