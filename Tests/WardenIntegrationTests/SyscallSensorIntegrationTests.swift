import Foundation
import Glibc
import Testing

/// Issue #11, classes 1 and 6 and the monitor's own safety: what reaches past open's and exec's
/// syscall exits, against the real kernel with the default pack. Opens made by an io_uring, by
/// file handle, and through a detached mount; a debugger attached to a process outside the
/// session; another process's memory read through process_vm_readv or /proc/PID/mem; a signal
/// sent to Warden. Each shape runs as the tool calls of one agent whose HOME is a fake home holding
/// a key; a process started outside Warden stands for "a process outside the session".
@Suite("Calls past files and execs on the real kernel", .serialized)
struct SyscallSensorIntegrationTests {
    static let runs = 2
    private static let warning = ["Emergency", "Alert", "Critical", "Error", "Warning"]
    private static let key = "KEY-\(getpid())-CONTENT"

    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        /// Rules that must alert (each at least once per run).
        var rules: [String]
        /// The tool call's script; `$OUTSIDE` is a process outside the session, `$WARDEN` Warden.
        var tool: String
        /// Evidence the events must carry (a file event's syscall, a syscall event's name).
        var syscall: String

        var testDescription: String { name }
    }

    static let shapes = [
        Shape(name: "io_uring: IORING_OP_OPENAT then IORING_OP_READ of ~/.ssh/id_ed25519",
              rules: ["io-uring-set-up-by-tool-process", "credential-file-read"],
              tool: "./uring_read \"$HOME/.ssh/id_ed25519\" && echo done >> MARKERS\n", syscall: "io_uring_openat"),
        Shape(name: "open_by_handle_at of the key (name_to_handle_at first)", rules: ["credential-file-read"],
              tool: "python3 handle.py \"$HOME/.ssh/id_ed25519\" && echo done >> MARKERS\n", syscall: "open_by_handle_at"),
        Shape(name: "a detached mount of HOME (open_tree OPEN_TREE_CLONE), the key opened relative to it",
              rules: ["credential-read-through-another-name", "detached-mount-by-tool-process"],
              tool: "python3 tree.py \"$HOME\" && echo done >> MARKERS\n", syscall: "open_tree"),
        Shape(name: "ptrace attach to a process outside the session", rules: ["process-traced-outside-session"],
              tool: "python3 reach.py ptrace \"$OUTSIDE\" && echo done >> MARKERS\n", syscall: "ptrace"),
        Shape(name: "process_vm_readv of a process outside the session", rules: ["process-memory-of-another-process"],
              tool: "python3 reach.py vm \"$OUTSIDE\" && echo done >> MARKERS\n", syscall: "process_vm_readv"),
        Shape(name: "/proc/PID/mem of a process outside the session", rules: ["process-memory-file-of-another-process"],
              tool: "python3 reach.py mem \"$OUTSIDE\" && echo done >> MARKERS\n", syscall: "openat"),
    ]

    /// Signals to Warden: sent whatever the command, seen by the kernel. Not held (a held sender
    /// of SIGSTOP would wait on a stopped Warden); killed after the event, before it goes on.
    static let signals = [
        Shape(name: "kill -s CONT (the shell's builtin)", rules: ["signal-to-warden"],
              tool: "kill -s CONT \"$WARDEN\"; sleep 2; echo done >> MARKERS\n", syscall: "kill"),
        Shape(name: "os.kill SIGWINCH", rules: ["signal-to-warden"],
              tool: "python3 -c 'import os,signal,sys,time; os.kill(int(sys.argv[1]), signal.SIGWINCH); time.sleep(2)' \"$WARDEN\" && echo done >> MARKERS\n",
              syscall: "kill"),
        Shape(name: "pidfd_send_signal SIGURG", rules: ["signal-to-warden"],
              tool: "python3 -c 'import os,signal,sys,time; signal.pidfd_send_signal(os.pidfd_open(int(sys.argv[1])), signal.SIGURG); time.sleep(2)' \"$WARDEN\" && echo done >> MARKERS\n",
              syscall: "pidfd_send_signal"),
    ]

    /// Reads a file through an io_uring and writes it to stdout (no liburing: raw syscalls).
    private static let uringReader = #"""
/* Reads a file through an io_uring (IORING_OP_OPENAT, then IORING_OP_READ) and writes it to stdout. */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int ring_fd;
static unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;

static int run(struct io_uring_sqe *sqe) {
	unsigned tail = *sq_tail;
	sqes[tail & *sq_mask] = *sqe;
	sq_array[tail & *sq_mask] = tail & *sq_mask;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring_fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -1000;
	unsigned head = __atomic_load_n(cq_head, __ATOMIC_ACQUIRE);
	int res = cqes[head & *cq_mask].res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(int argc, char **argv) {
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	ring_fd = syscall(__NR_io_uring_setup, 4, &p);
	if (ring_fd < 0) { perror("io_uring_setup"); return 2; }
	char *sq = mmap(0, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
	char *cq = mmap(0, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
	sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
	sq_tail = (unsigned *)(sq + p.sq_off.tail); sq_mask = (unsigned *)(sq + p.sq_off.ring_mask); sq_array = (unsigned *)(sq + p.sq_off.array);
	cq_head = (unsigned *)(cq + p.cq_off.head); cq_tail = (unsigned *)(cq + p.cq_off.tail); cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	struct io_uring_sqe sqe;
	memset(&sqe, 0, sizeof sqe);
	sqe.opcode = IORING_OP_OPENAT; sqe.fd = AT_FDCWD; sqe.addr = (unsigned long)argv[1]; sqe.open_flags = O_RDONLY;
	int fd = run(&sqe);
	if (fd < 0) { fprintf(stderr, "openat: %d\n", fd); return 3; }
	static char buf[4096];
	memset(&sqe, 0, sizeof sqe);
	sqe.opcode = IORING_OP_READ; sqe.fd = fd; sqe.addr = (unsigned long)buf; sqe.len = sizeof buf - 1;
	int n = run(&sqe);
	if (n < 0) { fprintf(stderr, "read: %d\n", n); return 4; }
	fwrite(buf, 1, n, stdout);
	return 0;
}
"""#

    private static let handleOpener = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        class Handle(ctypes.Structure):
            _fields_ = [("bytes", ctypes.c_uint), ("type", ctypes.c_int), ("data", ctypes.c_ubyte * 128)]
        h = Handle(); h.bytes = 128; mount = ctypes.c_int()
        if libc.name_to_handle_at(-100, sys.argv[1].encode(), ctypes.byref(h), ctypes.byref(mount), 0) != 0:
            sys.exit("name_to_handle_at: errno %d" % ctypes.get_errno())
        fd = libc.open_by_handle_at(os.open("/", os.O_RDONLY), ctypes.byref(h), os.O_RDONLY)
        if fd < 0:
            sys.exit("open_by_handle_at: errno %d" % ctypes.get_errno())
        sys.stdout.write(os.read(fd, 4096).decode())
        """

    private static let treeOpener = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        tree = libc.syscall(428, -100, sys.argv[1].encode(), 1 | os.O_CLOEXEC)  # open_tree(AT_FDCWD, path, OPEN_TREE_CLONE)
        if tree < 0:
            sys.exit("open_tree: errno %d" % ctypes.get_errno())
        sys.stdout.write(os.read(os.open(".ssh/id_ed25519", os.O_RDONLY, dir_fd=tree), 4096).decode())
        """

    private static let reacher = """
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        how, pid = sys.argv[1], int(sys.argv[2])
        if how == "ptrace":
            if libc.ptrace(16, pid, 0, 0) != 0:  # PTRACE_ATTACH
                sys.exit("ptrace: errno %d" % ctypes.get_errno())
            os.waitpid(pid, 0)
            libc.ptrace(17, pid, 0, 0)  # PTRACE_DETACH
            os.kill(pid, 18)            # and let it run on
        elif how == "vm":
            class IOV(ctypes.Structure):
                _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
            start = int(open("/proc/%d/maps" % pid).readline().split("-")[0], 16)
            buf = ctypes.create_string_buffer(64)
            local, remote = IOV(ctypes.cast(buf, ctypes.c_void_p), 64), IOV(start, 64)
            if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) != 64:
                sys.exit("process_vm_readv: errno %d" % ctypes.get_errno())
        elif how == "mem":
            with open("/proc/%d/mem" % pid, "rb") as memory:
                start = int(open("/proc/%d/maps" % pid).readline().split("-")[0], 16)
                memory.seek(start)
                memory.read(64)
        """

    private func campaign(_ tool: String, mode: [String]) throws -> (h: WardenHarness, result: WardenHarness.Result, statuses: [Int]) {
        let h = try WardenHarness()
        try FileManager.default.createDirectory(atPath: h.path("home/.ssh"), withIntermediateDirectories: true)
        try h.write("home/.ssh/id_ed25519", Self.key + "\n")
        try h.write("uring_read.c", Self.uringReader)
        try h.write("handle.py", Self.handleOpener)
        try h.write("tree.py", Self.treeOpener)
        try h.write("reach.py", Self.reacher)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        cc.arguments = ["cc", "-O1", "-o", h.path("uring_read"), h.path("uring_read.c")]
        try cc.run()
        cc.waitUntilExit()
        try #require(cc.terminationStatus == 0, "compiling the io_uring reader")
        // A process outside the session: started here, not by the agent.
        let outside = Process()
        outside.executableURL = URL(fileURLWithPath: "/bin/sleep")
        outside.arguments = ["120"]
        try outside.run()
        defer { outside.terminate(); kill(outside.processIdentifier, SIGCONT) }
        // The agent's parent is `warden run`: the tool call finds Warden's pid there.
        let (result, statuses) = try h.campaign(tool, runs: Self.runs, mode: mode,
                                                preamble: "WARDEN=$PPID OUTSIDE=\(outside.processIdentifier); export WARDEN OUTSIDE\n")
        return (h, result, statuses)
    }

    private func alerts(_ result: WardenHarness.Result, rule: String) -> [[String: Any]] {
        result.events.ofType("alert").filter { $0.string("rule") == rule }
    }

    private func completed(_ h: WardenHarness) -> Int {
        ((try? String(contentsOfFile: h.path("MARKERS"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    private func output(_ h: WardenHarness) -> String {
        (try? String(contentsOfFile: h.path("tool-output"), encoding: .utf8)) ?? ""
    }

    /// The events carry the call: a file event with its syscall, or a syscall event.
    private func evidence(_ result: WardenHarness.Result, _ syscall: String) -> Bool {
        result.events.contains { ["open", "syscall"].contains($0.string("type") ?? "") && $0.string("syscall") == syscall }
    }

    @Test("audit: the payload works, and every shape alerts at Warning+ with the call in the events", arguments: shapes + signals)
    func auditAlerts(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(output(h))")
        #expect(completed(h) == Self.runs)
        if shape.tool.contains("id_ed25519") || shape.tool.contains("HOME") {
            #expect(output(h).contains(Self.key), "the key was read in audit mode")
        }
        #expect(evidence(result, shape.syscall), "no \(shape.syscall) in the events")
        for rule in shape.rules {
            let found = alerts(result, rule: rule)
            #expect(found.count >= Self.runs, "\(rule): \(result.events.ofType("alert").map { $0.string("rule") ?? "" })")
            #expect(found.allSatisfy { Self.warning.contains($0.string("priority") ?? "") })
        }
    }

    @Test("enforce: the tool call is killed before the payload takes effect; the agent survives", arguments: shapes + signals)
    func enforceKills(_ shape: Shape) throws {
        let (h, result, statuses) = try campaign(shape.tool, mode: ["--enforce"])
        #expect(result.status == 0, "the agent itself survives: \(result.stderr)")
        #expect(String(decoding: result.stdout, as: UTF8.self).contains("agent-done"))
        #expect(completed(h) == 0, "no tool call got past its call: \(output(h))")
        #expect(!output(h).contains(Self.key), "the key never reached the tool's output")
        #expect(statuses.count == Self.runs && statuses.allSatisfy { $0 != 0 }, "every tool call fails: \(statuses)")
        let killing = shape.rules.flatMap { alerts(result, rule: $0) }.filter {
            (($0["warden"] as? [String: Any])?["outcome"] as? String ?? "").hasPrefix("killed")
        }
        #expect(killing.count >= Self.runs, "\(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0["warden"] ?? "") })")
    }

    @Test("enforce: a sibling that keeps sending SIGCONT to a held process does not end its hold (stopped again, the sender killed at the second)")
    func continueDoesNotEndHold() throws {
        // The reader is held at its exec; the loop tries to let it run before Warden judges it,
        // and goes on until the reader is gone.
        let tool = """
            (exec cat "$HOME/.ssh/id_ed25519") > stolen &
            reader=$!
            while kill -CONT $reader 2>/dev/null; do :; done
            wait $reader && echo done >> MARKERS

            """
        let (h, result, _) = try campaign(tool, mode: ["--enforce"])
        #expect(result.status == 0, "\(result.stderr)")
        let stolen = (try? String(contentsOfFile: h.path("stolen"), encoding: .utf8)) ?? ""
        #expect(!stolen.contains(Self.key), "the key was read before the hold was decided")
        #expect(completed(h) == 0)
        let restopped = result.events.ofType("syscall").filter { ($0["target"] as? [String] ?? []).contains("restopped") }
        #expect(!restopped.isEmpty, "the kernel stopped the reader again")
        #expect(!alerts(result, rule: "held-process-continued").isEmpty)
        #expect(!alerts(result, rule: "held-process-continued-repeatedly").isEmpty, "the loop's sender was killed at its second continue")
        #expect(alerts(result, rule: "credential-file-read").contains {
            (($0["warden"] as? [String: Any])?["outcome"] as? String ?? "").hasPrefix("killed before")
        }, "\(result.events.ofType("alert").map { ($0.string("rule") ?? "", $0["warden"] ?? "") })")
    }

    @Test("benign: signals inside the session, a debugger on the agent's own child, its own memory, a python thread; silent under --enforce",
          arguments: [[], ["--enforce"]])
    func benignWork(_ mode: [String]) throws {
        let tool = """
            set -e
            sleep 30 & kill $!; wait $! || true
            python3 -c 'import threading; t = threading.Thread(target=lambda: open("/etc/hostname").read()); t.start(); t.join()'
            python3 -c 'import ctypes,os,time
            libc = ctypes.CDLL(None, use_errno=True)
            child = os.fork()
            if child == 0:
                time.sleep(5); os._exit(0)
            assert libc.ptrace(16, child, 0, 0) == 0, ctypes.get_errno()
            os.waitpid(child, 0); libc.ptrace(17, child, 0, 0); os.kill(child, 9); os.waitpid(child, 0)
            open("/proc/self/mem", "rb").close()'
            echo done >> MARKERS

            """
        let (h, result, statuses) = try campaign(tool, mode: mode)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(statuses == Array(repeating: 0, count: Self.runs), "\(statuses): \(output(h))")
        #expect(completed(h) == Self.runs)
        let loud = result.events.ofType("alert").filter { Self.warning.contains($0.string("priority") ?? "") }
        #expect(loud.isEmpty, "\(loud.map { ($0.string("rule") ?? "", $0.string("output") ?? "") })")
        if mode == ["--enforce"] {
            #expect(result.stderr.contains(" 0 killed"), "nothing killed: \(result.stderr)")
        }
    }
}
