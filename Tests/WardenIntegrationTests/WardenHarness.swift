import Foundation
import Glibc
import Testing

/// Runs the built `warden` binary against the real kernel and reads what it exported.
struct WardenHarness {
    let directory: URL

    init() throws {
        try #require(geteuid() == 0, "kernel integration tests need root: run them with sudo (CI runs as root)")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("warden-it-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["WARDEN_BINARY"] { return URL(fileURLWithPath: path) }
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBundle.deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle on some layouts.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("warden").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("warden")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func write(_ name: String, _ contents: String, executable: Bool = false) throws {
        try contents.write(toFile: path(name), atomically: true, encoding: .utf8)
        if executable { chmod(path(name), 0o755) }
    }

    /// Runs `sh -c script` in the test directory, outside Warden (preparing a scene); fails the
    /// test when it fails.
    func shell(_ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "setup failed: \(script)")
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var events: [[String: Any]]
    }

    /// An agent (`sh agent.sh`, HOME the test's `home`) making the same tool call `runs` times:
    /// `tool` is written to tool.sh and run each time as `sh -c "$(cat tool.sh)"`, its output
    /// appended to tool-output; `preamble` is shell run first (exports for the tool call). Returns
    /// the run and each call's exit status.
    func campaign(_ tool: String, runs: Int, mode: [String], preamble: String = "", environment: [String] = [],
                  timeout: TimeInterval = 120) throws -> (result: Result, statuses: [Int]) {
        try write("tool.sh", tool)
        try write("agent.sh", preamble + """
            i=0
            while [ $i -lt \(runs) ]; do
              i=$((i+1))
              sh -c "$(cat tool.sh)" >> tool-output 2>&1
              echo $? >> statuses
            done
            echo agent-done
            """)
        let result = try run(["env", "HOME=\(path("home"))"] + environment + ["sh", "agent.sh"],
                             extra: mode + ["--name", "claude-code"], timeout: timeout)
        let statuses = ((try? String(contentsOfFile: path("statuses"), encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { Int($0) }
        return (result, statuses)
    }

    /// `warden run --output <file> --events <extra> -- command...`, waiting for it to finish.
    func run(_ command: [String], extra: [String] = [], timeout: TimeInterval = 60) throws -> Result {
        let export = path("events-\(UUID().uuidString.prefix(6)).jsonl")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["run", "--output", export, "--events"] + extra + ["--"] + command
        process.currentDirectoryURL = directory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        try waitOrKill(process, timeout: timeout)
        return Result(status: process.terminationStatus, stdout: stdout,
                      stderr: String(decoding: stderr, as: UTF8.self), events: try Self.readEvents(export))
    }

    /// Starts `warden monitor` with `arguments` and returns once its sensors are attached.
    func startMonitor(_ arguments: [String], export: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["monitor", "--output", export, "--events", "--format", "json"] + arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // warden prints "warden: monitoring ..." on stderr once everything is attached and seeded.
        let seen = Self.readStderr(err, until: "monitoring")
        try #require(seen.contains("monitoring"), "warden monitor did not start: \(seen)")
        return (process, err)
    }

    /// Reads a monitor's stderr until `text` appears or the pipe closes; returns what was read.
    static func readStderr(_ err: Pipe, until text: String) -> String {
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(text) {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        return String(decoding: seen, as: UTF8.self)
    }

    func stopMonitor(_ process: Process, _ err: Pipe) throws -> String {
        process.interrupt()
        let rest = err.fileHandleForReading.readDataToEndOfFile()
        try waitOrKill(process, timeout: 30)
        #expect(process.terminationStatus == 0)
        return String(decoding: rest, as: UTF8.self)
    }

    private func waitOrKill(_ process: Process, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            Issue.record("warden did not finish within \(timeout) s")
        }
    }

    static func readEvents(_ path: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line))
            return try #require(object as? [String: Any], "not a JSON object: \(String(decoding: line, as: UTF8.self))")
        }
    }
}

extension Array where Element == [String: Any] {
    func ofType(_ type: String) -> [[String: Any]] { filter { $0["type"] as? String == type } }

    /// exec events whose argv equals `argv` exactly.
    func execs(argv: [String]) -> [[String: Any]] { ofType("exec").filter { ($0["argv"] as? [String]) == argv } }

    func execs(where predicate: ([String]) -> Bool) -> [[String: Any]] {
        ofType("exec").filter { predicate(($0["argv"] as? [String]) ?? []) }
    }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
}
