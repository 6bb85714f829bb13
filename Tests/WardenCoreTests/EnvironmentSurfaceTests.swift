import Foundation
import Testing
@testable import WardenCore

/// Code carried in the environment (watched variables past the kernel's 8 KiB copy, NODE_OPTIONS,
/// PYTHONPATH start-up modules) and git's command line, below the rules.
@Suite("Environment and git surfaces")
struct EnvironmentSurfaceTests {
    private static func block(_ entries: [String]) -> [UInt8] {
        entries.flatMap { Array($0.utf8) + [0] }
    }

    private static func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-env-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("the scanner finds watched variables across any piece boundary, as one pass over the block does")
    func scannerAcrossPieces() {
        let bytes = Self.block(["PAD=" + String(repeating: "x", count: 300), "BASH_ENV=/tmp/x", "HOME=/root", "NODE_OPTIONS=-r ./h.js"])
        for size in [1, 7, 64, 4096] {
            var scanner = WatchedEnvironment.Scanner()
            var start = 0
            while start < bytes.count {
                scanner.feed(bytes[start..<min(bytes.count, start + size)])
                start += size
            }
            let found = scanner.finish()
            #expect(found == WatchedEnvironment.extract(bytes[...]), "pieces of \(size)")
            #expect(found["BASH_ENV"] == ByteString("/tmp/x"))
        }
    }

    @Test("hostile environments: invalid UTF-8, entries past the limit, a missing final NUL")
    func hostileEnvironment() {
        var bytes = Self.block(["A=1"])
        bytes += Array("BASH_\u{FF}ENV=/x".utf8) + [0]            // not the name BASH_ENV
        bytes += [0x42, 0x41, 0x53, 0x48, 0x5F, 0x45, 0x4E, 0xFF, 0x3D, 0x31, 0]   // "BASHEN\xff=1": invalid name
        bytes += Array("PYTHONPATH=".utf8) + [0xFF, 0xFE, 0x2F] + [0]   // invalid value bytes are kept
        bytes += Array("LD_PRELOAD=".utf8) + Array(repeating: UInt8(ascii: "y"), count: 200) + [0]
        bytes += Array("ENV=/no-final-nul".utf8)
        var scanner = WatchedEnvironment.Scanner(entryLimit: 100)
        scanner.feed(bytes[...])
        let found = scanner.finish()
        #expect(found["PYTHONPATH"]?.bytes == [0xFF, 0xFE, 0x2F])
        #expect(found["LD_PRELOAD"] == nil, "an entry past the limit is skipped, not cut")
        #expect(scanner.skippedWatched, "and the skip is said")
        #expect(found["ENV"] == ByteString("/no-final-nul"))
        #expect(found.count == 2)
    }

    @Test("a cut block counts only its whole entries")
    func wholeEntries() {
        let bytes = Self.block(["A=1", "BASH_ENV=/tmp/x"])
        let cut = bytes[0..<(bytes.count - 4)]
        #expect(WatchedEnvironment.wholeEntriesLength(cut) == 4)
        #expect(WatchedEnvironment.extract(cut.prefix(WatchedEnvironment.wholeEntriesLength(cut))).isEmpty)
        #expect(WatchedEnvironment.wholeEntriesLength(bytes[...]) == bytes.count)
        #expect(WatchedEnvironment.wholeEntriesLength([][...]) == 0)
    }

    /// A real process whose environment is longer than the kernel's copy, and the exec record
    /// the kernel would have made for it.
    private static func paddedProcess(_ tail: [String]) throws -> (Process, ExecEvent) {
        // env -i sets the variables in order (a Process environment is a dictionary): the padding
        // first, then what it hides.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["-i", "PATH=/usr/bin:/bin", "PAD=" + String(repeating: "p", count: 9000)] + tail + ["/bin/sleep", "30"]
        try child.run()
        let pid = UInt32(child.processIdentifier)
        var environ: [UInt8] = []
        for _ in 0..<100 {
            environ = Array((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data())
            if environ.count > 8192 { break }
            usleep(10_000)
        }
        let kernelCopy = environ.prefix(8192)
        let whole = WatchedEnvironment.wholeEntriesLength(kernelCopy)
        let exe = FileStat.realPath("/bin/sleep")
        let event = ExecEvent(process: ProcessRef(bootTime: 1, pid: pid, tid: pid, execID: 2, parentExecID: 1, sessionID: 1, agentID: 1),
                              ppid: 1, comm: "sleep", filename: "/bin/sleep", interpreter: "/bin/sleep", executablePath: ByteString(exe),
                              executable: try #require(FileStat.identity(of: exe)), cwd: "/", argv: ["sleep", "30"],
                              environment: WatchedEnvironment.extract(kernelCopy.prefix(whole)), environmentTruncated: true,
                              environmentCopied: whole)
        return (child, event)
    }

    @Test("past the kernel's 8 KiB: the rest of the environment is read from /proc/PID/environ")
    func restFromProc() throws {
        let (child, event) = try Self.paddedProcess(["ZZ_BASH_ENV_HOLDER=1", "BASH_ENV=/tmp/evil-rc"])
        defer { child.terminate(); child.waitUntilExit() }
        #expect(event.environment["BASH_ENV"] == nil, "the padding hides it from the kernel's copy")
        let completed = ExecHostFacts().annotate(event, parent: nil)
        #expect(completed.environmentRest == .read)
        #expect(completed.environment["BASH_ENV"] == ByteString("/tmp/evil-rc"))
    }

    @Test("a process that runs another image by then: the rest is unread, nothing is taken from it")
    func otherImage() throws {
        let (child, event) = try Self.paddedProcess(["BASH_ENV=/tmp/evil-rc"])
        defer { child.terminate(); child.waitUntilExit() }
        let other = ExecEvent(process: event.process, ppid: 1, comm: "x", filename: "/bin/true", interpreter: "/bin/true",
                              executablePath: "/bin/true", executable: try #require(FileStat.identity(of: "/bin/true")), cwd: "/",
                              argv: ["true"], environmentTruncated: true, environmentCopied: event.environmentCopied)
        let completed = ExecHostFacts().annotate(other, parent: nil)
        #expect(completed.environmentRest == .unread)
        #expect(completed.environment["BASH_ENV"] == nil)
    }

    @Test("an environment longer than the reading bound is unread, not half-read")
    func pastTheBound() throws {
        let (child, event) = try Self.paddedProcess(["BASH_ENV=/tmp/evil-rc"])
        defer { child.terminate(); child.waitUntilExit() }
        let completed = ExecHostFacts(environmentLimit: 8500).annotate(event, parent: nil)
        #expect(completed.environmentRest == .unread)
    }

    @Test("a watched value longer than Warden keeps: the rest is unread, not cut")
    func overlongValue() throws {
        let (child, event) = try Self.paddedProcess(["NODE_OPTIONS=" + String(repeating: " ", count: 40_000) + "-r /tmp/h.js"])
        defer { child.terminate(); child.waitUntilExit() }
        let completed = ExecHostFacts().annotate(event, parent: nil)
        #expect(completed.environmentRest == .unread)
        #expect(completed.environment["NODE_OPTIONS"] == nil)
    }

    @Test("PYTHONPATH set by the caller: sitecustomize and usercustomize in its directories, relative ones from the cwd")
    func pythonStartupHooks() throws {
        let root = try Self.scratch()
        try FileManager.default.createDirectory(atPath: root + "/hooks/usercustomize", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/plain", withIntermediateDirectories: true)
        try "import os".write(toFile: root + "/sitecustomize.cpython-311.pyc", atomically: true, encoding: .utf8)
        try "x".write(toFile: root + "/plain/sitecustomize_notes.txt", atomically: true, encoding: .utf8)
        let facts = ExecHostFacts(procRoot: root + "/no-proc")
        let found = facts.pythonStartupHooks(ByteString("hooks:\(root)/plain::/nonexistent"), pid: 1, cwd: ByteString(root))
        #expect(found.map(\.text) == ["\(root)/hooks/usercustomize", "\(root)/sitecustomize.cpython-311.pyc"])
        #expect(ExecHostFacts.isStartupModule(Array("sitecustomize.py".utf8)))
        #expect(!ExecHostFacts.isStartupModule(Array("sitecustomizer.py".utf8)))
    }

    @Test("PYTHONPATH is looked at only when the exec's caller set or changed it")
    func pythonPathOnlyWhenInjected() throws {
        let root = try Self.scratch()
        try "x".write(toFile: root + "/sitecustomize.py", atomically: true, encoding: .utf8)
        let process = ProcessRef(bootTime: 1, pid: 999_999, tid: 999_999, execID: 2, parentExecID: 1, sessionID: 1, agentID: 1)
        let e = ExecEvent(process: process, ppid: 1, comm: "python3", filename: "/usr/bin/python3", interpreter: "/usr/bin/python3",
                          executablePath: "/usr/bin/python3", executable: .none, cwd: ByteString(root), argv: ["python3"],
                          environment: ["PYTHONPATH": ByteString(root)])
        let facts = ExecHostFacts(procRoot: root + "/no-proc")
        func parent(_ environment: [String: ByteString]) -> ProcessRecord {
            ProcessRecord(execID: 1, parentExecID: 0, sessionID: 1, agentID: 1, pid: 1, executablePath: "/bin/sh", argv: ["sh"],
                          environment: environment)
        }
        #expect(facts.annotate(e, parent: parent([:])).pythonStartupHooks.map(\.text) == ["\(root)/sitecustomize.py"])
        #expect(facts.annotate(e, parent: parent(["PYTHONPATH": ByteString(root)])) === e)
    }

    @Test("NODE_OPTIONS split as node splits it, preloads found anywhere")
    func nodeOptions() {
        func preloads(_ value: String) -> [String] { NodeGrammar.preloads(inEnvironment: ByteString(value)).map(\.text) }
        #expect(preloads("--max-old-space-size=4096") == [])
        #expect(preloads("--max-old-space-size=4096 --require /tmp/h.js") == ["/tmp/h.js"])
        #expect(preloads("--stack-trace-limit 10 -r ./a.js --import=b.mjs --experimental-loader ./l.mjs") == ["./a.js", "b.mjs", "./l.mjs"])
        #expect(preloads("--req\"uire\" \"/tmp/with space.js\"") == ["/tmp/with space.js"])
        #expect(preloads("-r=./x.js") == ["./x.js"])
        #expect(NodeGrammar.environmentOptions(ByteString("  a  \"b c\"\\d \"e\\\"f\"")).map(\.text) == ["a", "b c\\d", "e\"f"])
    }

    @Test("git's own grammar: config forms, -c and --config-env, readers set nothing")
    func gitSettings() {
        func settings(_ argv: [String]) -> [String] { GitGrammar.settings(argv.map { ByteString($0) }).map(\.text) }
        #expect(settings(["config", "user.name", "x"]) == ["user.name=x"])
        #expect(settings(["config", "--global", "--add", "Alias.St", "!sh"]) == ["alias.st=!sh"])
        #expect(settings(["config", "-f", "/tmp/c", "filter.X.Smudge", "cat"]) == ["filter.X.smudge=cat"])
        #expect(settings(["config", "set", "--append", "core.pager", "less"]) == ["core.pager=less"])
        #expect(settings(["-C", "repo", "-c", "core.pager=sh -c x", "--no-pager", "log"]) == ["core.pager=sh -c x"])
        #expect(settings(["--config-env=core.fsmonitor=HOOK", "status"]) == ["core.fsmonitor=$HOOK"])
        #expect(settings(["-c", "core.fsmonitor", "status"]) == ["core.fsmonitor=true"])
        #expect(settings(["config", "--get", "core.pager"]) == [])
        #expect(settings(["config", "core.pager"]) == [])
        #expect(settings(["config", "get", "core.pager"]) == [])
        #expect(settings(["config", "--unset", "core.pager"]) == [])
        #expect(settings(["commit", "-m", "core.pager=x"]) == [])
        #expect(settings(["config", "--file"]) == [])
    }

    @Test("the git settings that run a command")
    func gitCommands() {
        func commands(_ settings: [String]) -> [String] { GitGrammar.commandSettings(settings.map { ByteString($0) }).map(\.text) }
        #expect(commands(["user.name=x", "alias.st=status", "core.fsmonitor=true", "core.fsmonitor=", "credential.helper=cache --timeout=60",
                          "filter.lfs.clean=git-lfs clean -- %f", "core.autocrlf=input"]) == [])
        let running = ["alias.x= !sh", "core.fsmonitor=./hook", "core.hookspath=/tmp/h", "credential.helper=!f(){ id; }; f",
                       "credential.https://x.helper=/tmp/h", "credential.helper=evil", "diff.pdf.textconv=conv", "gpg.ssh.program=/tmp/g",
                       "includeif.gitdir:/x/.path=/tmp/c", "filter.lfs.clean=git-lfs clean -- %f; id", "pager.log=cat"]
        #expect(commands(running) == running)
    }

    @Test("git settings from the variables the caller set: GIT_CONFIG_COUNT pairs, GIT_CONFIG_PARAMETERS, GIT_PAGER")
    func gitEnvironment() {
        let environment: [String: ByteString] = [
            "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "Core.FSMonitor", "GIT_CONFIG_VALUE_0": "./x",
            "GIT_CONFIG_KEY_1": "user.name", "GIT_CONFIG_VALUE_1": "x", "GIT_CONFIG_KEY_5": "alias.y",
            "GIT_CONFIG_PARAMETERS": "'alias.x'='!sh -c '\\''id'\\''' 'core.pager=less'", "GIT_PAGER": "cat",
        ]
        let all = GitGrammar.environmentSettings(environment, names: ["GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_PAGER"]).map(\.text)
        #expect(all == ["core.pager=cat", "core.fsmonitor=./x", "user.name=x", "alias.x=!sh -c 'id'", "core.pager=less"])
        #expect(GitGrammar.environmentSettings(environment, names: ["GIT_PAGER"]).map(\.text) == ["core.pager=cat"])
        #expect(GitGrammar.environmentSettings(["GIT_CONFIG_COUNT": "99999999999999999999"], names: ["GIT_CONFIG_COUNT"]).isEmpty)
        #expect(WatchedEnvironment.extract(Self.block(["GIT_CONFIG_KEY_12=core.pager", "GIT_CONFIG_KEYS=x"])[...]).keys.sorted() == ["GIT_CONFIG_KEY_12"])
    }

    @Test("a parent known only in part: a variable it lacks may be past its cut, only a changed value is injected")
    func partlyKnownParent() {
        let environment: [String: ByteString] = ["NODE_OPTIONS": "--require ./otel.js", "BASH_ENV": "/tmp/x"]
        #expect(WatchedEnvironment.injected(environment, isSessionRoot: false, parent: ["BASH_ENV": "/tmp/y"], parentComplete: false) == ["BASH_ENV"])
        #expect(WatchedEnvironment.injected(environment, isSessionRoot: false, parent: ["BASH_ENV": "/tmp/y"]) == ["BASH_ENV", "NODE_OPTIONS"])
        #expect(WatchedEnvironment.injected(environment, isSessionRoot: true, parent: [:]).isEmpty)
    }
}
