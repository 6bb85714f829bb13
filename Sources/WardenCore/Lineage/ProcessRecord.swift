/// What Warden remembers of one process image, for ancestry in alerts and lineage in output.
///
/// A reference type: the lineage table, the rule context, provenance and alerts all hold the same
/// record, and copying a struct of five reference-counted fields per look-up was a large part of
/// rule evaluation. Immutable except `ended`, which only ProcessTable sets, on the polling thread.
public final class ProcessRecord: @unchecked Sendable {
    public let execID: UInt64
    public let parentExecID: UInt64
    public let sessionID: UInt64
    public let agentID: UInt32
    public let pid: UInt32
    public let executablePath: ByteString
    public let argv: [ByteString]
    /// The image ended: the process exited or replaced it with another exec.
    public internal(set) var ended: Bool
    /// The exec that started this image; nil for images seeded from /proc.
    public let exec: ExecEvent?
    /// Watched environment variables (from the exec, or from /proc for seeded images).
    public let environment: [String: ByteString]
    /// Working directory at exec (or when seeded); an agent root's is its workspace.
    public let cwd: ByteString?

    public init(execID: UInt64, parentExecID: UInt64, sessionID: UInt64, agentID: UInt32, pid: UInt32,
                executablePath: ByteString, argv: [ByteString], ended: Bool = false,
                exec: ExecEvent? = nil, environment: [String: ByteString]? = nil, cwd: ByteString? = nil) {
        self.execID = execID
        self.parentExecID = parentExecID
        self.sessionID = sessionID
        self.agentID = agentID
        self.pid = pid
        self.executablePath = executablePath
        self.argv = argv
        self.ended = ended
        self.exec = exec
        self.environment = environment ?? exec?.environment ?? [:]
        self.cwd = cwd ?? exec?.cwd
    }

    /// The program name a person recognises: argv[0]'s last component, else the executable's.
    public var name: ByteString {
        if let first = argv.first, !first.isEmpty { return first.lastPathComponent }
        return executablePath.lastPathComponent
    }
}
