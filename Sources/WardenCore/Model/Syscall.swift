import WardenABI

/// The syscall behind a file or syscall event, by Warden's own numbering (`enum warden_syscall` in
/// warden_abi.h): syscall numbers differ per architecture and are translated in the kernel, so no
/// raw syscall number ever reaches Swift. The raw values are the JSON names.
public enum Syscall: String, Sendable {
    case open, openat, openat2, creat, execve, execveat
    case rename, renameat, renameat2, link, linkat, symlink, symlinkat
    case connect, accept, accept4
    case open_by_handle_at, io_uring_openat
    case io_uring_setup, open_tree, move_mount, fsmount, ptrace, process_vm_readv, process_vm_writev
    case kill, tkill, tgkill, pidfd_send_signal, rt_sigqueueinfo, rt_tgsigqueueinfo
    /// Any call through a compat ABI (`SyscallEvent.abi`); its number is the event's argument.
    case compat
    /// Connect events by other calls than connect and accept: a TCP Fast Open send (sendto,
    /// sendmsg with MSG_FASTOPEN), a ring's connect, and `recv`: the first bytes received from a
    /// peer that is not loopback, or unknown (an unconnected datagram socket), by any receiving call.
    case sendto, sendmsg, io_uring_connect, recv
    case unknown

    /// From the `syscall` field of a file event.
    public init(abi value: UInt32) {
        switch value {
        case WARDEN_SYSCALL_OPEN.rawValue: self = .open
        case WARDEN_SYSCALL_OPENAT.rawValue: self = .openat
        case WARDEN_SYSCALL_OPENAT2.rawValue: self = .openat2
        case WARDEN_SYSCALL_CREAT.rawValue: self = .creat
        case WARDEN_SYSCALL_EXECVE.rawValue: self = .execve
        case WARDEN_SYSCALL_EXECVEAT.rawValue: self = .execveat
        case WARDEN_SYSCALL_RENAME.rawValue: self = .rename
        case WARDEN_SYSCALL_RENAMEAT.rawValue: self = .renameat
        case WARDEN_SYSCALL_RENAMEAT2.rawValue: self = .renameat2
        case WARDEN_SYSCALL_LINK.rawValue: self = .link
        case WARDEN_SYSCALL_LINKAT.rawValue: self = .linkat
        case WARDEN_SYSCALL_SYMLINK.rawValue: self = .symlink
        case WARDEN_SYSCALL_SYMLINKAT.rawValue: self = .symlinkat
        case WARDEN_SYSCALL_CONNECT.rawValue: self = .connect
        case WARDEN_SYSCALL_ACCEPT.rawValue: self = .accept
        case WARDEN_SYSCALL_ACCEPT4.rawValue: self = .accept4
        case WARDEN_SYSCALL_OPEN_BY_HANDLE_AT.rawValue: self = .open_by_handle_at
        case WARDEN_SYSCALL_IO_URING_OPENAT.rawValue: self = .io_uring_openat
        case WARDEN_SYSCALL_IO_URING_SETUP.rawValue: self = .io_uring_setup
        case WARDEN_SYSCALL_OPEN_TREE.rawValue: self = .open_tree
        case WARDEN_SYSCALL_MOVE_MOUNT.rawValue: self = .move_mount
        case WARDEN_SYSCALL_FSMOUNT.rawValue: self = .fsmount
        case WARDEN_SYSCALL_PTRACE.rawValue: self = .ptrace
        case WARDEN_SYSCALL_PROCESS_VM_READV.rawValue: self = .process_vm_readv
        case WARDEN_SYSCALL_PROCESS_VM_WRITEV.rawValue: self = .process_vm_writev
        case WARDEN_SYSCALL_KILL.rawValue: self = .kill
        case WARDEN_SYSCALL_TKILL.rawValue: self = .tkill
        case WARDEN_SYSCALL_TGKILL.rawValue: self = .tgkill
        case WARDEN_SYSCALL_PIDFD_SEND_SIGNAL.rawValue: self = .pidfd_send_signal
        case WARDEN_SYSCALL_RT_SIGQUEUEINFO.rawValue: self = .rt_sigqueueinfo
        case WARDEN_SYSCALL_RT_TGSIGQUEUEINFO.rawValue: self = .rt_tgsigqueueinfo
        case WARDEN_SYSCALL_COMPAT.rawValue: self = .compat
        case WARDEN_SYSCALL_SENDTO.rawValue: self = .sendto
        case WARDEN_SYSCALL_SENDMSG.rawValue: self = .sendmsg
        case WARDEN_SYSCALL_IO_URING_CONNECT.rawValue: self = .io_uring_connect
        case WARDEN_SYSCALL_RECV.rawValue: self = .recv
        default: self = .unknown
        }
    }
}

extension Syscall {
    /// Sends a signal (kill, tkill, tgkill, pidfd_send_signal, rt_(tg)sigqueueinfo).
    public var sendsSignal: Bool {
        switch self {
        case .kill, .tkill, .tgkill, .pidfd_send_signal, .rt_sigqueueinfo, .rt_tgsigqueueinfo: return true
        default: return false
        }
    }
}
