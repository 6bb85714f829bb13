import Foundation
import Testing
@testable import WardenCore

@Suite("Event model")
struct ModelTests {
    @Test("argv splits on NUL like the kernel stores it")
    func splitArguments() {
        let raw: [UInt8] = Array("bash\0-c\0\0echo\0".utf8)
        #expect(ByteString.splitArguments(raw[...]) == ["bash", "-c", "", "echo"])
        #expect(ByteString.splitArguments(Array("cut-short".utf8)[...]) == ["cut-short"])
        #expect(ByteString.splitArguments([][...]) == [])
    }

    @Test("failed relative paths are joined lexically")
    func pathJoin() {
        #expect(PathJoin.lexical(base: "/home/a/src", relative: "../b/./c") == "/home/a/b/c")
        #expect(PathJoin.lexical(base: "/", relative: "../../etc") == "/etc")
        #expect(PathJoin.lexical(base: "/tmp", relative: "/abs") == "/abs")
        #expect(PathJoin.lexical(base: "/tmp", relative: "") == "/tmp")
    }

    @Test("glibc st_dev converts to the kernel's dev_t encoding")
    func deviceEncoding() {
        // major 254, minor 0 (st_dev 0xfe00) and major 259, minor 65537 (a large minor).
        #expect(FileIdentity.kernelDevice(fromStatDevice: 0xFE00) == 254 << 20)
        let big: UInt64 = (259 & 0xFFF) << 8 | (65537 & 0xFF) | ((65537 & ~0xFF) << 12)
        #expect(FileIdentity.kernelDevice(fromStatDevice: big) == 259 << 20 | 65537)
    }

    @Test("stdio kinds: ttys, /dev/null, pipes")
    func stdioDescription() {
        #expect(FileIdentity(kind: .charDevice, inode: 3, device: 5, rdev: 136 << 20 | 2).stdioDescription == "tty")
        #expect(FileIdentity(kind: .charDevice, inode: 3, device: 5, rdev: 1 << 20 | 3).stdioDescription == "null")
        #expect(FileIdentity(kind: .pipe, inode: 9, device: 0).stdioDescription == "pipe")
    }

    @Test("exit status decodes code and signal")
    func exitStatus() {
        let ref = ProcessRef(bootTime: 0, pid: 1, tid: 1, execID: 1, parentExecID: 0, sessionID: 1, agentID: 1)
        #expect(ExitEvent(process: ref, status: 3 << 8).code == 3)
        #expect(ExitEvent(process: ref, status: 3 << 8).signal == nil)
        #expect(ExitEvent(process: ref, status: 9).signal == 9)
        #expect(ExitEvent(process: ref, status: 9).code == nil)
    }

    @Test("open flags and errors read like strace")
    func syscallText() {
        #expect(SyscallText.openFlags(0o1101) == "O_WRONLY|O_CREAT|O_TRUNC")
        #expect(SyscallText.openFlags(0o2000000) == "O_RDONLY|O_CLOEXEC")
        #expect(SyscallText.openFlags(0o20200002) == "O_RDWR|O_TMPFILE")
        #expect(SyscallText.openFlags(0o600000) == "O_RDONLY|O_DIRECTORY|O_NOFOLLOW")
        #expect(SyscallText.errorName(-2) == "ENOENT")
        #expect(SyscallText.errorName(3) == nil)
    }

    @Test("open flags are Warden's bits: writes are write access, creation or truncation")
    func openFlags() {
        #expect(OpenFlags(rawValue: 0o1101) == [.writeOnly, .create, .truncate])
        #expect(OpenFlags(rawValue: 0o2).accessMode == .readWrite)
        #expect(!OpenFlags([.closeOnExec, .directory]).mayWrite)
        #expect(OpenFlags.readWrite.mayWrite && OpenFlags.create.mayWrite && OpenFlags.truncate.mayWrite)
        #expect(!OpenFlags([.append, .noFollow]).mayWrite)
    }

    @Test("syscalls come from the ABI's numbering, never the architecture's")
    func syscallNames() {
        #expect(Syscall(abi: 1) == .open && Syscall(abi: 2) == .openat && Syscall(abi: 3) == .openat2)
        #expect(Syscall(abi: 4) == .creat && Syscall(abi: 5) == .execve && Syscall(abi: 6) == .execveat)
        #expect(Syscall(abi: 0) == .unknown && Syscall(abi: 257) == .unknown)
    }

    @Test("RFC 3339 timestamps carry nanoseconds in UTC")
    func rfc3339() {
        #expect(WallClock.rfc3339(unixNanoseconds: 1_779_716_645_478_445_995) == "2026-05-25T13:44:05.478445995Z")
        #expect(WallClock.rfc3339(unixNanoseconds: 5) == "1970-01-01T00:00:00.000000005Z")
    }

    @Test("/proc/PID/stat parsing survives hostile comm values")
    func procStat() {
        #expect(ProcFS.parentPID(fromStat: Array("42 (a) b) c) S 7 42 42".utf8)) == 7)
        #expect(ProcFS.parentPID(fromStat: Array("42 (plain) R 1 0".utf8)) == 1)
        #expect(ProcFS.parentPID(fromStat: Array("garbage".utf8)) == nil)
    }
}

@Suite("Process memory paths")
struct ProcessMemoryPathTests {
    @Test("/proc/PID/mem and /proc/PID/task/TID/mem name their process; nothing else does", arguments: [
        ("/proc/812/mem", UInt32?.some(812)), ("/proc/812/task/813/mem", 812), ("/proc/812/maps", nil),
        ("/proc/812/memory", nil), ("/proc/self/mem", nil), ("/proc/812/task/mem", nil), ("/home/proc/812/mem", nil),
        ("/proc/99999999999/mem", nil), ("/proc//mem", nil), ("proc/812/mem", nil),
        ("/proc/4294967296/mem", nil), ("/proc/4294967295/mem", 4294967295), ("/proc/812/task/813/mem2", nil),
        ("/proc/812/task/81x/mem", nil), ("/proc/812/mem/", nil), ("/proc/812", nil),
    ])
    func pids(_ path: String, _ pid: UInt32?) {
        #expect(ProcessMemoryPath.pid(Array(path.utf8)) == pid)
    }
}

@Suite("/proc/PID/stat")
struct ProcStatTests {
    @Test("state and ppid are read after the last ')', whatever comm holds")
    func fieldsAfterComm() {
        let stat = Array("812 (a) T (b) S 77 812 812 0 -1".utf8)
        #expect(ProcFS.state(fromStat: stat) == UInt8(ascii: "S"))
        #expect(ProcFS.parentPID(fromStat: stat) == 77)
        #expect(ProcFS.state(fromStat: Array("no parenthesis".utf8)) == nil)
    }
}

