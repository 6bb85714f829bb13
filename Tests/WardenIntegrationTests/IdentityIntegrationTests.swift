import Foundation
import Glibc
import Testing

/// Issue #10, class 4: a guarded file read through another name (a hard link made in the session
/// or before Warden started, a symlink, /proc/self/root, a bind mount, /proc/PID/cwd, a key made
/// later in ~/.ssh and linked out), against the real kernel with the default rule pack. HOME is a fake home in the test
/// directory, so the key is a test file; each shape is one tool call of an agent.
@Suite("Guarded files by identity on the real kernel", .serialized)
struct IdentityIntegrationTests {
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        /// The rule that must alert at Critical, and what its output must name (relative to the
        /// test directory; `KEY` is the canonical key path).
        var rule: String
        var outputNames: [String]
        /// The tool call (run in the test directory with HOME set); it prints what it read.
        /// `SECRET` stands for the key's content.
        var tool: String

        var testDescription: String { name }
    }

    static let shapes = [
        Shape(name: "hard link made before Warden started", rule: "credential-read-through-another-name",
              outputNames: ["early.txt", "KEY"], tool: "cat early.txt\n"),
        Shape(name: "hard link made in the session", rule: "credential-given-new-name",
              outputNames: ["notes.txt", "KEY"], tool: "ln \"$HOME/.ssh/id_ed25519\" notes.txt\ncat notes.txt\n"),
        Shape(name: "symlink made in the session", rule: "credential-given-new-name",
              outputNames: ["k.lnk", "KEY"], tool: "ln -s \"$HOME/.ssh/id_ed25519\" k.lnk\ncat k.lnk\n"),
        Shape(name: "/proc/self/root path", rule: "credential-file-read",
              outputNames: ["KEY"], tool: "cat \"/proc/self/root$HOME/.ssh/id_ed25519\"\n"),
        Shape(name: "bind mount of ~/.ssh in a private mount namespace", rule: "credential-read-through-another-name",
              outputNames: ["mnt/id_ed25519", "KEY"],
              tool: "mkdir -p mnt\nunshare -m --propagation private sh -c 'mount --bind \"$HOME/.ssh\" mnt && cat mnt/id_ed25519'\n"),
        Shape(name: "/proc/PID/cwd of a process sitting in ~/.ssh", rule: "credential-file-read", outputNames: ["KEY"],
              tool: "(cd \"$HOME/.ssh\" && exec sleep 5) & p=$!\nsleep 0.3\ncat /proc/$p/cwd/id_ed25519\ns=$?\nkill $p\nexit $s\n"),
        Shape(name: "the key moved out of ~/.ssh, then read", rule: "credential-read-through-another-name",
              outputNames: ["moved.txt", "KEY"], tool: "mv \"$HOME/.ssh/id_ed25519\" moved.txt\ncat moved.txt\n"),
        Shape(name: "a key made later in ~/.ssh, then linked out", rule: "credential-read-through-another-name",
              outputNames: ["late.txt", "home/.ssh/id_late"],
              tool: "echo SECRET > \"$HOME/.ssh/id_late\"\nln \"$HOME/.ssh/id_late\" late.txt\ncat late.txt\n"),
    ]

    /// A fake home with a key, a hard link to it made now (before Warden starts), and a tool call.
    private func session(_ tool: String, mode: [String], wait: Bool) throws -> (h: WardenHarness, result: WardenHarness.Result, secret: String, status: Int?) {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.ssh"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: h.path("repo"), withIntermediateDirectories: true)
        let secret = "PRIVATE-KEY-\(UUID().uuidString)"
        try h.write("home/.ssh/id_ed25519", secret + "\n")
        try h.write("home/.bashrc", "export PS1=x\n")
        #expect(link(h.path("home/.ssh/id_ed25519"), h.path("early.txt")) == 0)
        // Audit mode does not hold the exec that brings the new HOME: a moment lets Warden guard
        // it before the tool call reads, so the kernel, not the late look-up, marks the open.
        try h.write("tool.sh", (wait ? "sleep 0.5\n" : "") + tool.replacingOccurrences(of: "SECRET", with: secret))
        try h.write("agent.sh", "sh tool.sh > tool-output 2>&1\necho $? > status\necho agent-done\n")
        let result = try h.run(["env", "HOME=\(h.path("home"))", "sh", "agent.sh"], extra: mode + ["--name", "claude-code"], timeout: 120)
        let status = (try? String(contentsOfFile: h.path("status"), encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return (h, result, secret, status)
    }

    private func output(_ h: WardenHarness) -> String {
        (try? String(contentsOfFile: h.path("tool-output"), encoding: .utf8)) ?? ""
    }

    @Test("audit: reading the key through another name alerts at Critical, naming both paths", arguments: shapes)
    func audit(_ shape: Shape) throws {
        let (h, result, secret, status) = try session(shape.tool, mode: [], wait: true)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(status == 0)
        #expect(output(h).contains(secret), "audit mode lets the read happen")
        let alerts = result.events.ofType("alert").filter { $0.string("rule") == shape.rule }
        let alert = try #require(alerts.first, "\(shape.rule): \(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        #expect(alert.string("priority") == "Critical")
        let text = alert.string("output") ?? ""
        for name in shape.outputNames {
            let path = name == "KEY" ? h.path("home/.ssh/id_ed25519") : h.path(name)
            #expect(text.contains(path), "\(text) names \(path)")
        }
        #expect((alert["warden"] as? [String: Any])?["outcome"] as? String == "would kill (audit mode)")
        // The kernel decided from the inode: the read of the other name carries the canonical path.
        let reads = result.events.ofType("open").filter { ($0["guarded"] as? [String: Any]) != nil && $0.string("path")?.hasPrefix(h.directory.path) == true }
        #expect(!reads.isEmpty, "an open marked guarded")
    }

    @Test("enforce: the read never returns the key; the agent survives", arguments: shapes)
    func enforce(_ shape: Shape) throws {
        let (h, result, secret, status) = try session(shape.tool, mode: ["--enforce"], wait: false)
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(!output(h).contains(secret), "the tool call read the key: \(output(h))")
        #expect(!String(decoding: result.stdout, as: UTF8.self).contains(secret))
        #expect(status != 0, "the tool call was killed")
        let kills = result.events.ofType("alert").filter {
            Self.warning.contains($0.string("priority") ?? "") && ($0["warden"] as? [String: Any])?["mechanism"] as? String == "hold-kill"
        }
        #expect(!kills.isEmpty, "a hold-kill: \(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        // The open of a guarded identity was held by the kernel whatever its name.
        let held = result.events.ofType("open").filter { $0["held"] as? Bool == true && ($0["guarded"] as? [String: Any]) != nil }
        let renames = result.events.ofType("rename").filter { $0["held"] as? Bool == true }
        #expect(!held.isEmpty || !renames.isEmpty)
    }

    @Test("a startup or agent settings file written through a hard link made before start: Critical in audit, not one byte written in enforce",
          arguments: ["home/.bashrc", "home/.claude/settings.json"], [[String](), ["--enforce"]])
    func writeThroughLink(_ target: String, _ mode: [String]) throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.claude"), withIntermediateDirectories: true)
        let original = "# the user's own file\n"
        try h.write(target, original)
        #expect(link(h.path(target), h.path("rc.txt")) == 0)
        // The line itself is harmless text: the tool script is read and judged at the hold too.
        try h.write("tool.sh", (mode.isEmpty ? "sleep 0.5\n" : "") + "echo 'export PATH=/tmp/evil:$PATH' >> rc.txt\n")
        try h.write("agent.sh", "sh tool.sh > tool-output 2>&1\necho $? > status\necho agent-done\n")
        let result = try h.run(["env", "HOME=\(h.path("home"))", "sh", "agent.sh"], extra: mode + ["--name", "claude-code"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let alert = try #require(result.events.ofType("alert").first { $0.string("rule") == "guarded-file-written-through-another-name" },
                                 "\(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        #expect(alert.string("priority") == "Critical")
        #expect(alert.string("output")?.contains(h.path("rc.txt")) == true && alert.string("output")?.contains(h.path(target)) == true)
        let content = try String(contentsOfFile: h.path(target), encoding: .utf8)
        if mode.isEmpty {
            #expect(content.contains("/tmp/evil"), "audit mode lets the write happen")
        } else {
            #expect(content == original, "the write never happened: \(content)")
            #expect((alert["warden"] as? [String: Any])?["mechanism"] as? String == "hold-kill")
        }
    }

    @Test("benign work stays below Warning and runs under --enforce: reading workspace files, git, creating files",
          arguments: [[], ["--enforce"]])
    func benign(_ mode: [String]) throws {
        let tool = """
            set -e
            printf 'a\\nb\\n' > notes.md && cat notes.md > /dev/null && cp notes.md copy.md && ln copy.md hard.md && cat hard.md
            ln -s notes.md soft.md && cat soft.md && mkdir -p build && echo x > build/out && mv build/out build/out.o
            cd repo && git init -q . && echo $$ > f && git add f && git -c user.email=a@b -c user.name=a commit -q -m x
            git log --oneline > /dev/null && git status --short > /dev/null
            echo done

            """
        let (h, result, _, status) = try session(tool, mode: mode, wait: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(status == 0, "\(output(h))")
        #expect(output(h).contains("done"))
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        }
    }
}
