import Foundation
import Testing
@testable import WardenCore

/// Interpreters recognised by what their files contain (build-id, the runtime their `main`
/// calls, their machine code), on the host's real binaries.
@Suite("Interpreters by content")
struct InterpreterContentTests {
    private static let dash = FileStat.realPath("/bin/dash")
    static let loader = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"].first { FileStat.identity(of: $0) != nil } ?? ""

    private static func fingerprint(_ path: String) -> ExecutableFingerprint? {
        guard let fd = ExecutableContents.openIfIdentical(path, identity: nil) else { return nil }
        defer { close(fd) }
        return ExecutableFingerprint.read(fd: fd)
    }

    /// readelf's view of the build-id, to check the parser against.
    private static func readelfBuildID(_ path: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        process.arguments = ["-n", path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let hex = try #require(text.split(separator: "\n").first { $0.contains("Build ID:") }?.split(separator: " ").last)
        return stride(from: 0, to: hex.count, by: 2).map {
            UInt8(hex[hex.index(hex.startIndex, offsetBy: $0)..<hex.index(hex.startIndex, offsetBy: $0 + 2)], radix: 16)!
        }
    }

    /// A copy of `source` in a fresh directory, changed by `edit`.
    private static func copy(of source: String, named name: String, edit: (inout [UInt8]) -> Void = { _ in }) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-content-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: source)))
        edit(&bytes)
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private static func recognise(_ path: String, catalog: InterpreterCatalog, argv: [String]? = nil) throws -> InterpreterKind? {
        try match(path, catalog: catalog, argv: argv)?.kind
    }

    private static func exec(_ path: String, argv: [String]? = nil) throws -> ExecEvent {
        let identity = try #require(FileStat.identity(of: path))
        return ExecEvent(process: ProcessRef(bootTime: 0, pid: 0x7fff_fff0, tid: 0x7fff_fff0, execID: 9, parentExecID: 1,
                                                 sessionID: 1, agentID: 1),
                             ppid: 1, comm: "x", filename: ByteString(path), interpreter: ByteString(path),
                             executablePath: ByteString(path), executable: identity, cwd: "/",
                             argv: (argv ?? [path]).map { ByteString($0) })
    }

    private static func match(_ path: String, catalog: InterpreterCatalog, argv: [String]? = nil) throws -> InterpreterCatalog.Match? {
        let exec = try exec(path, argv: argv)
        // Read before it is judged; a loader's program may be read in turn.
        for _ in 0..<2 where catalog.recognise(exec) == .pending {
            catalog.waitForAnswers()
            _ = catalog.absorbAnswers()
        }
        guard case .known(let match) = catalog.recognise(exec) else { Issue.record("still pending"); return nil }
        return match
    }

    @Test("a renamed copy of the loader is the loader, running its program; busybox under any name runs its argv[0] applet")
    func loaderAndBusyboxCopies() throws {
        let catalog = InterpreterCatalog.scanHost()
        let loader = try Self.copy(of: Self.loader, named: "myld")
        let viaLoader = try #require(try Self.match(loader, catalog: catalog, argv: ["myld", "/bin/dash", "-c", "id"]))
        #expect(viaLoader.kind == .shell && viaLoader.viaLoader && viaLoader.argumentOffset == 1)
        let busybox = try #require(["/bin/busybox", "/usr/bin/busybox"].first { FileStat.identity(of: $0) != nil },
                                   "busybox-static is installed by scripts/setup.sh")
        let bb = try Self.copy(of: busybox, named: "bb") { $0 += [0] }
        #expect(try Self.recognise(bb, catalog: InterpreterCatalog.scanHost(directories: []), argv: ["sh", "-c", "id"]) == .shell)
        #expect(try Self.recognise(bb, catalog: catalog, argv: ["busybox", "sh", "-c", "id"]) == .shell)
        // Busybox reads argv[0] as the applet: `bb` is none, and `sh -c id` are its arguments.
        #expect(try Self.recognise(bb, catalog: catalog, argv: ["bb", "sh", "-c", "id"]) == nil)
    }

    @Test("the parser reads the build-id readelf reads, and the runtime each interpreter's main calls")
    func parsesHostBinaries() throws {
        let dash = try #require(Self.fingerprint(Self.dash))
        #expect(dash.buildID == (try Self.readelfBuildID(Self.dash)))
        #expect(dash.code != nil && dash.embeddedKind == nil && dash.hasProgramInterpreter)
        #expect(Self.fingerprint(FileStat.realPath("/usr/bin/python3"))?.embeddedKind == .interpreter(.python))
        #expect(Self.fingerprint(FileStat.realPath("/usr/bin/perl"))?.embeddedKind == .interpreter(.perl))
        if FileStat.identity(of: "/usr/bin/node") != nil {
            #expect(Self.fingerprint(FileStat.realPath("/usr/bin/node"))?.embeddedKind == .interpreter(.node))
        }
        // The loader has no PT_INTERP and defines what libc needs from it; libc itself is no loader.
        #expect(Self.fingerprint(FileStat.realPath(Self.loader))?.embeddedKind == .loader)
        let libc = try #require(["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"].first { FileStat.identity(of: $0) != nil })
        #expect(Self.fingerprint(libc)?.embeddedKind == nil)
        for tool in ["/usr/bin/git", "/usr/bin/env", "/usr/bin/gcc"] where FileStat.identity(of: tool) != nil {
            #expect(Self.fingerprint(FileStat.realPath(tool))?.embeddedKind == nil, "\(tool)")
        }
        #expect(Self.fingerprint("/etc/hostname") == nil)
    }

    @Test("a copy of dash padded with bytes, or with its code changed, keeps its build-id and is a shell")
    func buildIDSurvivesPadding() throws {
        let catalog = InterpreterCatalog.scanHost()
        let padded = try Self.copy(of: Self.dash, named: "helper") { $0 += [0x90] }
        #expect(catalog.recognise(try Self.exec(padded)) == .pending, "an unknown file is read before it is judged")
        #expect(try Self.recognise(padded, catalog: catalog) == .shell)
        let patched = try Self.copy(of: Self.dash, named: "helper2") { $0[$0.count / 2] ^= 0xFF }
        #expect(try Self.recognise(patched, catalog: catalog) == .shell)
    }

    @Test("a copy of dash with its build-id altered, its code patched too, runs dash's machine code and is a shell")
    func machineCodeWithoutBuildID() throws {
        let catalog = InterpreterCatalog.scanHost()
        let id = try Self.readelfBuildID(Self.dash)
        let altered = try Self.copy(of: Self.dash, named: "helper3") { bytes in
            guard let at = (0...(bytes.count - id.count)).first(where: { bytes[$0..<$0 + id.count].elementsEqual(id) }) else { return }
            bytes[at] ^= 0xFF
        }
        #expect(Self.fingerprint(altered)?.buildID != id)
        #expect(try Self.recognise(altered, catalog: catalog) == .shell)
        // Build-id altered and code patched in many places (a tenth of a percent of its bytes).
        let code = try #require(Self.fingerprint(Self.dash)?.code)
        let patched = try Self.copy(of: Self.dash, named: "helper4") { bytes in
            guard let at = (0...(bytes.count - id.count)).first(where: { bytes[$0..<$0 + id.count].elementsEqual(id) }) else { return }
            bytes[at] ^= 0xFF
            for offset in stride(from: Int(code.lowerBound), to: Int(code.upperBound), by: 997) { bytes[offset] ^= 0x5A }
        }
        #expect(try Self.recognise(patched, catalog: catalog) == .shell)
        // Other programs of a similar code size are not shells.
        #expect(!InterpreterContentDetector.sameCode(Array(repeating: 1, count: 1000), Array(repeating: 2, count: 1000)))
    }

    @Test("the system Python copied and renamed is Python by the runtime its main calls; other programs are not interpreters")
    func pythonByEntryPoint() throws {
        let catalog = InterpreterCatalog.scanHost(directories: [])
        let python = try Self.copy(of: FileStat.realPath("/usr/bin/python3"), named: "svc")
        #expect(try Self.recognise(python, catalog: catalog) == .python)
        #expect(try Self.recognise(FileStat.realPath("/usr/bin/env"), catalog: catalog) == nil)
        let notELF = try Self.copy(of: "/etc/hostname", named: "text")
        #expect(try Self.recognise(notELF, catalog: catalog) == nil)
    }
}

@Suite("Shell sourcing")
struct ShellSourcingTests {
    private func sources(_ code: String, _ path: String) -> Bool {
        ShellSourcing.sources(code: Array(code.utf8), path: Array(path.utf8))
    }

    @Test("sourcing in any syntax is seen; a redirect's target is not sourced")
    func sourcingAndRedirects() {
        #expect(sources(". ./f", "./f") && sources("source f", "f") && sources("builtin source ./f7", "./f7"))
        #expect(sources("command . ./f8", "./f8") && sources("if true; then . ./f9; fi", "./f9"))
        #expect(sources("eval '. ./f10'", "./f10") && sources("trap '. ./f11' EXIT", "./f11"))
        #expect(sources("x=source; $x ./f13", "./f13") && sources("f=./g; . \"$f\"", "./g"))
        #expect(sources("source <(cat f18)", "/dev/fd/63") && sources(". /dev/stdin < f", "/dev/stdin"))
        #expect(!sources("jq . < data.json", "data.json") && !sources("jq . data.json", "data.json"))
        #expect(!sources("source ./env.sh && wc -l < d.json", "d.json"))
        #expect(!sources("while read l; do echo $l; done < d.txt", "d.txt"))
    }
}

@Suite("ELF headers from hostile files")
struct HostileELFTests {
    @Test("absurd offsets and sizes in the headers give no fingerprint or a partial one, never a crash")
    func absurdHeaders() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: FileStat.realPath("/bin/dash"))))
        let phoff = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[0x20 + $1]) << (8 * $1) })
        let count = Int(bytes[0x38]) | Int(bytes[0x39]) << 8
        // Every program header's offset, address and sizes set to all ones.
        for index in 0..<count {
            for field in [8, 16, 32, 40] {
                for byte in 0..<8 { bytes[phoff + index * 56 + field + byte] = 0xFF }
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-hostile-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = try #require(ExecutableContents.openIfIdentical(path, identity: nil))
        defer { close(fd) }
        let fingerprint = ExecutableFingerprint.read(fd: fd)
        #expect(fingerprint?.code == nil && fingerprint?.embeddedKind == nil && fingerprint?.buildID.isEmpty == true)
    }
}
