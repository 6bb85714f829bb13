/// What kind of object a file descriptor or executable refers to.
public enum FileKind: String, Sendable, CaseIterable {
    case none, regular, pipe, socket, charDevice = "char", directory, other
}

/// A file as the kernel identifies it: device and inode, never its name.
public struct FileIdentity: Sendable, Hashable {
    public var kind: FileKind
    public var inode: UInt64
    /// Kernel encoding: major << 20 | minor.
    public var device: UInt32
    public var rdev: UInt32
    /// Hard links; 0 for memfd and deleted files.
    public var links: UInt32
    public var mode: UInt16
    /// For sockets: AF_UNIX (1), AF_INET (2), AF_INET6 (10), ...
    public var socketFamily: UInt8
    /// The inode's size (i_size) when the kernel made the event: bytes of a regular file.
    public var size: UInt64
    /// Where a regular file's or a pipe's content came from, as the kernel recorded it.
    public var origin: DataOrigin
    /// The image whose write gave it `origin`; 0 when there is none.
    public var originExecID: UInt64
    /// Changes whenever the inode changes (its ctime, folded to 32 bits; 0 where unknown, as in
    /// replay): with the identity, it tells a file rewritten in place from the version that was
    /// read before. Not exported; ctime cannot be set from user space as mtime can.
    public var changeStamp: UInt32

    public init(kind: FileKind, inode: UInt64, device: UInt32, rdev: UInt32 = 0, links: UInt32 = 1, mode: UInt16 = 0,
                socketFamily: UInt8 = 0, size: UInt64 = 0, origin: DataOrigin = [], originExecID: UInt64 = 0,
                changeStamp: UInt32 = 0) {
        self.kind = kind
        self.inode = inode
        self.device = device
        self.rdev = rdev
        self.links = links
        self.mode = mode
        self.socketFamily = socketFamily
        self.size = size
        self.origin = origin
        self.originExecID = originExecID
        self.changeStamp = changeStamp
    }

    public static let none = FileIdentity(kind: .none, inode: 0, device: 0, links: 0)

    public var deviceMajor: UInt32 { device >> 20 }
    public var deviceMinor: UInt32 { device & 0xFFFFF }
    public var rdevMajor: UInt32 { rdev >> 20 }
    public var rdevMinor: UInt32 { rdev & 0xFFFFF }

    /// True for a terminal: a pty (majors 136-143), a virtual console (4) or /dev/tty, /dev/console (5).
    public var isTerminal: Bool {
        kind == .charDevice && ((136...143).contains(rdevMajor) || rdevMajor == 4 || (rdevMajor == 5 && rdevMinor <= 1))
    }

    /// How a person would name what a stdio descriptor is connected to.
    public var stdioDescription: String {
        switch kind {
        case .charDevice where isTerminal: return "tty"
        case .charDevice where rdevMajor == 1 && rdevMinor == 3: return "null"
        case .socket where socketFamily == 1: return "unix-socket"
        case .socket where socketFamily == 2 || socketFamily == 10: return "inet-socket"
        default: return kind.rawValue
        }
    }

    /// Converts a glibc `st_dev` into the kernel encoding used by the BPF programs.
    public static func kernelDevice(fromStatDevice dev: UInt64) -> UInt32 {
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
        let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
        return UInt32(truncatingIfNeeded: (major << 20) | (minor & 0xFFFFF))
    }
}
