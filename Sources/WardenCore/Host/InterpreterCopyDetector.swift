import Dispatch
import Synchronization

/// Decides whether executables are byte-for-byte copies of the host's interpreters (a renamed
/// `/tmp/.cache-helper` that is dash) on a worker of its own: reading an executable takes
/// milliseconds and touches the file system, which the poll thread never does. The poll thread
/// asks and later collects the answers.
public final class InterpreterCopyDetector: Sendable {
    public struct Candidate: Sendable {
        public var path: String
        public var kind: InterpreterKind
    }

    struct Question: Sendable {
        var pid: UInt32
        var identity: FileIdentity
        var path: String
        var candidates: [Candidate]
    }

    struct Answer: Sendable {
        var key: FileKey
        /// nil: not a copy of any candidate (or unreadable: judged as what its name says).
        var kind: InterpreterKind?
    }

    private let queue = DispatchQueue(label: "warden.interpreter-copies", qos: .userInitiated)
    private let answers = Mutex<[Answer]>([])
    /// Interpreters are a few MiB; anything far larger is not a copy of one.
    private static let sizeLimit = 256 << 20

    public init() {}

    func ask(_ question: Question) {
        queue.async {
            let answer = Answer(key: FileKey(question.identity), kind: Self.copiedInterpreter(question))
            self.answers.withLock { $0.append(answer) }
        }
    }

    /// The answers that arrived since the last call.
    func takeAnswers() -> [Answer] {
        answers.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }

    /// Returns once every question asked so far is answered (replay, tests).
    public func waitForAnswers() {
        queue.sync {}
    }

    private static func copiedInterpreter(_ question: Question) -> InterpreterKind? {
        guard let contents = ExecutableContents.read(pid: question.pid, identity: question.identity, path: question.path,
                                                     limit: sizeLimit) else { return nil }
        return question.candidates.first { candidate in
            ExecutableContents.readIfIdentical(candidate.path, identity: nil, limit: sizeLimit) == contents
        }?.kind
    }
}

/// A file's identity as a dictionary key.
struct FileKey: Hashable, Sendable {
    var device: UInt32
    var inode: UInt64

    init(_ identity: FileIdentity) {
        device = identity.device
        inode = identity.inode
    }
}
