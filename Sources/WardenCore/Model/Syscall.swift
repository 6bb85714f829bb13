import WardenABI

/// The syscall behind a file event, by Warden's own numbering (`enum warden_syscall` in
/// warden_abi.h): syscall numbers differ per architecture and are translated in the kernel, so no
/// raw syscall number ever reaches Swift. The raw values are the JSON names.
public enum Syscall: String, Sendable {
    case open, openat, openat2, creat, execve, execveat
    case rename, renameat, renameat2, link, linkat, symlink, symlinkat
    case connect, accept, accept4
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
        default: self = .unknown
        }
    }
}
