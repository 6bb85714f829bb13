import Foundation
import Glibc
import Testing

/// A hold is a SIGSTOP, and a parent with job control answers it: tmux continues every pane and
/// run-shell job that stops. The kernel stops a held process again when it is continued and kills
/// the sender of a second continue (the `payload & while kill -CONT $!` loop); tmux's answers
/// must not count as that loop (its server was killed under --enforce), while a loop that never
/// collects the stops it breaks, run inside the same tmux, must still be killed. Real tmux, the
/// real kernel, the default pack, under --enforce.
@Suite("Job control of held processes (tmux) on the real kernel", .serialized)
struct JobControlIntegrationTests {
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]
    private static let key = "KEY-\(getpid())-CONTENT"

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    private func continues(_ result: WardenHarness.Result) -> [[String: Any]] {
        result.events.ofType("syscall").filter { ($0["target"] as? [String] ?? []).contains("held") }
    }

    @Test("enforce: the agent's own tmux (panes, windows, run-shell, send-keys) works; tmux's continues are job control, never a loop; nothing killed")
    func ownTmuxUnderEnforce() throws {
        let h = try WardenHarness()
        // Each new pane and window is an exec in a child of the tmux server, and each run-shell
        // a job: all held, all answered by tmux. Several, so that tmux's answer races Warden's
        // decision more than once.
        try h.write("agent.sh", """
            set -e
            sh -c 'tmux -S own.sock new-session -d -s mine sh'
            for w in 1 2 3 4 5; do
              sh -c "tmux -S own.sock new-window -t mine 'touch OWN-WINDOW-$w; exec sleep 30'"
              sh -c "tmux -S own.sock run-shell 'touch OWN-SHELL-$w'"
            done
            sh -c 'tmux -S own.sock send-keys -t mine:0 "touch OWN-KEYS" Enter'
            i=0
            while [ $i -lt 100 ] && ! { [ -e OWN-KEYS ] && [ -e OWN-WINDOW-5 ] && [ -e OWN-SHELL-5 ]; }; do sleep 0.1; i=$((i+1)); done
            sh -c 'tmux -S own.sock list-windows -t mine' > windows
            sh -c 'tmux -S own.sock kill-server'
            echo agent-done
            """)
        let result = try h.run(["sh", "agent.sh"], extra: ["--enforce", "--name", "claude-code"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        let made = ["OWN-KEYS"] + (1...5).flatMap { ["OWN-WINDOW-\($0)", "OWN-SHELL-\($0)"] }
        #expect(made.allSatisfy { FileManager.default.fileExists(atPath: h.path($0)) },
                "\(made.filter { !FileManager.default.fileExists(atPath: h.path($0)) }) missing")
        let windows = (try? String(contentsOfFile: h.path("windows"), encoding: .utf8)) ?? ""
        #expect(windows.split(separator: "\n").count == 6, "the server lived to list its windows: \(windows)")
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        // The evidence that tmux did answer holds, and that the kernel saw it as job control.
        let answered = continues(result)
        #expect(!answered.isEmpty && answered.allSatisfy {
            let target = $0["target"] as? [String] ?? []
            return target.contains("job_control") && !target.contains("sender_killed")
        }, "\(answered)")
    }

    @Test("enforce: a continue loop run inside the agent's own tmux is still killed at its second continue; the key is not read")
    func loopInsideTmuxIsKilled() throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.ssh"), withIntermediateDirectories: true)
        try h.write("home/.ssh/id_ed25519", Self.key + "\n")
        // The loop's shell is the reader's parent but never collects its stops (no job control
        // in a non-interactive shell): each continue only breaks a hold.
        try h.write("loop.sh", """
            echo $$ > loop.pid
            (exec cat "$HOME/.ssh/id_ed25519") > stolen &
            reader=$!
            while kill -CONT $reader 2>/dev/null; do :; done
            touch LOOP-ENDED

            """)
        try h.write("agent.sh", """
            sh -c 'tmux -S own.sock new-session -d -s mine sh'
            sh -c 'tmux -S own.sock send-keys -t mine "sh loop.sh" Enter'
            i=0; while [ ! -s loop.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
            i=0; while kill -0 "$(cat loop.pid)" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
            sh -c 'tmux -S own.sock kill-server' 2>/dev/null || true
            echo agent-done
            """)
        let result = try h.run(["env", "HOME=\(h.path("home"))", "sh", "agent.sh"], extra: ["--enforce", "--name", "claude-code"],
                               timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        let stolen = (try? String(contentsOfFile: h.path("stolen"), encoding: .utf8)) ?? ""
        #expect(!stolen.contains(Self.key), "the key was read before the hold was decided")
        #expect(!FileManager.default.fileExists(atPath: h.path("LOOP-ENDED")), "the loop's shell was killed")
        #expect(!alerts(result, rule: "held-process-continued-repeatedly").isEmpty,
                "\(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0["warden"] ?? "") })")
        // tmux answered the hold of its pane's exec as job control; only the loop was killed.
        let held = continues(result).map { $0["target"] as? [String] ?? [] }
        #expect(held.contains { $0.contains("sender_killed") && !$0.contains("job_control") }, "\(held)")
        #expect(!held.contains { $0.contains("sender_killed") && $0.contains("job_control") }, "\(held)")
    }
}
