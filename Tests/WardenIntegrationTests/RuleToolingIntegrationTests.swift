import Foundation
import Glibc
import Testing

@Suite("Rule reload and replay on the real kernel", .serialized)
struct RuleToolingIntegrationTests {
    private func rule(_ id: String, matching name: String) -> String {
        "- rule: \(id)\n  condition: evt.type = exec and proc.name = \(name)\n  output: \"%proc.cmdline\"\n  priority: Warning\n"
    }

    private func runInLineage(_ pid: Int32, _ command: String, until marker: String) {
        // The adopted tree polls for work files; writing one makes it run the command.
        FileManager.default.createFile(atPath: marker, contents: Data(command.utf8))
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: marker), Date() < deadline { usleep(20_000) }
    }

    /// Seconds until the export holds `count` alerts of `rule`, or nil after `timeout`: events are
    /// judged and exported while the monitor runs, not only when it stops.
    private func secondsUntil(_ count: Int, alertsOf rule: String, in export: String, timeout: TimeInterval = 5) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            let alerts = (try? WardenHarness.readEvents(export).ofType("alert")) ?? []
            if alerts.filter({ $0.string("rule") == rule }).count >= count { return Date().timeIntervalSince(start) }
            usleep(10_000)
        }
        return nil
    }

    @Test("SIGHUP swaps rules without detaching; a bad file keeps the old rules and says why")
    func reload() throws {
        let h = try WardenHarness()
        let rules = h.path("rules.yaml"), export = h.path("reload.jsonl"), work = h.path("work")
        try rule("saw-id", matching: "id").write(toFile: rules, atomically: true, encoding: .utf8)
        // An agent-like loop: runs each command written to `work`, then deletes it.
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/bin/sh")
        agent.arguments = ["-c", "while true; do if [ -e \(work) ]; then sh \(work) >/dev/null 2>&1; rm -f \(work); fi; sleep 0.02; done"]
        try agent.run()
        defer { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() }

        let (monitor, err) = try h.startMonitor(["--rules", rules, "--agent-pid", "\(agent.processIdentifier)"], export: export)
        runInLineage(agent.processIdentifier, "id", until: work)
        let delay = secondsUntil(1, alertsOf: "saw-id", in: export)
        #expect(delay != nil && delay! < 1, "the alert is exported while the monitor runs (after \(String(describing: delay)) s)")
        try (rule("saw-id", matching: "id") + rule("saw-uname", matching: "uname")).write(toFile: rules, atomically: true, encoding: .utf8)
        kill(monitor.processIdentifier, SIGHUP)
        // Said once the polling thread has swapped the rules in, not when the file was read.
        var stderr = WardenHarness.readStderr(err, until: "reloaded 2 rules")
        runInLineage(agent.processIdentifier, "uname", until: work)
        try "- rule: broken\n  condition: proc.name =\n".write(toFile: rules, atomically: true, encoding: .utf8)
        kill(monitor.processIdentifier, SIGHUP)
        stderr += WardenHarness.readStderr(err, until: "reload failed")
        runInLineage(agent.processIdentifier, "uname; id", until: work)
        stderr += try h.stopMonitor(monitor, err)

        let alerts = try WardenHarness.readEvents(export).ofType("alert").compactMap { $0.string("rule") }
        #expect(alerts.filter { $0 == "saw-id" }.count == 2, "\(alerts)")
        #expect(alerts.filter { $0 == "saw-uname" }.count == 2, "the new rule fired after reload and survived the bad file: \(alerts)")
        #expect(stderr.contains("reload failed, keeping the previous rules: \(rules):1:3: missing `priority:`"), "\(stderr)")
        #expect(stderr.contains("0 dropped in the kernel"))
    }

    @Test("replay of an exported file gives the live alerts, identically every time, late-judged pipe readers included")
    func replay() throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("www"), withIntermediateDirectories: true)
        try h.write("www/i.sh", "true\n")
        let server = try LoopbackServer(httpRoot: h.path("www"))
        let payload = Data("true\n".utf8).base64EncodedString()
        // `sh` execs first and is judged again when curl, forked later, execs into its pipe.
        let late = "(sleep 0.3; exec curl -fsS http://127.0.0.1:\(server.port)/i.sh) | sh"
        let live = try h.run(["bash", "-c", "echo \(payload) | base64 -d | sh; python3 -c 'print(1)'; \(late)"],
                             extra: ["--name", "claude-code"])
        let exported = try FileManager.default.contentsOfDirectory(atPath: h.directory.path).first { $0.hasPrefix("events-") }
        let file = h.path(try #require(exported))
        func replayed() throws -> [String] {
            let process = Process()
            process.executableURL = WardenHarness.binary
            process.arguments = ["replay", file, "--format", "json"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return data.split(separator: UInt8(ascii: "\n")).compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]).flatMap(Self.identify)
            }
        }
        let first = try replayed(), second = try replayed()
        #expect(first == second)
        #expect(first.sorted() == live.events.ofType("alert").compactMap(Self.identify).sorted())
        // The scripts the live run read are in the export, and the replay judged the same code.
        #expect(!live.events.ofType("script").isEmpty)
        #expect(first.contains { $0.hasPrefix("script-inspected ") })
        #expect(first.contains { $0.hasPrefix("decoded-data-piped-to-interpreter ") })
        // The late judgement: the alert names the sh that exec'd before its writer did.
        let shExec = try #require(live.events.execs(argv: ["sh"]).last?.string("exec_id"))
        let curlTime = try #require(live.events.execs { $0.first == "curl" }.first?.string("time"))
        let shTime = try #require(live.events.execs(argv: ["sh"]).last?.string("time"))
        #expect(shTime < curlTime, "the reader exec'd first")
        #expect(first.contains("download-piped-to-interpreter \(shExec)"), "\(first)")
    }

    /// An alert as "rule exec_id": the same rule on the same process image.
    private static func identify(_ alert: [String: Any]) -> String? {
        guard let rule = alert["rule"] as? String, let warden = alert["warden"] as? [String: Any],
              let exec = warden["exec_id"] as? String else { return nil }
        return "\(rule) \(exec)"
    }
}
