import Dispatch
import Glibc
import Synchronization

/// Recognises interpreters by content, on a worker of its own: reading an executable's headers
/// touches the file system, which the poll thread never does. The poll thread asks about an
/// executable it does not know and later collects the answer; the doorbell wakes it.
///
/// An executable is an interpreter of kind K when (`ExecutableFingerprint`):
/// 1. its build-id is the build-id of one of the host's interpreters of kind K (renamed copies,
///    copies padded or patched outside the headers);
/// 2. its `main` hands its argv to K's runtime (any CPython, perl, ruby, node, php, tclsh build:
///    pyenv, conda, venv copies, nvm);
/// 3. its machine code is, at 90% of its bytes or more, that of a host interpreter of kind K,
///    offset for offset (the build-id note stripped or altered, instructions or padding patched,
///    bytes appended to the segment). Changing more than a tenth of a program's machine code
///    without breaking it is rebuilding it.
/// What none of these recognise (an interpreter built by the attacker, a shell with its code
/// changed) is left to the rules on origins: the file had to be written or downloaded first.
public final class InterpreterContentDetector: Sendable {
    public struct Candidate: Sendable {
        public var path: String
        public var kind: ContentKind
    }

    /// What a question is about, and the key its answer is cached under.
    enum Subject: Hashable, Sendable {
        /// An exec'd file, as the kernel identified it (a changed file has another change stamp).
        case executable(ExecutableVersion)
        /// The program the dynamic loader was asked to run, by the loader exec's id (only a path
        /// is known of it).
        case loaderProgram(execID: UInt64)
    }

    struct Question: Sendable {
        var subject: Subject
        /// The exec's executable: awaiting execs are looked at again when it is settled.
        var settles: FileKey
        var pid: UInt32
        /// The kernel's identity of the file; nil for a loader's program (only its path is known).
        var identity: FileIdentity?
        /// Paths to try in order: the process's view (/proc/PID/exe, /proc/PID/cwd/...), then the
        /// path from the event.
        var paths: [String]
    }

    struct Answer: Sendable {
        var subject: Subject
        var settles: FileKey
        /// nil: none of the kinds looked for (or unreadable: judged as what its name says).
        var kind: ContentKind?
    }

    /// The host's interpreters, fingerprinted once, on the worker, when first needed.
    private struct Known {
        var byBuildID: [[UInt8]: ContentKind] = [:]
        var codes: [(path: String, code: Range<UInt64>, kind: ContentKind)] = []
    }

    private let candidates: [Candidate]
    private let doorbell: Doorbell?
    private let queue = DispatchQueue(label: "warden.interpreter-content", qos: .userInitiated)
    private let answers = Mutex<[Answer]>([])
    private let known = Mutex<Known?>(nil)
    /// Code segments beyond this are not compared (interpreters' are a few MiB).
    private static let codeLimit: UInt64 = 64 << 20

    public init(candidates: [Candidate], doorbell: Doorbell? = nil) {
        self.candidates = candidates
        self.doorbell = doorbell
        // The host's interpreters are read before the first question, not while it waits.
        queue.async { _ = self.knownInterpreters() }
    }

    func ask(_ question: Question) {
        queue.async {
            let answer = Answer(subject: question.subject, settles: question.settles, kind: self.recognise(question))
            self.answers.withLock { $0.append(answer) }
            self.doorbell?.ring()
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

    private func recognise(_ question: Question) -> ContentKind? {
        for path in question.paths {
            guard let fd = ExecutableContents.openIfIdentical(path, identity: question.identity) else { continue }
            defer { close(fd) }
            return ExecutableFingerprint.read(fd: fd).flatMap { kind(of: $0, fd: fd) }
        }
        return nil
    }

    private func kind(of fingerprint: ExecutableFingerprint, fd: Int32) -> ContentKind? {
        let known = knownInterpreters()
        if !fingerprint.buildID.isEmpty, let kind = known.byBuildID[fingerprint.buildID] { return kind }
        if let kind = fingerprint.embeddedKind { return kind }
        if let code = fingerprint.code, code.count > 0, UInt64(code.count) <= Self.codeLimit {
            // Only programs of about the same code size can share 90% of it offset for offset.
            let peers = known.codes.filter { abs($0.code.count - code.count) <= $0.code.count / 16 }
            if !peers.isEmpty, let bytes = ELFFile(fd: fd).bytes(at: code.lowerBound, count: UInt64(code.count)) {
                for peer in peers {
                    guard let peerFD = ExecutableContents.openIfIdentical(peer.path, identity: nil) else { continue }
                    defer { close(peerFD) }
                    guard let theirs = ELFFile(fd: peerFD).bytes(at: peer.code.lowerBound, count: UInt64(peer.code.count)) else { continue }
                    if Self.sameCode(bytes, theirs) { return peer.kind }
                }
            }
        }
        return Self.saysBusyBox(fd) ? .busybox : nil
    }

    /// At least 90% of `theirs` is equal to `ours` at the same offsets.
    static func sameCode(_ ours: [UInt8], _ theirs: [UInt8]) -> Bool {
        let common = min(ours.count, theirs.count)
        var equal = 0
        ours.withUnsafeBufferPointer { a in
            theirs.withUnsafeBufferPointer { b in
                for index in 0..<common where a[index] == b[index] { equal += 1 }
            }
        }
        return equal * 10 >= theirs.count * 9
    }

    /// Busybox prints its banner from its own read-only data; a copy with its build-id and code
    /// changed still carries it. Only files of a busybox's size are searched.
    private static func saysBusyBox(_ fd: Int32) -> Bool {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0, st.st_size <= 4 << 20,
              let bytes = ELFFile(fd: fd).bytes(at: 0, count: UInt64(st.st_size)) else { return false }
        return ByteSearch(Array("BusyBox v".utf8)).occurs(in: bytes)
    }

    private func knownInterpreters() -> Known {
        if let known = known.withLock({ $0 }) { return known }
        var table = Known()
        var seen: Set<FileKey> = [] // python3 and python3.11 are one file: read it once
        for candidate in candidates {
            guard let identity = FileStat.identity(of: candidate.path), seen.insert(FileKey(identity)).inserted,
                  let fd = ExecutableContents.openIfIdentical(candidate.path, identity: identity) else { continue }
            defer { close(fd) }
            guard let fingerprint = ExecutableFingerprint.read(fd: fd) else { continue }
            if !fingerprint.buildID.isEmpty { table.byBuildID[fingerprint.buildID] = candidate.kind }
            if let code = fingerprint.code, code.count > 0, UInt64(code.count) <= Self.codeLimit {
                table.codes.append((candidate.path, code, candidate.kind))
            }
        }
        known.withLock { $0 = table }
        return table
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

/// A file's identity and version: a file rewritten in place (same inode) is another version, so
/// what was learnt of its old content is not reused.
struct ExecutableVersion: Hashable, Sendable {
    var file: FileKey
    var size: UInt64
    var changeStamp: UInt32

    init(_ identity: FileIdentity) {
        file = FileKey(identity)
        size = identity.size
        changeStamp = identity.changeStamp
    }
}
