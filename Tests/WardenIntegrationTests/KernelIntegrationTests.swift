import Foundation
import Glibc
import Testing

/// End-to-end tests of the real binary against the real kernel. They need root and fail (never
/// skip) without it; .ci/run checks that they ran.
@Suite("Kernel integration", .serialized)
struct KernelIntegrationTests {
    @Test("warden run reports execs, argv, scripts, opens, exits and lineage of the whole tree")
    func runReportsTheWholeTree() throws {
        let h = try WardenHarness()
        try h.write("x.sh", "#!/bin/sh\necho script-ran\n", executable: true)
        let result = try h.run(["bash", "-c", "cat /etc/hostname; python3 -c \"print(1)\"; ./x.sh"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = result.events.filter { $0.string("type") != "alert" }

        let bash = try #require(events.execs(argv: ["bash", "-c", "cat /etc/hostname; python3 -c \"print(1)\"; ./x.sh"]).first)
        let cat = try #require(events.execs(argv: ["cat", "/etc/hostname"]).first)
        let python = try #require(events.execs { $0.suffix(2) == ["-c", "print(1)"] }.last)
        let script = try #require(events.ofType("exec").first { $0.string("script") == "./x.sh" })

        #expect(bash.string("exe")?.hasSuffix("/bash") == true)
        #expect(cat.string("exe") == "/usr/bin/cat")
        #expect(cat.string("parent_exec_id") == bash.string("exec_id"), "cat was forked by bash")
        #expect(URL(fileURLWithPath: python.string("exe") ?? "").lastPathComponent.hasPrefix("python3"))
        #expect(script.string("interpreter") == "/bin/sh")
        #expect(script.string("filename") == "./x.sh")
        #expect((script["argv"] as? [String]) == ["/bin/sh", "./x.sh"])

        let open = try #require(events.ofType("open").first {
            $0.string("path") == "/etc/hostname" && $0.int("pid") == cat.int("pid")
        })
        #expect((open.int("result") ?? -1) >= 0)
        #expect(open.string("exec_id") == cat.string("exec_id"))
        let catExit = try #require(events.ofType("exit").first { $0.string("exec_id") == cat.string("exec_id") })
        #expect(catExit.int("exit_code") == 0)

        // Every event is attributed to the one agent session, and nothing else got through.
        // (`script` records name their exec by exec_id: docs/events.md.)
        let attributed = events.filter { $0.string("type") != "script" }
        let session = try #require(bash.string("session_id"))
        for event in attributed {
            #expect(event.string("agent") == "bash", "unattributed: \(event)")
            #expect(event.string("session_id") == session)
        }
        let lineagePIDs = Set(events.ofType("exec").compactMap { $0.int("pid") } + events.ofType("fork").compactMap { $0.int("pid") })
        #expect(attributed.allSatisfy { lineagePIDs.contains($0.int("pid") ?? -1) })
        #expect(result.stderr.contains("0 dropped in the kernel"))
        #expect(!result.stderr.contains("kernel emitted"), "every record the kernel wrote was read: \(result.stderr)")
    }

    @Test("open and failed-exec floods lose those first: every exec, fork and exit still arrives, and the loss names the kinds")
    func floodDropsOpensFirst() throws {
        let h = try WardenHarness()
        // A 1 MiB ring and every event exported and printed: the reader falls behind at once.
        let opens = "import os\nfor i in range(200000): os.close(os.open('/etc/hostname', os.O_RDONLY))"
        // Failed execs need no fork: as cheap to flood with as opens.
        let failedExecs = "import os\nfor i in range(100000):\n  try: os.execve('/nonexistent/x' + 'y' * 2000, ['x'], {})\n  except OSError: pass"
        let result = try h.run(["bash", "-c", "python3 -c \"\(opens)\" & python3 -c \"\(failedExecs)\" & for i in $(seq 300); do /bin/true $i; done; wait"],
                               extra: ["--ring-buffer-mib", "1"], timeout: 180)
        let trues = result.events.execs { $0.first == "/bin/true" }
        #expect(trues.count == 300, "every exec arrives: \(trues.count) of 300")
        let trueImages = Set(trues.compactMap { $0.string("exec_id") })
        let exits = result.events.ofType("exit").filter { trueImages.contains($0.string("exec_id") ?? "") }
        #expect(exits.count == 300, "every exit arrives: \(exits.count)")
        let losses = result.events.ofType("loss")
        let dropped = losses.compactMap { $0["dropped_by_kind"] as? [String: Any] }
        #expect(!dropped.isEmpty, "the flood made the kernel drop records: \(result.stderr)")
        #expect(dropped.allSatisfy { Set($0.keys).isSubset(of: ["open", "exec_failed"]) }, "only the flooded kinds were dropped: \(dropped)")
        #expect(result.stderr.contains(" dropped in the kernel (open "), "\(result.stderr)")
    }

    @Test("two rings, one order: under an open flood every exec arrives, and each image's opens come after its exec and before its exit")
    func floodKeepsEachTaskInOrder() throws {
        let h = try WardenHarness()
        // The flood and the execs share the lineage; a 1 MiB ring and every event exported make
        // the reader fall behind, so opens wait in the bulk ring while execs and exits do not.
        let opens = "import os\nfor i in range(300000): os.close(os.open('/etc/hostname', os.O_RDONLY))"
        let result = try h.run(["bash", "-c", "python3 -c \"\(opens)\" & for i in $(seq 300); do cat /etc/os-release >/dev/null; done; wait"],
                               extra: ["--ring-buffer-mib", "1"], timeout: 180)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let events = result.events
        let cats = events.execs { $0 == ["cat", "/etc/os-release"] }
        #expect(cats.count == 300, "every exec arrives: \(cats.count) of 300; \(result.stderr)")
        var position: [String: (exec: Int, exit: Int?)] = [:]
        for (index, event) in events.enumerated() {
            guard let image = event.string("exec_id") else { continue }
            if event.string("type") == "exec" { position[image] = (index, nil) }
            if event.string("type") == "exit", position[image] != nil { position[image]?.exit = index }
        }
        let catImages = Set(cats.compactMap { $0.string("exec_id") })
        #expect(catImages.allSatisfy { position[$0]?.exit != nil }, "every exit arrives")
        var opensSeen = 0
        for (index, event) in events.enumerated() where event.string("type") == "open" && event.string("requested") == "/etc/os-release" {
            guard let image = event.string("exec_id"), catImages.contains(image), let place = position[image] else { continue }
            opensSeen += 1
            #expect(place.exec < index, "an open came before its image's exec: \(event)")
            #expect((place.exit ?? Int.max) > index, "an open came after its image's exit: \(event)")
        }
        #expect(opensSeen > 0, "some of the cats' opens were delivered")
        let droppedKinds = result.stderr.components(separatedBy: "dropped in the kernel (").dropFirst().first?.prefix { $0 != ")" } ?? ""
        for kind in ["exec ", "fork ", "exit "] {
            #expect(!droppedKinds.contains(kind), "no \(kind)was dropped: \(result.stderr)")
        }
        #expect(!result.stderr.contains("kernel emitted"), "every record the kernel wrote was read: \(result.stderr)")
    }

    @Test("lineage survives setsid, nohup, double fork and re-parenting to init")
    func lineageSurvivesDetaching() throws {
        let h = try WardenHarness()
        let marker = h.path("detached-done")
        let inner = "cat /etc/hostname >/dev/null; nohup sh -c 'exec cat /etc/os-release' >/dev/null 2>&1; touch \(marker)"
        let result = try h.run(["bash", "-c", "( setsid bash -c \"\(inner)\" & ) ; while [ ! -e \(marker) ]; do sleep 0.01; done"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let detached = try #require(result.events.execs { $0.first == "setsid" || $0 == ["bash", "-c", inner] }.last)
        let osRelease = try #require(result.events.ofType("open").first { $0.string("path")?.hasSuffix("os-release") == true })
        let root = try #require(result.events.ofType("exec").first)
        #expect(detached.string("session_id") == root.string("session_id"))
        #expect(osRelease.string("session_id") == root.string("session_id"))
        #expect(osRelease.string("agent") == "bash")
    }

    @Test("warden run keeps watching what its command left running, or kills it with --kill-remaining")
    func runOutlivingDescendants() throws {
        let h = try WardenHarness()
        let marker = h.path("late-marker")
        // `setsid -f` leaves a child behind that acts after the command has exited.
        let command = ["sh", "-c", "setsid -f sh -c 'sleep 0.5; touch \(marker)'; echo left"]
        let watched = try h.run(command)
        #expect(watched.status == 0)
        #expect(FileManager.default.fileExists(atPath: marker), "the left-behind child ran: \(watched.stderr)")
        #expect(watched.events.execs { $0.first == "touch" }.count == 1, "its late exec was still seen")
        #expect(watched.stderr.contains("processes outlived the command by"), "\(watched.stderr)")

        try? FileManager.default.removeItem(atPath: marker)
        let killed = try h.run(command, extra: ["--kill-remaining"])
        #expect(killed.status == 0, "the exit status stays the command's")
        usleep(800_000)
        #expect(!FileManager.default.fileExists(atPath: marker), "the left-behind child was killed: \(killed.stderr)")
        #expect(killed.stderr.contains("killed the"), "\(killed.stderr)")
    }

    @Test("warden monitor --agent-pid adopts an already running tree, and only that tree")
    func monitorAdoptsRunningTree() throws {
        let h = try WardenHarness()
        let go = h.path("go"), export = h.path("monitor.jsonl")
        // A tree that exists before Warden starts: a shell with a child already waiting.
        let tree = Process()
        tree.executableURL = URL(fileURLWithPath: "/bin/sh")
        tree.arguments = ["-c", "( while [ ! -e \(go) ]; do sleep 0.02; done; cat /etc/hostname ) & while [ ! -e \(go) ]; do sleep 0.02; done; head -c1 /etc/passwd >/dev/null; wait"]
        tree.standardOutput = FileHandle.nullDevice
        try tree.run()
        usleep(200_000)

        let (monitor, err) = try h.startMonitor(["--agent-pid", "\(tree.processIdentifier)"], export: export)
        let outsider = Process()
        outsider.executableURL = URL(fileURLWithPath: "/usr/bin/cat")
        outsider.arguments = ["/etc/hostname"]
        outsider.standardOutput = FileHandle.nullDevice
        try outsider.run()
        outsider.waitUntilExit()
        FileManager.default.createFile(atPath: go, contents: nil)
        tree.waitUntilExit()
        let summary = try h.stopMonitor(monitor, err)
        let events = try WardenHarness.readEvents(export)

        let catExec = try #require(events.execs(argv: ["cat", "/etc/hostname"]).first, "summary: \(summary)")
        #expect(events.execs(argv: ["head", "-c1", "/etc/passwd"]).count == 1)
        #expect(catExec.string("agent")?.hasPrefix("pid:\(tree.processIdentifier)") == true)
        let treeExit = try #require(events.ofType("exit").first { $0.int("pid") == Int(tree.processIdentifier) })
        #expect(treeExit.string("session_id") == catExec.string("session_id"))
        #expect(!events.contains { $0.int("pid") == Int(outsider.processIdentifier) }, "a process outside the lineage leaked into the stream")
    }

    @Test("agents are recognised in the kernel at exec: by file identity (any name) and by script path")
    func agentRecognitionAtExec() throws {
        let h = try WardenHarness()
        let agent = h.path("fake-agent"), renamed = h.path(".cache-helper"), export = h.path("agents.jsonl")
        try FileManager.default.copyItem(atPath: "/usr/bin/dash", toPath: agent)
        try FileManager.default.linkItem(atPath: agent, toPath: renamed)
        try h.write("launcher.sh", "#!/bin/sh\ncat /etc/hostname >/dev/null\n", executable: true)
        try h.write("agents.yaml", "agents:\n  - name: script-agent\n    commands: [\(h.path("launcher.sh"))]\n")

        let (monitor, err) = try h.startMonitor(["--agents", h.path("agents.yaml"), "--agent-exe", agent], export: export)
        for command in [[agent, "-c", "cat /etc/hostname"], [renamed, "-c", "head -c1 /etc/hostname"], [h.path("launcher.sh")], ["/bin/sh", "-c", "tail -c1 /etc/hostname"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        _ = try h.stopMonitor(monitor, err)
        let events = try WardenHarness.readEvents(export)

        let direct = try #require(events.execs(argv: [agent, "-c", "cat /etc/hostname"]).first)
        #expect(direct["agent_root"] as? Bool == true)
        #expect(direct.string("agent") == "exe:fake-agent")
        let viaLink = try #require(events.execs(argv: [renamed, "-c", "head -c1 /etc/hostname"]).first, "a renamed hard link is the same file")
        #expect(viaLink.string("agent") == "exe:fake-agent")
        #expect(events.execs(argv: ["head", "-c1", "/etc/hostname"]).first?.string("session_id") == viaLink.string("session_id"))
        let script = try #require(events.ofType("exec").first { $0.string("script") == h.path("launcher.sh") })
        #expect(script.string("agent") == "script-agent" && script["agent_root"] as? Bool == true)
        #expect(events.execs(argv: ["cat", "/etc/hostname"]).count == 2, "one cat per recognised agent")
        #expect(events.execs(argv: ["tail", "-c1", "/etc/hostname"]).isEmpty, "plain /bin/sh is not an agent")
    }

    @Test("--agent-exe takes a shebang launcher (a venv console script): its exec is the agent root and its tool commands belong to it")
    func agentExeShebangLauncher() throws {
        let h = try WardenHarness()
        let export = h.path("launcher.jsonl")
        // The shape of mini-swe-agent's `mini`: a python console script running each action with
        // /bin/sh -c in a new session.
        try h.write("mini", """
        #!/usr/bin/python3
        import subprocess
        subprocess.run("cat /etc/hostname && head -c1 /etc/hostname", shell=True, start_new_session=True, stdout=subprocess.DEVNULL)

        """, executable: true)
        let (monitor, err) = try h.startMonitor(["--agent-exe", h.path("mini")], export: export)
        for command in [[h.path("mini")], ["/bin/sh", "-c", "tail -c1 /etc/hostname"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        _ = try h.stopMonitor(monitor, err)
        let events = try WardenHarness.readEvents(export)

        let root = try #require(events.ofType("exec").first { $0.string("script") == h.path("mini") }, "the launcher's exec is seen")
        #expect(root.string("agent") == "exe:mini" && root["agent_root"] as? Bool == true)
        let shell = try #require(events.execs(argv: ["/bin/sh", "-c", "cat /etc/hostname && head -c1 /etc/hostname"]).first)
        #expect(shell.string("agent") == "exe:mini" && shell.string("session_id") == root.string("session_id"))
        let cat = try #require(events.execs(argv: ["cat", "/etc/hostname"]).first)
        #expect(cat.string("agent") == "exe:mini" && cat.string("session_id") == root.string("session_id"))
        #expect(events.execs(argv: ["tail", "-c1", "/etc/hostname"]).isEmpty, "plain /bin/sh is not an agent")
    }

    @Test("failed execs, relative failed opens and deaths by signal are reported")
    func failuresAndSignals() throws {
        let h = try WardenHarness()
        let result = try h.run(["bash", "-c", "/nonexistent/tool; cat no-such-file; sh -c 'kill -9 $$'; exit 0"])
        #expect(result.status == 0)
        let failed = try #require(result.events.ofType("exec_failed").first { $0.string("path") == "/nonexistent/tool" })
        #expect(failed.string("error") == "ENOENT")
        let missing = try #require(result.events.ofType("open").first { $0.string("requested") == "no-such-file" })
        #expect(missing.string("path") == h.directory.resolvingSymlinksInPath().path + "/no-such-file")
        #expect(missing.string("error") == "ENOENT")
        let killed = try #require(result.events.ofType("exit").first { $0.int("signal") == 9 })
        #expect(killed.string("agent") == "bash")
    }

    @Test("hostile argv cannot break the JSON or reach the terminal, and its bytes survive")
    func hostileArguments() throws {
        let h = try WardenHarness()
        let escape = "\u{1B}[2J\u{1B}]0;owned\u{07}"
        let invalid: [UInt8] = [0xFF, 0xFE, 0x41]
        let invalidArgument = String(decoding: invalid, as: UTF8.self)
        try h.write("args.sh", "#!/bin/sh\nexec /bin/true \"$(printf '\\033[2J\\033]0;owned\\007')\" \"$(printf '\\377\\376A')\" \"\\u202e\"\n", executable: true)
        let result = try h.run(["./args.sh"], extra: ["--format", "text"])
        #expect(result.status == 0)
        let exec = try #require(result.events.ofType("exec").first { $0.string("exe") == "/usr/bin/true" })
        let argv = try #require(exec["argv"] as? [String])
        #expect(argv[1] == escape)
        #expect(argv[2] == invalidArgument) // U+FFFD in the text view...
        let raw = try #require(exec["argv_b64"] as? [String])
        #expect(Data(base64Encoded: raw[2]).map(Array.init) == invalid) // ...exact bytes in _b64
        // The human stream shows the escape visibly and never emits ESC or BEL itself.
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("\\x1b[2J"))
        #expect(text.contains("\\xff\\xfeA"))
        #expect(!result.stdout.contains(0x1B) && !result.stdout.contains(0x07))
    }

    @Test("without root, kernel commands fail with one line saying what is missing")
    func unprivilegedFailsClearly() throws {
        _ = try WardenHarness()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", WardenHarness.binary.path, "monitor"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(message.contains("needs root"))
        #expect(message.split(separator: "\n").count == 1, "expected one line, got: \(message)")
    }

    @Test("warden doctor loads every sensor")
    func doctor() throws {
        _ = try WardenHarness()
        let process = Process()
        process.executableURL = WardenHarness.binary
        process.arguments = ["doctor"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        for program in ["on_exec", "on_fork", "on_exit", "on_sys_exit"] {
            #expect(text.contains(program))
        }
        #expect(text.contains("ok   kernel-kill"), "the SIGKILL-at-exec probe works on this kernel (measured in DESIGN.md)")
        #expect(text.contains("ok   hold-kill"), "the SIGSTOP hold and pidfd continue work on this kernel")
    }
}
