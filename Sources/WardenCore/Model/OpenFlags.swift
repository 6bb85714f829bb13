import WardenABI

/// The open flags of a file event, in Warden's own bits (`WARDEN_O_*` in warden_abi.h). The
/// kernel side translates the architecture's O_* values into these, so they mean the same on
/// x86_64 and arm64; they equal the generic (x86_64) values.
public struct OpenFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    private init(_ flag: warden_open_flag) {
        rawValue = UInt64(flag.rawValue)
    }

    /// The access mode is a two-bit value, not a set: compare `accessMode` with these.
    public static let accessModeMask = OpenFlags(WARDEN_O_ACCMODE)
    public static let readOnly = OpenFlags(WARDEN_O_RDONLY)
    public static let writeOnly = OpenFlags(WARDEN_O_WRONLY)
    public static let readWrite = OpenFlags(WARDEN_O_RDWR)

    public static let create = OpenFlags(WARDEN_O_CREAT)
    public static let exclusive = OpenFlags(WARDEN_O_EXCL)
    public static let noControllingTerminal = OpenFlags(WARDEN_O_NOCTTY)
    public static let truncate = OpenFlags(WARDEN_O_TRUNC)
    public static let append = OpenFlags(WARDEN_O_APPEND)
    public static let nonBlocking = OpenFlags(WARDEN_O_NONBLOCK)
    public static let dataSync = OpenFlags(WARDEN_O_DSYNC)
    public static let direct = OpenFlags(WARDEN_O_DIRECT)
    public static let largeFile = OpenFlags(WARDEN_O_LARGEFILE)
    public static let directory = OpenFlags(WARDEN_O_DIRECTORY)
    public static let noFollow = OpenFlags(WARDEN_O_NOFOLLOW)
    public static let noAccessTime = OpenFlags(WARDEN_O_NOATIME)
    public static let closeOnExec = OpenFlags(WARDEN_O_CLOEXEC)
    /// The kernel's __O_SYNC bit: O_SYNC is this together with `dataSync`.
    public static let sync = OpenFlags(WARDEN_O_SYNC)
    public static let path = OpenFlags(WARDEN_O_PATH)
    /// The kernel's __O_TMPFILE bit: O_TMPFILE is this together with `directory`.
    public static let temporaryFile = OpenFlags(WARDEN_O_TMPFILE)

    /// `readOnly`, `writeOnly` or `readWrite` (3 is a Linux special: write access checked, no read or write).
    public var accessMode: OpenFlags { intersection(.accessModeMask) }

    /// Write access, creation or truncation: the process may change the file.
    public var mayWrite: Bool { accessMode != .readOnly || !isDisjoint(with: [.create, .truncate]) }
}
