import Testing
import WardenABI
import WardenCore
@testable import WardenKernel

@Suite("ABI and decoding")
struct EventDecoderTests {
    @Test("Swift sees the ABI structs with the sizes the BPF side was built with")
    func layout() {
        #expect(MemoryLayout<warden_event_header>.size == 56)
        #expect(MemoryLayout<warden_exec_event>.size == 328)
        #expect(MemoryLayout<warden_file_event>.size == 144)
        #expect(MemoryLayout<warden_connect_event>.size == 88)
        #expect(MemoryLayout<warden_file_identity>.size == 48)
        #expect(MemoryLayout<warden_fork_event>.size == 64)
        #expect(MemoryLayout<warden_exit_event>.size == 64)
        #expect(MemoryLayout<warden_config>.size == 24)
        #expect(MemoryLayout<warden_hold>.size == 32)
        #expect(MemoryLayout<warden_counters>.size == 40 + 8 * Int(WARDEN_KIND_SLOTS))
        #expect(MemoryLayout<warden_process>.size == 32)
        #expect(MemoryLayout<warden_rename_event>.size == 96)
        #expect(MemoryLayout<warden_syscall_event>.size == 208)
    }

    private func record<T>(_ fixed: T, data: [UInt8]) -> [UInt8] {
        var fixed = fixed
        return withUnsafeBytes(of: &fixed) { Array($0) } + data
    }

    @Test("an exec record decodes every string and flag")
    func decodeExec() throws {
        let data = Array("/bin/x/bin/sh/usr/bin/dash/tmpsh\0./x\0".utf8)
        var e = warden_exec_event()
        e.header.kind = UInt16(WARDEN_EVENT_EXEC.rawValue)
        e.header.flags = UInt16(WARDEN_FLAG_ARGV_TRUNCATED.rawValue | WARDEN_FLAG_AGENT_ROOT.rawValue)
        e.header.exec_id = 9
        e.header.pid = 44
        e.filename = warden_string(offset: 0, length: 6)
        e.interpreter = warden_string(offset: 6, length: 7)
        e.executable_path = warden_string(offset: 13, length: 13)
        e.cwd = warden_string(offset: 26, length: 4)
        e.argv = warden_string(offset: 30, length: 7)
        e.login_uid = UInt32.max
        e.stdio.0.kind = UInt8(WARDEN_FILE_PIPE.rawValue)
        let bytes = record(e, data: data)
        let event = try bytes.withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .exec(let exec) = event else { Issue.record("not an exec: \(event)"); return }
        #expect(exec.filename == "/bin/x")
        #expect(exec.interpreter == "/bin/sh")
        #expect(exec.isScript)
        #expect(exec.executablePath == "/usr/bin/dash")
        #expect(exec.cwd == "/tmp")
        #expect(exec.argv == ["sh", "./x"])
        #expect(exec.argvTruncated && exec.isAgentRoot && !exec.pathTruncated)
        #expect(exec.abi == .native)
        #expect(exec.loginUID == nil)
        #expect(exec.stdio[0].kind == .pipe)
        #expect(exec.process.pid == 44 && exec.process.execID == 9)
    }

    @Test("a syscall record decodes its call, target and path")
    func decodeSyscall() throws {
        var s = warden_syscall_event()
        s.header.kind = UInt16(WARDEN_EVENT_SYSCALL.rawValue)
        s.header.flags = UInt16(WARDEN_FLAG_HELD.rawValue)
        s.syscall = WARDEN_SYSCALL_OPEN_TREE.rawValue
        s.argument = 1
        s.target_flags = WARDEN_TARGET_NONE.rawValue
        s.path = warden_string(offset: 0, length: 9)
        var event = try record(s, data: Array("/home/dev".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let tree) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(tree.syscall == .open_tree && tree.argument == 1 && tree.path.text == "/home/dev" && tree.isHeld)
        #expect(!tree.targetOutsideSession && !tree.targetsWarden)

        s.header.flags = 0
        s.syscall = WARDEN_SYSCALL_PIDFD_SEND_SIGNAL.rawValue
        s.argument = 19
        s.target_pid = 812
        s.target_flags = WARDEN_TARGET_PROCESS.rawValue | WARDEN_TARGET_MONITOR.rawValue
        s.path = warden_string(offset: 0, length: 0)
        event = try record(s, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let signal) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(signal.syscall.sendsSignal && SyscallText.signalName(signal.argument) == "SIGSTOP")
        #expect(signal.targetsWarden && signal.targetOutsideSession && signal.targetPID == 812)

        // A path whose length runs past the record is an error, not a read past the end.
        s.path = warden_string(offset: 0, length: 64)
        #expect(throws: (any Error).self) { try self.record(s, data: Array("/x".utf8)).withUnsafeBytes { try EventDecoder.decode($0) } }
    }

    @Test("a compat record decodes its ABI, number and path; a 32-bit exec its ABI")
    func decodeCompat() throws {
        var s = warden_syscall_event()
        s.header.kind = UInt16(WARDEN_EVENT_SYSCALL.rawValue)
        s.header.flags = UInt16(WARDEN_FLAG_HELD.rawValue)
        s.syscall = WARDEN_SYSCALL_COMPAT.rawValue
        s.abi = WARDEN_ABI_IA32.rawValue
        s.argument = 5
        s.result = 3
        s.path = warden_string(offset: 0, length: 9)
        let event = try record(s, data: Array("/h/.bashrc".utf8.prefix(9))).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let call) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(call.syscall == .compat && call.abi == .ia32 && call.argument == 5 && call.compatName == "open")
        #expect(call.path.text == "/h/.bashr" && call.isHeld)

        s.syscall = WARDEN_SYSCALL_PTRACE.rawValue
        s.abi = WARDEN_ABI_NATIVE.rawValue
        let native = try record(s, data: Array("/h/.bashr".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let ptrace) = native else { Issue.record("not a syscall: \(native)"); return }
        #expect(ptrace.abi == .native && ptrace.compatName == nil)

        var e = warden_exec_event()
        e.header.kind = UInt16(WARDEN_EVENT_EXEC.rawValue)
        e.header.flags = UInt16(WARDEN_FLAG_COMPAT_IMAGE.rawValue)
        let exec = try record(e, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .exec(let image) = exec else { Issue.record("not an exec: \(exec)"); return }
        #expect(image.abi == SyscallABI.host32Bit && image.abi != .native)
    }

    @Test("a unix connect decodes its server: pid, uid, name, socket file and executable identity")
    func decodeUnixConnect() throws {
        var s = warden_syscall_event()
        s.header.kind = UInt16(WARDEN_EVENT_SYSCALL.rawValue)
        s.header.flags = UInt16(WARDEN_FLAG_HELD.rawValue)
        s.syscall = WARDEN_SYSCALL_CONNECT.rawValue
        s.argument = 1
        s.target_pid = 812
        s.target_flags = WARDEN_TARGET_PROCESS.rawValue
        s.target_uid = 1000
        s.socket.kind = UInt8(WARDEN_FILE_SOCKET.rawValue)
        s.socket.inode = 4242
        s.socket.socket_family = 1
        s.target_executable.kind = UInt8(WARDEN_FILE_REGULAR.rawValue)
        s.target_executable.inode = 99
        s.path = warden_string(offset: 0, length: 22)
        var event = try record(s, data: Array("/tmp/tmux-1000/default".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let call) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(call.isUnixConnect && call.socketType == "stream" && !call.isAbstractName && call.isHeld)
        #expect(call.targetPID == 812 && call.targetOutsideSession && call.targetUID == 1000)
        #expect(call.path.text == "/tmp/tmux-1000/default" && call.socket.inode == 4242 && call.socket.socketFamily == 1)
        #expect(call.targetExecutable.inode == 99 && call.targetExecutablePath.isEmpty)

        // An abstract seqpacket name, a server the kernel could not name: no uid, no identities.
        s.argument = 5 | UInt64(WARDEN_UNIX_ABSTRACT.rawValue)
        s.target_uid = UInt32.max
        s.socket = warden_file_identity()
        s.target_executable = warden_file_identity()
        s.path = warden_string(offset: 0, length: 4)
        event = try record(s, data: Array("shim".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let abstract) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(abstract.socketType == "seqpacket" && abstract.isAbstractName && abstract.targetUID == nil)
        #expect(abstract.socket.kind == .none && abstract.targetExecutable.kind == .none)

        // Through int 0x80's socketcall: the same record, with its interface.
        s.abi = WARDEN_ABI_IA32.rawValue
        event = try record(s, data: Array("shim".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let ia32) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(ia32.isUnixConnect && ia32.abi == .ia32 && ia32.compatName == nil)
    }

    @Test("a SIGCONT to a held process decodes its job-control mark")
    func decodeJobControlContinue() throws {
        var s = warden_syscall_event()
        s.header.kind = UInt16(WARDEN_EVENT_SYSCALL.rawValue)
        s.syscall = WARDEN_SYSCALL_KILL.rawValue
        s.argument = 18
        s.target_pid = -812
        s.target_flags = WARDEN_TARGET_PROCESS.rawValue | WARDEN_TARGET_TRACKED.rawValue | WARDEN_TARGET_SAME_SESSION.rawValue
            | WARDEN_TARGET_HELD.rawValue | WARDEN_TARGET_RESTOPPED.rawValue | WARDEN_TARGET_JOB_CONTROL.rawValue
        let event = try record(s, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .syscall(let call) = event else { Issue.record("not a syscall: \(event)"); return }
        #expect(call.target.contains([.held, .restopped, .jobControl]) && !call.target.contains(.senderKilled))
        #expect(SyscallTarget.names.contains { $0.0 == .jobControl && $0.1 == "job_control" })
    }

    @Test("a connect record decodes its peer and the taint; identities carry their origin")
    func decodeConnectAndOrigin() throws {
        var c = warden_connect_event()
        c.header.kind = UInt16(WARDEN_EVENT_CONNECT.rawValue)
        c.header.flags = UInt16(WARDEN_FLAG_NETWORK_TAINT.rawValue)
        c.result = -115
        c.syscall = WARDEN_SYSCALL_CONNECT.rawValue
        c.family = 2
        c.port = 8080
        c.address = (127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let event = try record(c, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .connect(let connect) = event else { Issue.record("not a connect: \(event)"); return }
        #expect(connect.addressText == "127.0.0.1" && connect.port == 8080 && connect.isLoopback)
        #expect(connect.syscall == .connect && !connect.isAccept)
        #expect(connect.process.networkTainted)

        // A receive on an unconnected socket: the peer is unknown; over AF_UNIX there is none.
        c.syscall = WARDEN_SYSCALL_RECV.rawValue
        c.result = 14
        c.port = 0
        c.address = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let received = try record(c, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .connect(let receive) = received else { Issue.record("not a connect: \(received)"); return }
        #expect(receive.syscall == .recv && receive.isReceive && receive.peerUnknown && !receive.isLoopback && receive.result == 14)
        #expect(receive.addressText == "0.0.0.0" && !receive.isLocalHandOff)
        c.family = 1
        let handed = try record(c, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .connect(let handOff) = handed else { Issue.record("not a connect: \(handed)"); return }
        #expect(handOff.isLocalHandOff && handOff.address.isEmpty && handOff.addressText == "")
        c.family = 2
        c.syscall = WARDEN_SYSCALL_SENDTO.rawValue
        let sent = try record(c, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .connect(let fastOpen) = sent else { Issue.record("not a connect: \(sent)"); return }
        #expect(fastOpen.syscall == .sendto && !fastOpen.isReceive && !fastOpen.isAccept)

        var f = warden_file_event()
        f.header.kind = UInt16(WARDEN_EVENT_OPEN.rawValue)
        f.file.kind = UInt8(WARDEN_FILE_REGULAR.rawValue)
        f.file.origin = WARDEN_ORIGIN_NETWORK.rawValue
        f.file.origin_exec_id = 77
        let open = try record(f, data: []).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .open(let file) = open else { Issue.record("not an open: \(open)"); return }
        #expect(file.file.origin == .network && file.file.originExecID == 77)
        #expect(!file.process.networkTainted)
    }

    @Test("strings pointing past the record are rejected, not over-read")
    func outOfBounds() {
        var e = warden_file_event()
        e.header.kind = UInt16(WARDEN_EVENT_OPEN.rawValue)
        e.requested = warden_string(offset: 2, length: 100)
        let bytes = record(e, data: Array("short".utf8))
        #expect(throws: EventDecoder.Failure.stringOutOfBounds) { try bytes.withUnsafeBytes { try EventDecoder.decode($0) } }
    }

    @Test("short and unknown records are rejected")
    func malformed() {
        #expect(throws: EventDecoder.Failure.tooShort(kind: 0, size: 3)) { try [UInt8](repeating: 0, count: 3).withUnsafeBytes { try EventDecoder.decode($0) } }
        var header = warden_event_header()
        header.kind = 99
        let bytes = record(header, data: [])
        #expect(throws: EventDecoder.Failure.unknownKind(99)) { try bytes.withUnsafeBytes { try EventDecoder.decode($0) } }
        header.kind = UInt16(WARDEN_EVENT_EXEC.rawValue)
        let truncated = record(header, data: [])
        #expect(throws: EventDecoder.Failure.tooShort(kind: header.kind, size: 56)) { try truncated.withUnsafeBytes { try EventDecoder.decode($0) } }
    }

    @Test("a failed relative open is made absolute against the directory the kernel resolved")
    func relativeFailure() throws {
        var e = warden_file_event()
        e.header.kind = UInt16(WARDEN_EVENT_OPEN.rawValue)
        e.header.flags = UInt16(WARDEN_FLAG_PATH_IS_BASE.rawValue)
        e.result = -2
        e.requested = warden_string(offset: 0, length: 9)
        e.path = warden_string(offset: 9, length: 8)
        let bytes = record(e, data: Array("../secret/home/ab".utf8))
        let event = try bytes.withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .open(let open) = event else { Issue.record("not an open"); return }
        #expect(open.path == "/home/secret")
        #expect(open.requested == "../secret")
        #expect(!open.succeeded)
    }

    @Test("a file record carries the syscall by Warden's numbering, its open flags and the file's size")
    func decodeFileIdentity() throws {
        var e = warden_file_event()
        e.header.kind = UInt16(WARDEN_EVENT_OPEN.rawValue)
        e.result = 3
        e.syscall = WARDEN_SYSCALL_OPENAT2.rawValue
        e.flags = UInt64(WARDEN_O_WRONLY.rawValue | WARDEN_O_CREAT.rawValue)
        e.file.kind = UInt8(WARDEN_FILE_REGULAR.rawValue)
        e.file.inode = 77
        e.file.size = 5_000_000_123
        e.requested = warden_string(offset: 0, length: 3)
        e.path = warden_string(offset: 3, length: 6)
        let bytes = record(e, data: Array("./x/tmp/x".utf8))
        let event = try bytes.withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .open(let open) = event else { Issue.record("not an open"); return }
        #expect(open.syscall == .openat2)
        #expect(open.isWrite && open.openFlags.contains(.create))
        #expect(open.file.inode == 77 && open.file.size == 5_000_000_123)
        #expect(open.guarded == nil)
    }

    @Test("a file record says which guarded entry the kernel matched, by the file or by its directory")
    func decodeGuarded() throws {
        for (match, expected) in [(WARDEN_GUARDED_FILE, GuardedFile.Match.file), (WARDEN_GUARDED_DIRECTORY, .directory)] {
            var e = warden_file_event()
            e.header.kind = UInt16(WARDEN_EVENT_OPEN.rawValue)
            e.result = 3
            e.guarded_id = 42
            e.guarded_match = match.rawValue
            e.path = warden_string(offset: 0, length: 6)
            let bytes = record(e, data: Array("/tmp/x".utf8))
            let event = try bytes.withUnsafeBytes { try EventDecoder.decode($0) }
            guard case .open(let open) = event else { Issue.record("not an open"); return }
            #expect(open.guarded == GuardedFile(id: 42, match: expected))
        }
    }

    @Test("the guarded prefilter slot is the same function on both sides, spread over the whole filter")
    func guardedFilterSlot() {
        let slots = Set((0..<4096).map { warden_guarded_filter_slot(UInt64(1_000_000 + $0), 259 << 20 | 3) })
        #expect(slots.allSatisfy { $0 < WARDEN_GUARDED_FILTER_WORDS * 64 })
        #expect(slots.count > 3500, "\(slots.count) distinct slots for 4096 neighbouring inodes")
    }

    @Test("exec records carry the executable's and stdio files' sizes")
    func decodeExecSizes() throws {
        var e = warden_exec_event()
        e.header.kind = UInt16(WARDEN_EVENT_EXEC.rawValue)
        e.executable.kind = UInt8(WARDEN_FILE_REGULAR.rawValue)
        e.executable.size = 1_234_567
        e.stdio.2.kind = UInt8(WARDEN_FILE_REGULAR.rawValue)
        e.stdio.2.size = 42
        let bytes = record(e, data: [])
        let event = try bytes.withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .exec(let exec) = event else { Issue.record("not an exec"); return }
        #expect(exec.executable.size == 1_234_567)
        #expect(exec.stdio[2].size == 42 && exec.stdio[0].size == 0)
    }

    @Test("a rename record joins each relative path to its own kernel-resolved directory")
    func decodeRename() throws {
        var e = warden_rename_event()
        e.header.kind = UInt16(WARDEN_EVENT_RENAME.rawValue)
        e.header.flags = UInt16(WARDEN_FLAG_HELD.rawValue)
        e.syscall = WARDEN_SYSCALL_RENAMEAT2.rawValue
        e.operation = WARDEN_RENAME_OP_RENAME.rawValue
        e.flags = 1
        // "sedX1" relative to /w, "../.bashrc" relative to /h/sub; nothing after the last string.
        let data = Array("sedX1/w../.bashrc/h/sub".utf8)
        e.source = warden_string(offset: 0, length: 5)
        e.source_base = warden_string(offset: 5, length: 2)
        e.destination = warden_string(offset: 7, length: 10)
        e.destination_base = warden_string(offset: 17, length: 6)
        let event = try record(e, data: data).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .rename(let r) = event else { Issue.record("not a rename: \(event)"); return }
        #expect(r.source == "/w/sedX1" && r.sourceRequested == "sedX1")
        #expect(r.destination == "/h/.bashrc" && r.destinationRequested == "../.bashrc")
        #expect(r.syscall == .renameat2 && r.operation == .rename && r.flags == 1)
        #expect(r.succeeded && r.isHeld && event.isHeld)
        #expect(r.destinationWrite.path == "/h/.bashrc" && r.destinationWrite.isWrite)
    }

    @Test("a symlink keeps its text as given; absolute paths need no base; failures carry -errno")
    func decodeSymlinkAndLink() throws {
        var e = warden_rename_event()
        e.header.kind = UInt16(WARDEN_EVENT_RENAME.rawValue)
        e.syscall = WARDEN_SYSCALL_SYMLINKAT.rawValue
        e.operation = WARDEN_RENAME_OP_SYMLINK.rawValue
        e.result = -17
        e.source = warden_string(offset: 0, length: 9)
        e.destination = warden_string(offset: 9, length: 7)
        let event = try record(e, data: Array("../evil/x/r/hook".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .rename(let r) = event else { Issue.record("not a rename"); return }
        #expect(r.source == "../evil/x" && r.destination == "/r/hook")
        #expect(r.operation == .symlink && r.syscall == .symlinkat && !r.succeeded)
        e.operation = WARDEN_RENAME_OP_LINK.rawValue
        e.syscall = WARDEN_SYSCALL_LINK.rawValue
        let link = try record(e, data: Array("../evil/x/r/hook".utf8)).withUnsafeBytes { try EventDecoder.decode($0) }
        guard case .rename(let l) = link else { Issue.record("not a rename"); return }
        #expect(l.operation == .link && l.syscall == .link)
    }

    @Test("rename strings past the record and short rename records are rejected")
    func renameBounds() {
        var e = warden_rename_event()
        e.header.kind = UInt16(WARDEN_EVENT_RENAME.rawValue)
        e.destination_base = warden_string(offset: 3, length: 40)
        let bytes = record(e, data: Array("/a/b".utf8))
        #expect(throws: EventDecoder.Failure.stringOutOfBounds) { try bytes.withUnsafeBytes { try EventDecoder.decode($0) } }
        let short = Array(bytes.prefix(80))
        #expect(throws: EventDecoder.Failure.tooShort(kind: e.header.kind, size: 80)) { try short.withUnsafeBytes { try EventDecoder.decode($0) } }
    }
}
