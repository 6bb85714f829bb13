import WardenABI
import WardenCore

/// Turns one ring-buffer record into a typed event. Records are checked against their declared
/// sizes before any field is read, so a short or inconsistent record is rejected, never over-read.
public enum EventDecoder {
    public enum Failure: Error, Equatable {
        case tooShort(kind: UInt16, size: Int)
        case unknownKind(UInt16)
        case stringOutOfBounds
    }

    public static func decode(_ record: UnsafeRawBufferPointer) throws(Failure) -> Event {
        guard record.count >= MemoryLayout<warden_event_header>.size else {
            throw .tooShort(kind: 0, size: record.count)
        }
        let header = record.loadUnaligned(as: warden_event_header.self)
        switch Int(header.kind) {
        case Int(WARDEN_EVENT_EXEC.rawValue):
            return .exec(try decodeExec(record, header))
        case Int(WARDEN_EVENT_FORK.rawValue):
            let e = try load(warden_fork_event.self, from: record, kind: header.kind)
            return .fork(ForkEvent(process: processRef(e.header), parentPID: e.parent_pid))
        case Int(WARDEN_EVENT_EXIT.rawValue):
            let e = try load(warden_exit_event.self, from: record, kind: header.kind)
            return .exit(ExitEvent(process: processRef(e.header), status: e.exit_status))
        case Int(WARDEN_EVENT_OPEN.rawValue):
            return .open(try decodeFile(record, header))
        case Int(WARDEN_EVENT_EXEC_FAILED.rawValue):
            return .execFailed(try decodeFile(record, header))
        case Int(WARDEN_EVENT_RENAME.rawValue):
            return .rename(try decodeRename(record, header))
        case Int(WARDEN_EVENT_CONNECT.rawValue):
            let e = try load(warden_connect_event.self, from: record, kind: header.kind)
            let address = withUnsafeBytes(of: e.address) { Array($0) }
            return .connect(ConnectEvent(process: processRef(header), result: e.result, syscall: Syscall(abi: e.syscall),
                                         family: e.family, port: e.port,
                                         address: e.family == 2 ? Array(address.prefix(4)) : e.family == 10 ? address : []))
        case Int(WARDEN_EVENT_SYSCALL.rawValue):
            let e = try load(warden_syscall_event.self, from: record, kind: header.kind)
            let data = UnsafeRawBufferPointer(rebasing: record[MemoryLayout<warden_syscall_event>.size...])
            return .syscall(SyscallEvent(process: processRef(header), result: e.result, syscall: Syscall(abi: e.syscall),
                                         argument: e.argument, targetPID: e.target_pid, targetExecID: e.target_exec_id,
                                         target: SyscallTarget(rawValue: e.target_flags), path: try string(e.path, in: data),
                                         pathTruncated: UInt32(header.flags) & WARDEN_FLAG_PATH_TRUNCATED.rawValue != 0,
                                         isHeld: UInt32(header.flags) & WARDEN_FLAG_HELD.rawValue != 0,
                                         abi: SyscallABI(abi: e.abi),
                                         targetUID: e.target_uid == UInt32.max ? nil : e.target_uid,
                                         socket: identity(e.socket), targetExecutable: identity(e.target_executable)))
        default:
            throw .unknownKind(header.kind)
        }
    }

    private static func load<T>(_ type: T.Type, from record: UnsafeRawBufferPointer, kind: UInt16) throws(Failure) -> T {
        guard record.count >= MemoryLayout<T>.size else { throw .tooShort(kind: kind, size: record.count) }
        return record.loadUnaligned(as: T.self)
    }

    private static func decodeExec(_ record: UnsafeRawBufferPointer, _ header: warden_event_header) throws(Failure) -> ExecEvent {
        let e = try load(warden_exec_event.self, from: record, kind: header.kind)
        let data = UnsafeRawBufferPointer(rebasing: record[MemoryLayout<warden_exec_event>.size...])
        let filename = try string(e.filename, in: data)
        let argvBytes = try bytes(e.argv, in: data)
        let flags = UInt32(header.flags)
        let environmentBytes = try bytes(e.env, in: data)[...]
        let environmentTruncated = flags & WARDEN_FLAG_ENV_TRUNCATED.rawValue != 0
        // A cut environment ends inside an entry: that entry's value is not what the process
        // has, so only whole entries count, and the rest is read from /proc (ExecHostFacts).
        let whole = environmentTruncated ? WatchedEnvironment.wholeEntriesLength(environmentBytes) : environmentBytes.count
        return ExecEvent(
            process: processRef(header),
            previousExecID: e.previous_exec_id,
            ppid: e.ppid, uid: e.uid, euid: e.euid, gid: e.gid,
            loginUID: e.login_uid == UInt32.max ? nil : e.login_uid,
            cgroupID: e.cgroup_id,
            comm: ByteString(withUnsafeBytes(of: e.comm) { Array($0.prefix { $0 != 0 }) }),
            filename: filename,
            interpreter: try string(e.interpreter, in: data),
            executablePath: try string(e.executable_path, in: data),
            executable: identity(e.executable),
            cwd: try string(e.cwd, in: data),
            argv: ByteString.splitArguments(argvBytes[...]),
            argc: e.argc,
            stdio: [identity(e.stdio.0), identity(e.stdio.1), identity(e.stdio.2)],
            environment: WatchedEnvironment.extract(environmentBytes.prefix(whole)),
            environmentTruncated: environmentTruncated,
            environmentCopied: whole,
            argvTruncated: flags & WARDEN_FLAG_ARGV_TRUNCATED.rawValue != 0,
            pathTruncated: flags & WARDEN_FLAG_PATH_TRUNCATED.rawValue != 0,
            isAgentRoot: flags & WARDEN_FLAG_AGENT_ROOT.rawValue != 0,
            isHeld: flags & WARDEN_FLAG_HELD.rawValue != 0,
            abi: flags & WARDEN_FLAG_COMPAT_IMAGE.rawValue != 0 ? .host32Bit : .native
        )
    }

    private static func decodeFile(_ record: UnsafeRawBufferPointer, _ header: warden_event_header) throws(Failure) -> FileEvent {
        let e = try load(warden_file_event.self, from: record, kind: header.kind)
        let data = UnsafeRawBufferPointer(rebasing: record[MemoryLayout<warden_file_event>.size...])
        let flags = UInt32(header.flags)
        let requested = try string(e.requested, in: data)
        var path = try string(e.path, in: data)
        if flags & WARDEN_FLAG_PATH_IS_BASE.rawValue != 0 {
            path = PathJoin.lexical(base: path, relative: requested)
        } else if path.isEmpty {
            path = requested
        }
        return FileEvent(
            process: processRef(header),
            result: e.result, flags: e.flags, mode: e.mode,
            syscall: Syscall(abi: e.syscall),
            file: identity(e.file),
            path: path, requested: requested,
            pathTruncated: flags & WARDEN_FLAG_PATH_TRUNCATED.rawValue != 0,
            requestUnreadable: flags & WARDEN_FLAG_REQUEST_UNREADABLE.rawValue != 0,
            isHeld: flags & WARDEN_FLAG_HELD.rawValue != 0,
            guarded: guarded(id: e.guarded_id, match: e.guarded_match)
        )
    }

    /// The kernel's id only: user space's guarded table knows the canonical path (`GuardedFiles`).
    private static func guarded(id: UInt32, match: UInt32) -> GuardedFile? {
        switch match {
        case WARDEN_GUARDED_FILE.rawValue: return GuardedFile(id: id, match: .file)
        case WARDEN_GUARDED_DIRECTORY.rawValue: return GuardedFile(id: id, match: .directory)
        default: return nil
        }
    }

    private static func decodeRename(_ record: UnsafeRawBufferPointer, _ header: warden_event_header) throws(Failure) -> RenameEvent {
        let e = try load(warden_rename_event.self, from: record, kind: header.kind)
        let data = UnsafeRawBufferPointer(rebasing: record[MemoryLayout<warden_rename_event>.size...])
        let flags = UInt32(header.flags)
        let source = try string(e.source, in: data), destination = try string(e.destination, in: data)
        let sourceBase = try string(e.source_base, in: data), destinationBase = try string(e.destination_base, in: data)
        let operation: RenameOperation
        switch e.operation {
        case WARDEN_RENAME_OP_LINK.rawValue: operation = .link
        case WARDEN_RENAME_OP_SYMLINK.rawValue: operation = .symlink
        default: operation = .rename
        }
        return RenameEvent(
            process: processRef(header), result: e.result, syscall: Syscall(abi: e.syscall), operation: operation,
            flags: e.flags,
            source: sourceBase.isEmpty ? source : PathJoin.lexical(base: sourceBase, relative: source),
            destination: destinationBase.isEmpty ? destination : PathJoin.lexical(base: destinationBase, relative: destination),
            sourceRequested: source, destinationRequested: destination,
            pathTruncated: flags & WARDEN_FLAG_PATH_TRUNCATED.rawValue != 0,
            requestUnreadable: flags & WARDEN_FLAG_REQUEST_UNREADABLE.rawValue != 0,
            isHeld: flags & WARDEN_FLAG_HELD.rawValue != 0
        )
    }

    private static func processRef(_ h: warden_event_header) -> ProcessRef {
        ProcessRef(bootTime: h.time_ns, pid: h.pid, tid: h.tid, execID: h.exec_id, parentExecID: h.parent_exec_id,
                   sessionID: h.session_id, agentID: h.agent_id, cpu: h.cpu,
                   networkTainted: UInt32(h.flags) & WARDEN_FLAG_NETWORK_TAINT.rawValue != 0,
                   networkInput: networkInput(UInt32(h.flags)))
    }

    private static func networkInput(_ flags: UInt32) -> NetworkInput {
        var input: NetworkInput = []
        if flags & WARDEN_FLAG_NETWORK_STDIN_INPUT.rawValue != 0 { input.insert(.stdin) }
        if flags & WARDEN_FLAG_NETWORK_FILE_INPUT.rawValue != 0 { input.insert(.file) }
        return input
    }

    private static func bytes(_ s: warden_string, in data: UnsafeRawBufferPointer) throws(Failure) -> [UInt8] {
        let start = Int(s.offset)
        let end = start + Int(s.length)
        guard end <= data.count else { throw .stringOutOfBounds }
        return Array(data[start..<end])
    }

    private static func string(_ s: warden_string, in data: UnsafeRawBufferPointer) throws(Failure) -> ByteString {
        ByteString(try bytes(s, in: data))
    }

    private static func identity(_ id: warden_file_identity) -> FileIdentity {
        let kind: FileKind
        switch UInt32(id.kind) {
        case WARDEN_FILE_REGULAR.rawValue: kind = .regular
        case WARDEN_FILE_PIPE.rawValue: kind = .pipe
        case WARDEN_FILE_SOCKET.rawValue: kind = .socket
        case WARDEN_FILE_CHAR_DEVICE.rawValue: kind = .charDevice
        case WARDEN_FILE_DIRECTORY.rawValue: kind = .directory
        case WARDEN_FILE_NONE.rawValue: kind = .none
        default: kind = .other
        }
        return FileIdentity(kind: kind, inode: id.inode, device: id.dev, rdev: id.rdev, links: id.nlink, mode: id.mode,
                            socketFamily: id.socket_family, size: id.size,
                            origin: DataOrigin(rawValue: id.origin), originExecID: id.origin_exec_id,
                            changeStamp: id.change_stamp)
    }
}
