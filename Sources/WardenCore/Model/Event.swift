import WardenABI

/// Who an event belongs to: the process, its place in the lineage and its agent.
public struct ProcessRef: Sendable, Hashable {
    /// CLOCK_BOOTTIME nanoseconds when the kernel recorded the event.
    public var bootTime: UInt64
    public var pid: UInt32
    public var tid: UInt32
    /// The process image (see docs/events.md: unique per boot, so pid reuse cannot confuse lineage).
    public var execID: UInt64
    public var parentExecID: UInt64
    /// exec id of the agent root of this lineage; 0 outside any agent lineage.
    public var sessionID: UInt64
    /// Index into the agent catalog; 0 outside any agent lineage.
    public var agentID: UInt32
    public var cpu: UInt32
    /// The process held network data when the event was made (it connected or accepted an
    /// internet socket, read its stdin from network data, or was forked by a process that had).
    /// On an exec: the image that called exec, whose memory made the new argv and environment.
    /// Never set for an agent root (see bpf/lib/origins.h).
    public var networkTainted: Bool
    /// On an exec: network data the calling image was handed as input (bpf/lib/origins.h).
    public var networkInput: NetworkInput

    public init(bootTime: UInt64, pid: UInt32, tid: UInt32, execID: UInt64, parentExecID: UInt64,
                sessionID: UInt64, agentID: UInt32, cpu: UInt32 = 0, networkTainted: Bool = false,
                networkInput: NetworkInput = []) {
        self.bootTime = bootTime
        self.pid = pid
        self.tid = tid
        self.execID = execID
        self.parentExecID = parentExecID
        self.sessionID = sessionID
        self.agentID = agentID
        self.cpu = cpu
        self.networkTainted = networkTainted
        self.networkInput = networkInput
    }
}

/// A reference type: an exec is shared by the event, the lineage record of its image, and the
/// records of the children forked from it; copying it per field access dominated rule evaluation.
public final class ExecEvent: Sendable {
    public let process: ProcessRef
    public let previousExecID: UInt64
    public let ppid: UInt32
    public let uid: UInt32
    public let euid: UInt32
    public let gid: UInt32
    /// nil when the audit login uid is unset.
    public let loginUID: UInt32?
    public let cgroupID: UInt64
    public let comm: ByteString
    /// The path as passed to execve.
    public let filename: ByteString
    /// The interpreter the kernel ran (from a shebang); equals `filename` for a direct exec.
    public let interpreter: ByteString
    /// The resolved path of the file the kernel runs.
    public let executablePath: ByteString
    public let executable: FileIdentity
    public let cwd: ByteString
    public let argv: [ByteString]
    /// argc as counted by the kernel, even when argv was truncated.
    public let argc: UInt32
    public let stdio: [FileIdentity]
    /// Only the variables in `WatchedEnvironment.names`.
    public let environment: [String: ByteString]
    public let environmentTruncated: Bool
    /// When the environment was truncated: the bytes of whole entries the kernel copied, where
    /// reading the rest from /proc resumes (see `ExecHostFacts`).
    public let environmentCopied: Int
    /// Whether the part of a truncated environment past the kernel's copy was read.
    public let environmentRest: EnvironmentRest
    /// `sitecustomize.py` / `usercustomize.py` files in the directories of an injected
    /// PYTHONPATH, found on the host when the exec arrived: Python imports them at start-up.
    public let pythonStartupHooks: [ByteString]
    public let argvTruncated: Bool
    public let pathTruncated: Bool
    /// This exec made the process the root of a new agent session.
    public let isAgentRoot: Bool
    /// Enforce mode: the kernel stopped the process before its new image ran; it waits for Warden.
    public let isHeld: Bool
    /// The new image is a 32-bit program (ia32, aarch32): its every call goes through a compat
    /// ABI. `.native` for a native image.
    public let abi: SyscallABI

    public init(process: ProcessRef, previousExecID: UInt64 = 0, ppid: UInt32, uid: UInt32 = 0, euid: UInt32 = 0,
                gid: UInt32 = 0, loginUID: UInt32? = nil, cgroupID: UInt64 = 0, comm: ByteString,
                filename: ByteString, interpreter: ByteString, executablePath: ByteString,
                executable: FileIdentity, cwd: ByteString, argv: [ByteString], argc: UInt32? = nil,
                stdio: [FileIdentity] = [.none, .none, .none], environment: [String: ByteString] = [:],
                environmentTruncated: Bool = false, environmentCopied: Int = 0, environmentRest: EnvironmentRest = .notNeeded,
                pythonStartupHooks: [ByteString] = [], argvTruncated: Bool = false,
                pathTruncated: Bool = false, isAgentRoot: Bool = false, isHeld: Bool = false, abi: SyscallABI = .native) {
        self.process = process
        self.previousExecID = previousExecID
        self.ppid = ppid
        self.uid = uid
        self.euid = euid
        self.gid = gid
        self.loginUID = loginUID
        self.cgroupID = cgroupID
        self.comm = comm
        self.filename = filename
        self.interpreter = interpreter
        self.executablePath = executablePath
        self.executable = executable
        self.cwd = cwd
        self.argv = argv
        self.argc = argc ?? UInt32(argv.count)
        self.stdio = stdio
        self.environment = environment
        self.environmentTruncated = environmentTruncated
        self.environmentCopied = environmentCopied
        self.environmentRest = environmentRest
        self.pythonStartupHooks = pythonStartupHooks
        self.argvTruncated = argvTruncated
        self.pathTruncated = pathTruncated
        self.isAgentRoot = isAgentRoot
        self.isHeld = isHeld
        self.abi = abi
    }

    /// A shebang script: the kernel ran an interpreter named in the file's first line.
    public var isScript: Bool { interpreter != filename }

    /// The same exec with what the host told about it (`ExecHostFacts`).
    public func with(environment: [String: ByteString], rest: EnvironmentRest, pythonStartupHooks: [ByteString]) -> ExecEvent {
        ExecEvent(process: process, previousExecID: previousExecID, ppid: ppid, uid: uid, euid: euid, gid: gid,
                  loginUID: loginUID, cgroupID: cgroupID, comm: comm, filename: filename, interpreter: interpreter,
                  executablePath: executablePath, executable: executable, cwd: cwd, argv: argv, argc: argc, stdio: stdio,
                  environment: environment, environmentTruncated: environmentTruncated, environmentCopied: environmentCopied,
                  environmentRest: rest, pythonStartupHooks: pythonStartupHooks, argvTruncated: argvTruncated,
                  pathTruncated: pathTruncated, isAgentRoot: isAgentRoot, isHeld: isHeld, abi: abi)
    }
}

/// The part of a truncated environment that the kernel did not copy.
public enum EnvironmentRest: String, Sendable {
    /// The environment was not truncated, or nothing reads the host (replay, examples).
    case notNeeded = ""
    /// Read from /proc/PID/environ: the watched variables in it are in `environment`.
    case read
    /// Not read: the process was gone or runs another image, or the environment is longer than
    /// Warden reads at all.
    case unread
}

/// Fork, exit and loss records are reference types like the others, so that an `Event` is one
/// tagged pointer: the spine copies events several times each, and copying multi-word payloads
/// cost more than the copies of class references (callgrind).
public final class ForkEvent: Sendable {
    /// The child; its parentExecID is the image that forked it.
    public let process: ProcessRef
    public let parentPID: UInt32

    public init(process: ProcessRef, parentPID: UInt32) {
        self.process = process
        self.parentPID = parentPID
    }
}

public final class ExitEvent: Sendable {
    public let process: ProcessRef
    /// wait(2) status.
    public let status: UInt32

    public init(process: ProcessRef, status: UInt32) {
        self.process = process
        self.status = status
    }

    /// The signal that killed the process, if one did.
    public var signal: Int32? { status & 0x7F == 0 ? nil : Int32(status & 0x7F) }
    /// The exit code, if the process exited normally.
    public var code: Int32? { signal == nil ? Int32((status >> 8) & 0xFF) : nil }
}

/// open, openat, openat2, creat, or an execve/execveat that failed.
/// A reference type, like ExecEvent: rule evaluation reads it many times per event.
public final class FileEvent: Sendable {
    public let process: ProcessRef
    /// The fd, or -errno.
    public let result: Int64
    /// Warden's open-flag bits (`OpenFlags`), the same on every architecture.
    public let flags: UInt64
    public let mode: UInt32
    public let syscall: Syscall
    /// The opened file as the kernel resolved it; `.none` when the call failed.
    public let file: FileIdentity
    /// The kernel-resolved path of the opened file or, for a failed call, the requested path made
    /// absolute against the directory the kernel resolved it from.
    public let path: ByteString
    /// The path argument exactly as the process passed it.
    public let requested: ByteString
    public let pathTruncated: Bool
    public let requestUnreadable: Bool
    /// Enforce mode: the kernel stopped the process before the call returned; it waits for Warden.
    public let isHeld: Bool
    /// The guarded file this file is by identity, whatever name reached it; nil when it is none.
    public let guarded: GuardedFile?

    public init(process: ProcessRef, result: Int64, flags: UInt64 = 0, mode: UInt32 = 0, syscall: Syscall,
                file: FileIdentity = .none, path: ByteString, requested: ByteString,
                pathTruncated: Bool = false, requestUnreadable: Bool = false, isHeld: Bool = false,
                guarded: GuardedFile? = nil) {
        self.process = process
        self.result = result
        self.flags = flags
        self.mode = mode
        self.syscall = syscall
        self.file = file
        self.path = path
        self.requested = requested
        self.pathTruncated = pathTruncated
        self.requestUnreadable = requestUnreadable
        self.isHeld = isHeld
        self.guarded = guarded
    }

    /// The same event with its guarded file resolved.
    public func with(guarded: GuardedFile?) -> FileEvent {
        FileEvent(process: process, result: result, flags: flags, mode: mode, syscall: syscall, file: file, path: path,
                  requested: requested, pathTruncated: pathTruncated, requestUnreadable: requestUnreadable, isHeld: isHeld,
                  guarded: guarded)
    }

    public var succeeded: Bool { result >= 0 }
    public var openFlags: OpenFlags { OpenFlags(rawValue: flags) }
    /// Opened for writing (write-only or read-write), or with O_CREAT or O_TRUNC: the process may change the file.
    public var isWrite: Bool { openFlags.mayWrite }
}

/// What a rename event did to its destination name (`enum warden_rename_operation`).
public enum RenameOperation: String, Sendable {
    /// rename, renameat, renameat2: the source's file now has the destination name.
    case rename
    /// link, linkat: a second name for the source's file.
    case link
    /// symlink, symlinkat: a new symbolic link at the destination whose text is the source.
    case symlink
}

/// rename, renameat, renameat2, link, linkat, symlink, symlinkat: a name made for a file without
/// opening it (`sed -i`, `mv prepared ~/.git/hooks/pre-commit`, `ln x ~/.ssh/authorized_keys`).
public final class RenameEvent: Sendable {
    public let process: ProcessRef
    /// 0, or -errno.
    public let result: Int64
    public let syscall: Syscall
    public let operation: RenameOperation
    /// renameat2's RENAME_* flags, linkat's AT_* flags; else 0.
    public let flags: UInt32
    /// The source made absolute against the directory the kernel resolved it from; a symlink's
    /// text as given (it is never resolved).
    public let source: ByteString
    /// The destination made absolute the same way: the name the file has now.
    public let destination: ByteString
    /// The path arguments exactly as the process passed them.
    public let sourceRequested: ByteString
    public let destinationRequested: ByteString
    public let pathTruncated: Bool
    public let requestUnreadable: Bool
    /// Enforce mode: the kernel stopped the process before the call returned; it waits for Warden.
    public let isHeld: Bool
    /// The destination seen as a file written by this process, so that rules about writes
    /// (`file.path`, `file.write`, ...) judge a rename or link onto a path like an open that
    /// writes it: the content at that name is now what the process chose.
    public let destinationWrite: FileEvent

    public init(process: ProcessRef, result: Int64, syscall: Syscall, operation: RenameOperation, flags: UInt32 = 0,
                source: ByteString, destination: ByteString, sourceRequested: ByteString, destinationRequested: ByteString,
                pathTruncated: Bool = false, requestUnreadable: Bool = false, isHeld: Bool = false,
                guarded: GuardedFile? = nil) {
        self.process = process
        self.result = result
        self.syscall = syscall
        self.operation = operation
        self.flags = flags
        self.source = source
        self.destination = destination
        self.sourceRequested = sourceRequested
        self.destinationRequested = destinationRequested
        self.pathTruncated = pathTruncated
        self.requestUnreadable = requestUnreadable
        self.isHeld = isHeld
        destinationWrite = FileEvent(process: process, result: result, flags: OpenFlags.writeOnly.rawValue | OpenFlags.create.rawValue,
                                     syscall: syscall, path: destination, requested: destinationRequested,
                                     pathTruncated: pathTruncated, requestUnreadable: requestUnreadable, isHeld: isHeld,
                                     guarded: guarded)
    }

    /// The guarded file the destination now names, by identity (the destination's `stat`, made by
    /// Warden after the call: the kernel cannot look a path up at syscall exit). A symlink is
    /// followed, so a new link to a key is the key.
    public var guarded: GuardedFile? { destinationWrite.guarded }

    /// The same event with the destination's guarded file resolved.
    public func with(guarded: GuardedFile?) -> RenameEvent {
        RenameEvent(process: process, result: result, syscall: syscall, operation: operation, flags: flags, source: source,
                    destination: destination, sourceRequested: sourceRequested, destinationRequested: destinationRequested,
                    pathTruncated: pathTruncated, requestUnreadable: requestUnreadable, isHeld: isHeld, guarded: guarded)
    }

    public var succeeded: Bool { result == 0 }
}

/// connect (done or in progress, by connect, a TCP Fast Open send or a ring), accept or accept4 on
/// an internet socket, or the first bytes received from a peer that is not loopback: the process
/// now exchanges data with a network peer, and the kernel has marked it network-tainted (an
/// accept from loopback is reported without tainting).
public final class ConnectEvent: Sendable {
    public let process: ProcessRef
    /// 0 or -EINPROGRESS for connect; the accepted fd for accept; the bytes sent or received for
    /// sendto, sendmsg and recv.
    public let result: Int64
    public let syscall: Syscall
    /// AF_INET (2) or AF_INET6 (10); AF_UNIX (1) for network data received over a local socket.
    public let family: UInt16
    /// The peer's port.
    public let port: UInt16
    /// The peer's address in network byte order: 4 bytes for AF_INET, 16 for AF_INET6, none for AF_UNIX.
    public let address: [UInt8]

    public init(process: ProcessRef, result: Int64, syscall: Syscall, family: UInt16, port: UInt16, address: [UInt8]) {
        self.process = process
        self.result = result
        self.syscall = syscall
        self.family = family
        self.port = port
        self.address = address
    }

    /// The process accepted a connection rather than making one.
    public var isAccept: Bool { syscall == .accept || syscall == .accept4 }

    /// The process was tainted by bytes it received, not by a connect or accept of its own.
    public var isReceive: Bool { syscall == .recv }

    /// The peer is not known: bytes received on an unconnected datagram socket.
    public var peerUnknown: Bool { port == 0 && address.allSatisfy { $0 == 0 } }

    /// Network data received over an AF_UNIX socket from a process that carried it (no address).
    public var isLocalHandOff: Bool { family == 1 }

    /// "93.184.216.34", "2001:db8::1" (the shortest form), "::ffff:127.0.0.1".
    public var addressText: String { NetworkAddress.text(address) }

    /// 127.0.0.0/8, ::1, or an IPv4-mapped loopback.
    public var isLoopback: Bool { NetworkAddress.isLoopback(address) }
}

/// How the target of a syscall event relates to its caller (`enum warden_target_flag`).
public struct SyscallTarget: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The call names a process (or, for kill, a process group or every process).
    public static let process = SyscallTarget(rawValue: WARDEN_TARGET_PROCESS.rawValue)
    /// The target is in some agent lineage.
    public static let tracked = SyscallTarget(rawValue: WARDEN_TARGET_TRACKED.rawValue)
    /// The target is in the caller's own session.
    public static let sameSession = SyscallTarget(rawValue: WARDEN_TARGET_SAME_SESSION.rawValue)
    /// The target is Warden itself.
    public static let monitor = SyscallTarget(rawValue: WARDEN_TARGET_MONITOR.rawValue)
    /// The caller's own thread group.
    public static let selfProcess = SyscallTarget(rawValue: WARDEN_TARGET_SELF.rawValue)
    /// The kernel holds the target for Warden's decision.
    public static let held = SyscallTarget(rawValue: WARDEN_TARGET_HELD.rawValue)
    /// The signal (SIGCONT) would have ended the hold early; the kernel stopped the target again.
    public static let restopped = SyscallTarget(rawValue: WARDEN_TARGET_RESTOPPED.rawValue)
    /// A second SIGCONT to the same hold: the kernel killed the sender.
    public static let senderKilled = SyscallTarget(rawValue: WARDEN_TARGET_SENDER_KILLED.rawValue)
    /// A SIGCONT to a held target from its parent after it collected the target's stop with wait:
    /// job control answering a stop (tmux, script, a shell's `bg`); stopped again, never counted.
    public static let jobControl = SyscallTarget(rawValue: WARDEN_TARGET_JOB_CONTROL.rawValue)

    /// JSON names, in bit order.
    public static let names: [(SyscallTarget, String)] = [
        (.process, "process"), (.tracked, "tracked"), (.sameSession, "same_session"), (.monitor, "monitor"), (.selfProcess, "self"),
        (.held, "held"), (.restopped, "restopped"), (.senderKilled, "sender_killed"), (.jobControl, "job_control"),
    ]
}

/// A call that reaches past files, execs and sockets (`struct warden_syscall_event`): io_uring
/// set up, the mount API, a ptrace attach, another process's memory read or written, a signal
/// sent out of the caller's session or to Warden, or a connect to an AF_UNIX server outside the
/// caller's session (a command broker). At syscall exit: the call has happened.
public final class SyscallEvent: Sendable {
    public let process: ProcessRef
    /// The syscall's return value, or -errno.
    public let result: Int64
    public let syscall: Syscall
    /// ptrace: the request; signals: the signal number; io_uring_setup: its IORING_SETUP_* flags;
    /// open_tree, move_mount, fsmount: their flags; compat: the call's number in `abi`'s numbering;
    /// connect: the socket type and `enum warden_unix_connect_flag` bits (`socketType`, `isAbstractName`).
    public let argument: UInt64
    /// The pid as the caller named it (kill: negative for a process group, -1 for all); connect:
    /// the server's, from the connection's peer credentials; 0 when none.
    public let targetPID: Int64
    /// The target's image when it is tracked; 0 otherwise.
    public let targetExecID: UInt64
    public let target: SyscallTarget
    /// open_tree's path, move_mount's destination, a compat file call's path; connect: the name the
    /// server bound (for an abstract name, the bytes after its leading NUL); empty otherwise.
    public let path: ByteString
    public let pathTruncated: Bool
    /// Enforce mode: the kernel stopped the caller before the call returned; it waits for Warden.
    public let isHeld: Bool
    /// Warden learned in user space that the target is one of its own processes (its guardian):
    /// the kernel only knows Warden's own pid.
    public let targetIsWardenHelper: Bool
    /// The interface the call came through; `.native` for every call but `compat` and a connect
    /// made through the i386 interface.
    public let abi: SyscallABI
    /// connect: the server's effective uid from the connection's peer credentials; nil otherwise.
    public let targetUID: UInt32?
    /// connect: the socket file the server's name is (a filesystem name); `.none` otherwise.
    public let socket: FileIdentity
    /// connect: the server's executable as the kernel found it at the call; `.none` when unknown.
    public let targetExecutable: FileIdentity
    /// connect: the server's executable path, read by Warden from /proc/PID/exe when the event
    /// arrived and kept only when its identity is `targetExecutable` (or the kernel had none);
    /// empty when unknown.
    public let targetExecutablePath: ByteString

    public init(process: ProcessRef, result: Int64, syscall: Syscall, argument: UInt64 = 0, targetPID: Int64 = 0,
                targetExecID: UInt64 = 0, target: SyscallTarget = [], path: ByteString = ByteString(""), pathTruncated: Bool = false,
                isHeld: Bool = false, targetIsWardenHelper: Bool = false, abi: SyscallABI = .native, targetUID: UInt32? = nil,
                socket: FileIdentity = .none, targetExecutable: FileIdentity = .none, targetExecutablePath: ByteString = ByteString("")) {
        self.process = process
        self.result = result
        self.syscall = syscall
        self.argument = argument
        self.targetPID = targetPID
        self.targetExecID = targetExecID
        self.target = target
        self.path = path
        self.pathTruncated = pathTruncated
        self.isHeld = isHeld
        self.targetIsWardenHelper = targetIsWardenHelper
        self.abi = abi
        self.targetUID = targetUID
        self.socket = socket
        self.targetExecutable = targetExecutable
        self.targetExecutablePath = targetExecutablePath
    }

    /// A compat call's name in its ABI's numbering ("open", "socketcall"); nil for native calls.
    public var compatName: String? {
        syscall == .compat ? SyscallText.compatCallName(abi, argument) : nil
    }

    /// A connect to an AF_UNIX stream or seqpacket server (the only connects syscall events carry).
    public var isUnixConnect: Bool { syscall == .connect }

    /// connect: "stream" (SOCK_STREAM) or "seqpacket"; "" otherwise.
    public var socketType: String {
        guard isUnixConnect else { return "" }
        switch argument & UInt64(WARDEN_UNIX_TYPE_MASK.rawValue) {
        case 1: return "stream"
        case 5: return "seqpacket"
        default: return "other"
        }
    }

    /// connect: the server's name is abstract (no file; `path` is what follows its leading NUL).
    public var isAbstractName: Bool { isUnixConnect && argument & UInt64(WARDEN_UNIX_ABSTRACT.rawValue) != 0 }

    /// The last component of `targetExecutablePath`: "tmux", "dockerd".
    public var targetExecutableName: ByteString {
        guard let slash = targetExecutablePath.bytes.lastIndex(of: UInt8(ascii: "/")) else { return targetExecutablePath }
        return ByteString(Array(targetExecutablePath.bytes[(slash + 1)...]))
    }

    /// The target is Warden or one of its helpers.
    public var targetsWarden: Bool { target.contains(.monitor) || targetIsWardenHelper }

    /// The target is a process outside the caller's own session (another agent's, or none).
    public var targetOutsideSession: Bool {
        target.contains(.process) && !target.contains(.sameSession) && !target.contains(.selfProcess)
    }

    /// The same event, knowing whether its target is one of Warden's helper processes.
    public func with(targetIsWardenHelper: Bool) -> SyscallEvent {
        SyscallEvent(process: process, result: result, syscall: syscall, argument: argument, targetPID: targetPID,
                     targetExecID: targetExecID, target: target, path: path, pathTruncated: pathTruncated, isHeld: isHeld,
                     targetIsWardenHelper: targetIsWardenHelper, abi: abi, targetUID: targetUID, socket: socket,
                     targetExecutable: targetExecutable, targetExecutablePath: targetExecutablePath)
    }

    /// The same event, with the server's executable path Warden read.
    public func with(targetExecutablePath: ByteString) -> SyscallEvent {
        SyscallEvent(process: process, result: result, syscall: syscall, argument: argument, targetPID: targetPID,
                     targetExecID: targetExecID, target: target, path: path, pathTruncated: pathTruncated, isHeld: isHeld,
                     targetIsWardenHelper: targetIsWardenHelper, abi: abi, targetUID: targetUID, socket: socket,
                     targetExecutable: targetExecutable, targetExecutablePath: targetExecutablePath)
    }
}

/// Records the kernel could not deliver since the last report, summed over CPUs.
public final class LossReport: Sendable, Equatable {
    public let bootTime: UInt64
    public let ringBufferDrops: UInt64
    public let processTableFull: UInt64
    /// `ringBufferDrops` by kind, indexed by `EventKind.position`.
    public let droppedByKind: [UInt64]

    public static func == (a: LossReport, b: LossReport) -> Bool {
        a.bootTime == b.bootTime && a.ringBufferDrops == b.ringBufferDrops && a.processTableFull == b.processTableFull
            && a.droppedByKind == b.droppedByKind
    }

    public init(bootTime: UInt64, ringBufferDrops: UInt64, processTableFull: UInt64, droppedByKind: [UInt64] = []) {
        self.bootTime = bootTime
        self.ringBufferDrops = ringBufferDrops
        self.processTableFull = processTableFull
        self.droppedByKind = droppedByKind.count == EventKind.allCases.count
            ? droppedByKind : Array(repeating: 0, count: EventKind.allCases.count)
    }

    public var isEmpty: Bool { ringBufferDrops == 0 && processTableFull == 0 }

    /// Records of `kind` the kernel dropped.
    public subscript(dropped kind: EventKind) -> UInt64 { droppedByKind[kind.position] }

    /// The kinds that lost records, with their counts: "open 1234, exec 2".
    public var droppedKindsText: String {
        EventKind.allCases.filter { self[dropped: $0] > 0 }.map { "\($0.name) \(self[dropped: $0])" }.joined(separator: ", ")
    }

    /// What was lost since `earlier` (counters only grow).
    public func since(_ earlier: LossReport) -> LossReport {
        LossReport(bootTime: bootTime, ringBufferDrops: ringBufferDrops - min(ringBufferDrops, earlier.ringBufferDrops),
                   processTableFull: processTableFull - min(processTableFull, earlier.processTableFull),
                   droppedByKind: zip(droppedByKind, earlier.droppedByKind).map { $0 - min($0, $1) })
    }
}

public enum Event: Sendable {
    case exec(ExecEvent)
    case fork(ForkEvent)
    case exit(ExitEvent)
    case open(FileEvent)
    case execFailed(FileEvent)
    case rename(RenameEvent)
    case connect(ConnectEvent)
    case syscall(SyscallEvent)
    case loss(LossReport)

    /// The kernel record kind; nil for loss reports, which Warden makes from the kernel's counters.
    public var kind: EventKind? {
        switch self {
        case .exec: return .exec
        case .fork: return .fork
        case .exit: return .exit
        case .open: return .open
        case .execFailed: return .execFailed
        case .rename: return .rename
        case .connect: return .connect
        case .syscall: return .syscall
        case .loss: return nil
        }
    }

    /// The `type` of a loss report in the JSON schema (kinds name themselves).
    public static let lossTypeName = "loss"

    /// The `type` field of the JSON schema.
    public var typeName: String { kind?.name ?? Self.lossTypeName }

    /// An open, or a rename/link/symlink: the process acts on a file it can use once it runs on.
    public var changesOrOpensFile: Bool {
        switch self {
        case .open, .rename: return true
        default: return false
        }
    }

    /// Enforce mode: the kernel stopped the process at this event until Warden decides.
    public var isHeld: Bool {
        switch self {
        case .exec(let e): return e.isHeld
        case .open(let e): return e.isHeld
        case .rename(let e): return e.isHeld
        case .syscall(let e): return e.isHeld
        default: return false
        }
    }

    public var process: ProcessRef? {
        switch self {
        case .exec(let e): return e.process
        case .fork(let e): return e.process
        case .exit(let e): return e.process
        case .open(let e), .execFailed(let e): return e.process
        case .rename(let e): return e.process
        case .connect(let e): return e.process
        case .syscall(let e): return e.process
        case .loss: return nil
        }
    }
}
