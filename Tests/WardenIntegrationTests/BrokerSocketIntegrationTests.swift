import Foundation
import Glibc
import Testing

/// Issue #11, class 6 (threat E9): a command handed to a server that runs outside the agent's
/// lineage, over its Unix socket, against the real kernel with the default pack. The servers (a
/// tmux server, a screen session) are started by the test, before and outside Warden's run: they
/// stand for the user's own terminal multiplexer. Each tool call asks the server to create a
/// marker file; in audit mode the server does, in enforce mode the client is held at its connect
/// and killed before it sends the command, so the marker never appears.
@Suite("Command brokers outside the session on the real kernel", .serialized)
struct BrokerSocketIntegrationTests {
    static let runs = 2
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        /// The tool call; `$TMUX_SOCK` is the outside tmux server's socket, `$SCREEN_NAME` the
        /// outside screen session, `$PWNED` the marker the server is asked to create.
        var tool: String
        var server: String
        /// Rules whose kill stops the shape under --enforce (screen's client reads /etc/shadow
        /// before it connects, and is stopped there).
        var killedBy = ["command-broker-outside-session"]
        /// The interface the connect goes through ("" native, "ia32": int 0x80).
        var abi = ""

        var testDescription: String { name }
    }

    static let shapes = [
        Shape(name: "tmux send-keys to a pane of a tmux server started outside",
              tool: "tmux -S \"$TMUX_SOCK\" send-keys -t outside \"touch $PWNED\" Enter\n", server: "tmux"),
        Shape(name: "tmux run-shell on a tmux server started outside",
              tool: "tmux -S \"$TMUX_SOCK\" run-shell \"touch $PWNED\"\n", server: "tmux"),
        Shape(name: "screen -X stuff into a screen session started outside",
              tool: "screen -S \"$SCREEN_NAME\" -X stuff \"touch $PWNED\\n\"\n", server: "screen",
              killedBy: ["command-broker-outside-session", "credential-file-read"]),
        // The client is not tmux and the name it connects through is a symlink with an innocent
        // name: the server is still known by its own executable. The marker, written by the
        // client after its connect, stands for the command it would send.
        Shape(name: "python3 speaking to the tmux server's socket through an innocent symlink",
              tool: """
                ln -sf "$TMUX_SOCK" cache.sock
                python3 -c 'import socket,sys; s = socket.socket(socket.AF_UNIX); s.connect("cache.sock"); open(sys.argv[1], "w").close()' "$PWNED"

                """, server: "tmux"),
        // The connect made through int 0x80's socketcall: no native connect is ever called.
        Shape(name: "socketcall(SYS_CONNECT) through int 0x80 to the tmux server started outside",
              tool: "./i80connect \"$TMUX_SOCK\" \"$PWNED\"\n", server: "tmux",
              killedBy: ["command-broker-outside-session", "compat-syscall-by-tool-process"], abi: "ia32"),
    ]

    /// A 64-bit program that creates an AF_UNIX socket natively and connects it through the i386
    /// socketcall (102, SYS_CONNECT = 3), whose arguments are 32-bit words: they, and the address,
    /// live in a MAP_32BIT mapping. The marker, written after the connect, stands for the command.
    private static let socketcallConnect = #"""
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

static long i80(long nr, long a, long b) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
	return ret;
}

int main(int argc, char **argv) {
	char *low = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	struct sockaddr_un *addr = (struct sockaddr_un *)low;
	unsigned *args = (unsigned *)(low + 512);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	FILE *marker;

	if (low == MAP_FAILED || argc < 3 || fd < 0) return 2;
	addr->sun_family = AF_UNIX;
	strncpy(addr->sun_path, argv[1], sizeof addr->sun_path - 1);
	args[0] = fd;
	args[1] = (unsigned)(unsigned long)addr;
	args[2] = sizeof *addr;
	if (i80(102, 3, (long)args) != 0) return 3;
	marker = fopen(argv[2], "w");
	return marker && fclose(marker) == 0 ? 0 : 4;
}
"""#

    /// Runs `script` in the test directory outside Warden, for servers that stay running. Through
    /// Python's subprocess, which closes every descriptor above 2 in the child: Foundation's
    /// Process waits until every holder of the socket it gives its child is gone, and a tmux
    /// server keeps what it inherited.
    private func startOutside(_ h: WardenHarness, _ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import subprocess, sys; sys.exit(subprocess.call(['sh', '-c', sys.argv[1]]))", script]
        process.currentDirectoryURL = h.directory
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "starting outside servers failed: \(script)")
    }

    private func campaign(_ tool: String, mode: [String]) throws -> (h: WardenHarness, result: WardenHarness.Result, statuses: [Int]) {
        let h = try WardenHarness()
        let screenName = "warden-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // The user's own servers, started here before Warden: outside the agent's lineage. The
        // tmux pane and the screen window run sh, which executes what is typed into them.
        try startOutside(h, "tmux -S outside.sock new-session -d -s outside sh && screen -dmS \(screenName) sh")
        defer { try? startOutside(h, "tmux -S outside.sock kill-server; screen -S \(screenName) -X quit || true") }
        try h.write("i80connect.c", Self.socketcallConnect)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-O1", "-o", h.path("i80connect"), h.path("i80connect.c")]
        try cc.run()
        cc.waitUntilExit()
        try #require(cc.terminationStatus == 0, "compiling the socketcall client")
        try h.write("tool.sh", tool)
        try h.write("agent.sh", """
            TMUX_SOCK=\(h.path("outside.sock")) SCREEN_NAME=\(screenName); export TMUX_SOCK SCREEN_NAME
            i=0
            while [ $i -lt \(Self.runs) ]; do
              i=$((i+1))
              PWNED=\(h.path("PWNED"))-$i; export PWNED
              sh -c "$(cat tool.sh)" >> tool-output 2>&1
              echo $? >> statuses
            done
            sleep 1
            echo agent-done
            """)
        let result = try h.run(["sh", "agent.sh"], extra: mode + ["--name", "claude-code"], timeout: 120)
        // What the server ran, it ran on its own time: give it a moment.
        Thread.sleep(forTimeInterval: 0.5)
        let statuses = ((try? String(contentsOfFile: h.path("statuses"), encoding: .utf8)) ?? "")
            .split(separator: "\n").compactMap { Int($0) }
        return (h, result, statuses)
    }

    private func pwned(_ h: WardenHarness) -> Int {
        (1...Self.runs).filter { FileManager.default.fileExists(atPath: h.path("PWNED-\($0)")) }.count
    }

    private func output(_ h: WardenHarness) -> String {
        (try? String(contentsOfFile: h.path("tool-output"), encoding: .utf8)) ?? ""
    }

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    /// The events carry the connect, with the server named by its executable.
    private func connects(_ result: WardenHarness.Result, server: String) -> [[String: Any]] {
        result.events.ofType("syscall").filter {
            $0.string("syscall") == "connect" && ($0.string("target_exe") ?? "").hasSuffix("/" + server)
                && ($0["target"] as? [String] ?? []).contains("process")
        }
    }

    @Test("audit: the server runs the command, and every shape alerts at Critical with the server in the event", arguments: shapes)
    func auditAlerts(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(output(h))")
        #expect(pwned(h) == Self.runs, "the outside server ran the command in audit mode: \(output(h))")
        let seen = connects(result, server: shape.server)
        #expect(seen.count >= Self.runs, "\(result.events.ofType("syscall"))")
        #expect(seen.allSatisfy { $0["socket"] is [String: Any] && $0.int("target_uid") == 0 && $0["held"] as? Bool == false })
        #expect(seen.allSatisfy { ($0.string("abi") ?? "") == shape.abi }, "\(seen)")
        let found = alerts(result, rule: "command-broker-outside-session")
        #expect(found.count >= Self.runs, "\(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        #expect(found.allSatisfy { $0.string("priority") == "Critical" })
    }

    @Test("enforce: the client is held at its connect and killed; the command never runs; the agent survives", arguments: shapes)
    func enforceKills(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: ["--enforce"])
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(pwned(h) == 0, "the outside server never got the command: \(output(h))")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 != 0 }, "every tool call fails: \(statuses)")
        #expect(connects(result, server: shape.server).allSatisfy { $0["held"] as? Bool == true })
        let killing = shape.killedBy.flatMap { alerts(result, rule: $0) }.filter {
            (($0["warden"] as? [String: Any])?["outcome"] as? String ?? "").hasPrefix("killed")
        }
        #expect(killing.count >= Self.runs, "\(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0["warden"] ?? "") })")
    }

    @Test("benign: the agent's own servers (a Unix socket server, tmux) and an outside ssh-agent stay below Warning; nothing killed under --enforce",
          arguments: [[], ["--enforce"]])
    func benignWork(_ mode: [String]) throws {
        let h = try WardenHarness()
        // An ssh-agent started outside: a tool listing its keys talks to a server outside the
        // session, which is ordinary (git over ssh does it). ssh-agent listens before it forks
        // away, so the process the kernel names as the server is gone: reported without a target.
        try startOutside(h, "ssh-agent -a \(h.path("agent.ssh")) > ssh-agent.env")
        defer { try? startOutside(h, ". ./ssh-agent.env >/dev/null; ssh-agent -k >/dev/null") }
        // The agent's own tmux, in both modes: under --enforce tmux continues every pane and job
        // the kernel holds (its parent answering a stop it collected: job control), which must
        // neither kill tmux nor let anything past the hold (JobControlIntegrationTests).
        let tmux = """
            sh -c 'tmux -S own.sock new-session -d -s mine sh'
            sh -c 'tmux -S own.sock send-keys -t mine "touch OWN-KEYS" Enter'
            sh -c 'tmux -S own.sock run-shell "touch OWN-SHELL"'
            sh -c 'tmux -S own.sock list-sessions' > sessions
            i=0; while [ ! -e OWN-KEYS ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            sh -c 'tmux -S own.sock kill-server'
            [ -e OWN-KEYS ] && [ -e OWN-SHELL ]
            """
        try h.write("agent.sh", """
            set -e
            python3 -c 'import socket
            s = socket.socket(socket.AF_UNIX); s.bind("own.sock"); s.listen(1)
            c, _ = s.accept(); open("OWN-PY", "wb").write(c.recv(64))' &
            server=$!
            i=0; while [ ! -S own.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
            python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("own.sock"); s.sendall(b"hello")'
            wait $server
            rm -f own.sock
            \(tmux)
            sh -c 'SSH_AUTH_SOCK=\(h.path("agent.ssh")) ssh-add -l || [ $? -eq 1 ]'
            echo agent-done
            """)
        let result = try h.run(["sh", "agent.sh"], extra: mode + ["--name", "claude-code"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect((try? String(contentsOfFile: h.path("OWN-PY"), encoding: .utf8)) == "hello")
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        // The agent's own servers are in its session: their connects are not even reported.
        let unix = result.events.ofType("syscall").filter { $0.string("syscall") == "connect" }
        #expect(!unix.contains { ($0.string("path") ?? "").hasSuffix("own.sock") }, "\(unix)")
        let agent = unix.filter { $0.string("path") == h.path("agent.ssh") }
        #expect(!agent.isEmpty && agent.allSatisfy { ($0["target"] as? [String] ?? []).isEmpty }, "\(unix)")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        }
    }
}
