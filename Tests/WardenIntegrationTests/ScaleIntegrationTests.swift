import Foundation
import Glibc
import Testing

/// Issue #14: many agents on one host. An attack inside one of 100 busy agent sessions is judged as
/// it would be alone, while the others' bulk (every event exported, so the reader falls behind)
/// costs no exec, fork or exit.
@Suite("Many agents at once", .serialized)
struct ScaleIntegrationTests {
    static let sessions = 100

    @Test("an attack inside one of 100 busy agent sessions is caught (audit) and killed (enforce); no exec is lost",
          arguments: [[], ["--enforce"]])
    func attackAmongBusySessions(_ mode: [String]) throws {
        let h = try WardenHarness()
        try h.shell("cp /bin/dash agent-shell && mkdir -p src && for i in $(seq 20); do printf 'def f%d(x):\\n    return x\\n' $i > src/m$i.py; done && echo a > notes.txt")
        // A busy session: the tool calls of an ordinary task, each in its own `bash -c`.
        try h.write("busy.sh", """
            mkdir -p ws-$1 && cp -r src ws-$1/ && cd ws-$1
            for i in 1 2; do
              bash -c "grep -rn def src >/dev/null; find . -name '*.py' >/dev/null"
              bash -c "python3 -c 'import json, os; json.dumps(os.listdir(\\"src\\"))' >/dev/null"
              bash -c "sed -i s/x/x/ src/m1.py; cat src/m2.py >/dev/null"
            done
            echo done >> ../busy-done
            """)
        let payload = Data("open('\(h.path("MARKERS"))', 'a').write('pwned\\n')".utf8).base64EncodedString()
        try h.write("attack.sh", """
            bash -c "grep -rn def src >/dev/null"
            bash -c "/usr/bin/python3 -c \\"import base64;exec(base64.b64decode('\(payload)'))\\""
            echo $? > attack-status
            """)
        let (warden, err) = try h.startMonitor(mode + ["--agent-exe", h.path("agent-shell")], export: h.path("events.jsonl"))
        // Every session is its own agent (its own exec of agent-shell), all started together; the
        // attacker starts in the middle of them.
        let half = Self.sessions / 2
        // bash, not sh: dash's `wait` for a hundred children was seen to miss a SIGCHLD and hang.
        try h.write("launch.sh", """
            pids=()
            for i in $(seq \(half)); do ./agent-shell busy.sh $i & pids+=($!); done
            ./agent-shell attack.sh & pids+=($!)
            for i in $(seq \(half + 1) \(Self.sessions)); do ./agent-shell busy.sh $i & pids+=($!); done
            wait "${pids[@]}"
            """)
        try h.shell("bash launch.sh")
        let stderr = try h.stopMonitor(warden, err)
        let events = try WardenHarness.readEvents(h.path("events.jsonl"))
        let finished = ((try? String(contentsOfFile: h.path("busy-done"), encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(finished == Self.sessions, "every busy session finished: \(finished)")

        let alerts = events.ofType("alert").filter { $0.string("rule") == "inline-code-decodes-and-executes" }
        #expect(!alerts.isEmpty, "the attack is alerted: \(stderr)")
        #expect(alerts.allSatisfy { "\($0)".contains("b64decode") }, "only the attack is alerted")
        let markers = (try? String(contentsOfFile: h.path("MARKERS"), encoding: .utf8)) ?? ""
        let status = (try? String(contentsOfFile: h.path("attack-status"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if mode.contains("--enforce") {
            #expect(markers.isEmpty, "the payload never ran")
            #expect(status != "0", "the attacking tool call failed: \(status ?? "none")")
            let warden = alerts.first?["warden"] as? [String: Any]
            #expect(warden?["mechanism"] as? String == "hold-kill", "\(String(describing: warden))")
        } else {
            #expect(markers.contains("pwned"), "audit lets it run")
        }
        // Each session's root exec and every tool exec arrived: bulk loss never takes them.
        let roots = events.execs { $0.first == h.path("agent-shell") || $0.first == "./agent-shell" }
        #expect(roots.count == Self.sessions + 1, "\(roots.count) agent roots")
        let droppedKinds = stderr.components(separatedBy: "dropped in the kernel (").dropFirst().first?.prefix { $0 != ")" } ?? ""
        for kind in ["exec ", "fork ", "exit "] {
            #expect(!droppedKinds.contains(kind), "no \(kind)was dropped: \(stderr)")
        }
    }
}
