import Foundation
import Glibc
import Testing

/// Syscalls through another ABI, against the real kernel with the default pack: a 64-bit program
/// that makes its calls with `int 0x80` (i386 numbering: open is 5, x86_64's fstat) and a 32-bit
/// program, both compiled here with `cc`. No native sensor decodes those numbers; the compat
/// check at sys_exit and the exec's 32-bit flag must report them, and enforce mode must stop the
/// tool process before its next instruction. Each shape runs as the tool calls of one agent whose
/// HOME is a fake home holding a key and a startup file.
@Suite("Syscalls through the 32-bit interface on the real kernel", .serialized)
struct CompatSyscallIntegrationTests {
    static let runs = 2
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]
    private static let key = "KEY-\(getpid())-CONTENT"
    private static let planted = "PLANTED-\(getpid())"
    private static let rule = "compat-syscall-by-tool-process"

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        /// The tool call's script; `$OUTSIDE` is a process outside the session, `$WARDEN` Warden.
        var tool: String
        /// The i386 number of the first compat call (the event's argument); nil: a 32-bit exec.
        var number: Int?

        var testDescription: String { name }
    }

    static let shapes = [
        Shape(name: "int 0x80 open + read of ~/.ssh/id_ed25519",
              tool: "./i80 read \"$HOME/.ssh/id_ed25519\" && echo done >> MARKERS\n", number: 5),
        Shape(name: "int 0x80 open(O_WRONLY|O_APPEND) of ~/.bashrc, a line written",
              tool: "./i80 append \"$HOME/.bashrc\" \(planted) && echo done >> MARKERS\n", number: 5),
        Shape(name: "int 0x80 kill(SIGWINCH) of a process outside the session",
              tool: "./i80 kill \"$OUTSIDE\" && echo done >> MARKERS\n", number: 37),
        Shape(name: "a 32-bit program (cc -m32 -nostdlib) prints the key",
              tool: "./m32 \"$HOME/.ssh/id_ed25519\" && echo done >> MARKERS\n", number: nil),
    ]

    /// A 64-bit program that makes its calls through `int 0x80`. Pointers must fit in 32 bits
    /// there, so strings and buffers live in a MAP_32BIT mapping.
    private static let int80 = #"""
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static long i80(long nr, long a, long b, long c) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

int main(int argc, char **argv) {
	char *low = mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED || argc < 3) return 2;
	strcpy(low, argv[2]);
	if (!strcmp(argv[1], "read")) {               /* open(5), read(3), write(4) */
		long fd = i80(5, (long)low, 0, 0);
		long n = fd < 0 ? -1 : i80(3, fd, (long)low + 4096, 4096);
		if (n <= 0) return 3;
		i80(4, 1, (long)low + 4096, n);
	} else if (!strcmp(argv[1], "append")) {      /* open(5, O_WRONLY|O_APPEND), write(4) */
		long fd = i80(5, (long)low, 01 | 02000, 0);
		strcpy(low + 4096, argv[3]);
		strcat(low + 4096, "\n");
		if (fd < 0 || i80(4, fd, (long)low + 4096, strlen(low + 4096)) <= 0) return 3;
	} else if (!strcmp(argv[1], "kill")) {        /* kill(37) */
		if (i80(37, atol(argv[2]), SIGWINCH, 0) != 0) return 3;
	} else if (!strcmp(argv[1], "exec")) {        /* execve(11) of argv[2] with argv[2..] */
		unsigned *args = (unsigned *)(low + 8192);
		char *strings = low + 16384;
		int i;
		for (i = 2; i < argc; i++) {
			strcpy(strings, argv[i]);
			args[i - 2] = (unsigned)(unsigned long)strings;
			strings += strlen(argv[i]) + 1;
		}
		args[i - 2] = 0;
		i80(11, (long)low, (long)args, 0);
		return 4;
	}
	return 0;
}
"""#

    /// A 32-bit program without libc: needs only gcc's -m32 code generation and binutils' i386
    /// support, not the 32-bit C library (gcc-multilib).
    private static let program32 = #"""
__asm__(".globl _start\n_start:\n\tmovl %esp, %eax\n\tandl $-16, %esp\n\tsubl $12, %esp\n\tpushl %eax\n\tcall start\n\thlt\n");
static long sys(long nr, long a, long b, long c) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}
void start(long *sp) {
	static char buf[4096];
	char **argv = (char **)(sp + 1);
	long fd = sys(5, (long)argv[1], 0, 0), n = fd >= 0 ? sys(3, fd, (long)buf, sizeof buf) : -1;
	if (n > 0) sys(4, 1, (long)buf, n);
	sys(252, n > 0 ? 0 : 1, 0, 0);
}
"""#

    private func compile(_ h: WardenHarness, _ arguments: [String]) throws {
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc"] + arguments
        try cc.run()
        cc.waitUntilExit()
        try #require(cc.terminationStatus == 0, "cc \(arguments)")
    }

    private func campaign(_ tool: String, mode: [String]) throws -> (h: WardenHarness, result: WardenHarness.Result, statuses: [Int], outside: Int32) {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.ssh"), withIntermediateDirectories: true)
        try h.write("home/.ssh/id_ed25519", Self.key + "\n")
        try h.write("home/.bashrc", "alias ll='ls -l'\n")
        try h.write("i80.c", Self.int80)
        try h.write("m32.c", Self.program32)
        try compile(h, ["-O1", "-o", h.path("i80"), h.path("i80.c")])
        try compile(h, ["-m32", "-nostdlib", "-ffreestanding", "-static", "-fno-pie", "-no-pie", "-fno-stack-protector", "-O1",
                        "-o", h.path("m32"), h.path("m32.c")])
        // A process outside the session: started here, not by the agent.
        let outside = Process()
        outside.executableURL = URL(fileURLWithPath: "/bin/sleep")
        outside.arguments = ["120"]
        try outside.run()
        defer { outside.terminate() }
        let (result, statuses) = try h.campaign(tool, runs: Self.runs, mode: mode,
                                                preamble: "WARDEN=$PPID OUTSIDE=\(outside.processIdentifier); export WARDEN OUTSIDE\n")
        #expect(outside.isRunning, "SIGWINCH leaves the process outside running")
        return (h, result, statuses, outside.processIdentifier)
    }

    private func alerts(_ result: WardenHarness.Result) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == Self.rule }
    }

    private func read(_ h: WardenHarness, _ name: String) -> String {
        (try? String(contentsOfFile: h.path(name), encoding: .utf8)) ?? ""
    }

    private func completed(_ h: WardenHarness) -> Int { read(h, "MARKERS").split(separator: "\n").count }

    /// The kernel's report: a compat syscall event with the i386 number, or a 32-bit exec.
    private func compatEvents(_ result: WardenHarness.Result, _ shape: Shape) -> [[String: Any]] {
        guard let number = shape.number else {
            return result.events.ofType("exec").filter { $0.string("abi") == "ia32" }
        }
        return result.events.ofType("syscall").filter {
            $0.string("syscall") == "compat" && $0.string("abi") == "ia32" && $0.int("argument") == number
        }
    }

    @Test("audit: the payload works, and every shape alerts Critical with the compat call in the events", arguments: shapes)
    func auditAlerts(_ shape: Shape) throws {
        let (h, result, statuses, outside) = try campaign(shape.tool, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(read(h, "tool-output"))")
        #expect(completed(h) == Self.runs)
        if shape.tool.contains("id_ed25519") { #expect(read(h, "tool-output").contains(Self.key), "the key was read in audit mode") }
        if shape.tool.contains("bashrc") { #expect(read(h, "home/.bashrc").contains(Self.planted), "the line was planted in audit mode") }
        let reported = compatEvents(result, shape)
        #expect(reported.count == Self.runs, "one report per image: \(result.events.ofType("syscall"))")
        if shape.number == 5 {
            #expect(reported.allSatisfy { ($0.string("path") ?? "").hasSuffix(shape.tool.contains("bashrc") ? "/.bashrc" : "/id_ed25519") })
            #expect(reported.allSatisfy { $0.string("compat_name") == "open" && ($0.int("result") ?? -1) >= 0 })
        }
        if shape.number == 37 {
            #expect(reported.allSatisfy { $0.int("target_pid") == Int(outside) && ($0["target"] as? [String]) == ["process"] })
        }
        let found = alerts(result)
        #expect(found.count >= Self.runs, "\(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
        #expect(found.allSatisfy { $0.string("priority") == "Critical" })
    }

    @Test("enforce: the tool process is killed at its first compat call (or its 32-bit exec); the payload never completes", arguments: shapes)
    func enforceKills(_ shape: Shape) throws {
        let (h, result, statuses, _) = try campaign(shape.tool, mode: ["--enforce"])
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(completed(h) == 0, "no tool call got past its first compat call: \(read(h, "tool-output"))")
        #expect(!read(h, "tool-output").contains(Self.key), "the key never reached the tool's output")
        #expect(!read(h, "home/.bashrc").contains(Self.planted), "no line was planted")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 == 137 }, "every tool process is killed: \(statuses)")
        #expect(compatEvents(result, shape).allSatisfy { $0["held"] as? Bool == true })
        let killing = alerts(result).filter {
            (($0["warden"] as? [String: Any])?["outcome"] as? String ?? "").hasPrefix("killed before")
        }
        #expect(killing.count >= Self.runs, "\(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0["warden"] ?? "") })")
    }

    /// A signal to Warden through int 0x80: Warden may be stopped or gone by the time it would
    /// judge a hold, so enforce mode kills the sender in the kernel instead of holding it.
    @Test("int 0x80 kill(SIGWINCH) of Warden: reported with Warden as target; the sender is killed in the kernel under --enforce",
          arguments: [[], ["--enforce"]])
    func signalToWarden(_ mode: [String]) throws {
        let (h, result, statuses, _) = try campaign("./i80 kill \"$WARDEN\" && echo done >> MARKERS\n", mode: mode)
        #expect(result.status == 0, "Warden survives SIGWINCH: \(result.stderr)")
        let reported = result.events.ofType("syscall").filter { $0.string("syscall") == "compat" && $0.int("argument") == 37 }
        #expect(reported.count == Self.runs, "\(result.events.ofType("syscall"))")
        #expect(reported.allSatisfy { $0["targets_warden"] as? Bool == true && $0["held"] as? Bool == false })
        #expect(alerts(result).count >= Self.runs)
        if mode.isEmpty {
            #expect(statuses == Array(repeating: 0, count: Self.runs) && completed(h) == Self.runs)
        } else {
            #expect(reported.allSatisfy { ($0["target"] as? [String] ?? []).contains("sender_killed") })
            #expect(statuses == Array(repeating: 137, count: Self.runs) && completed(h) == 0, "\(statuses)")
        }
    }

    /// An execve through int 0x80 that succeeds returns through the new 64-bit image (the kernel
    /// clears the compat mark at exec): no compat event, but sched_process_exec reports the exec
    /// like any other, and the new image's calls are native.
    @Test("execve through int 0x80 is an ordinary exec: cat's read of the key alerts (audit) and is stopped (enforce)",
          arguments: [[], ["--enforce"]])
    func execThroughInt80(_ mode: [String]) throws {
        let tool = "./i80 exec /bin/cat \"$HOME/.ssh/id_ed25519\"; echo done >> MARKERS\n"
        let (h, result, _, _) = try campaign(tool, mode: mode)
        #expect(result.status == 0, "\(result.stderr)")
        let cats = result.events.execs { $0.first == "/bin/cat" && ($0.last ?? "").hasSuffix("/id_ed25519") }
        #expect(cats.count == Self.runs, "the exec sensor sees the int 0x80 execve")
        let reads = result.events.ofType("alert").filter { $0.string("rule") == "credential-file-read" }
        #expect(reads.count >= Self.runs)
        if mode.isEmpty {
            #expect(read(h, "tool-output").contains(Self.key))
        } else {
            #expect(!read(h, "tool-output").contains(Self.key), "the key never reached the tool's output")
        }
    }

    @Test("benign: 64-bit tool processes make no compat report and no Warning+ alert, audit and enforce",
          arguments: [[], ["--enforce"]])
    func benignWork(_ mode: [String]) throws {
        let tool = """
            set -e
            cat "$HOME/.bashrc" > /dev/null
            ls -la . > /dev/null
            python3 -c 'import os, signal; os.kill(os.getpid(), 0); print(open("/etc/hostname").read())' > /dev/null
            sleep 30 & kill $!; wait $! || true
            echo done >> MARKERS

            """
        let (h, result, statuses, _) = try campaign(tool, mode: mode)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(read(h, "tool-output"))")
        #expect(completed(h) == Self.runs)
        #expect(result.events.ofType("syscall").filter { $0.string("syscall") == "compat" }.isEmpty)
        #expect(result.events.ofType("exec").allSatisfy { $0["abi"] == nil })
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
    }
}
