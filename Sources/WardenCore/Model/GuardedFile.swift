/// Which guarded file an event's file is, decided by identity (device + inode), never by name:
/// the kernel looks the opened file up in the guarded table (`enum warden_guarded_match`), and a
/// rename's destination is looked up by the identity `stat` finds (see `GuardedFiles`).
public struct GuardedFile: Sendable, Hashable {
    public enum Match: String, Sendable, CaseIterable {
        /// The file's own identity is guarded (a guarded file, or a file found in a guarded directory).
        case file
        /// The file is directly inside a guarded directory (covers files created after Warden started).
        case directory
    }

    /// The guarded table's id (this run's; meaningless across runs).
    public var id: UInt32
    public var match: Match
    /// The canonical path the identity was guarded under: for a directory match, the guarded
    /// directory joined with the file's name. Empty until user space resolved the id.
    public var path: ByteString

    public init(id: UInt32, match: Match, path: ByteString = ByteString([])) {
        self.id = id
        self.match = match
        self.path = path
    }
}
