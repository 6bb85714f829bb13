import Foundation
import WardenABI

/// The guarded table: the identities (device + inode) of the files and directories `guarded_paths`
/// names, each with an id the kernel reports on every open of that identity, mapped back here to
/// the canonical path. Filled in every mode: audit mode alerts on the identity, enforce mode also
/// holds the opens. Used from the processing thread only.
///
/// What one identity can be reached through is unbounded (hard links, symlinks, bind mounts,
/// /proc/PID/root, /proc/PID/cwd); what it is, is not. So:
/// - a guarded file is entered by the identity its path has at start-up (and at each new HOME);
/// - a guarded directory is entered itself (the kernel matches the files directly in it by their
///   directory, whenever they were made) and so are the regular files already in it (bounded), so
///   that a hard link made elsewhere before Warden started is still the key it links to;
/// - a file opened through a guarded directory, or renamed or linked into one, is entered when it
///   is seen, so a link made elsewhere later still names it.
///
/// Inode numbers are reused once a file is gone: an entry whose canonical path no longer names
/// its identity (the file was replaced by a rename, an editor's save, or deleted) is retired when
/// an event reports it, and the identity the path has now, if any, is entered instead. A guarded
/// file moved or linked away from a name the entry is known by, by an event Warden saw, stays that
/// file under its new name (`mv ~/.ssh/id_ed25519 notes.txt; cat notes.txt`).
public final class GuardedFiles {
    private let store: GuardedFileStore
    private var patterns: [String]
    private var homes: Set<String> = []
    /// Canonical path by id; id 0 is never used (the kernel's "none").
    private var paths: [ByteString] = [ByteString([])]
    private var idOfIdentity: [FileKey: UInt32] = [:]
    private var identityOfID: [UInt32: FileIdentity] = [:]
    /// The latest entry of each canonical path.
    private var idOfPath: [ByteString: UInt32] = [:]
    /// Other names an entry's file was given by a link or rename Warden saw from one of its known
    /// names (`mv ~/.ssh/id_ed25519 notes.txt`): while one of them names the identity, the entry
    /// is that file even when its canonical path is gone. A few per entry.
    private var otherPaths: [UInt32: [ByteString]] = [:]
    private static let otherPathsPerEntry = 4
    private var directoryIDs: Set<UInt32> = []
    private let capacity: Int
    /// `paths.count` at the last sweep of stale entries.
    private var lastSweep = 0

    /// Bound on homes learnt from HOME at exec: a lineage cannot grow the table without end.
    static let maximumHomes = 64
    /// Files already in one guarded directory entered at start-up; the rest are still covered by
    /// their directory, only not through a link elsewhere made before Warden started.
    static let filesPerDirectory = 512
    /// Room kept for the files learnt from events, so start-up cannot fill the table alone
    /// (1,024 of the kernel's 8,192).
    private var learntReserve: Int { capacity / 8 }
    /// New ids between two sweeps of a full table (256 of 8,192).
    private var sweepInterval: Int { max(1, capacity / 32) }

    public init(store: GuardedFileStore, patterns: [String], homes: [String], capacity: Int = Int(WARDEN_MAX_GUARDED)) {
        self.store = store
        self.patterns = patterns
        self.capacity = capacity
        guardPatterns(patterns.filter { $0.hasPrefix("/") }, homes: [])
        for home in homes { guardHome(home) }
    }

    /// Live entries in the table (files and directories).
    public var count: Int { identityOfID.count }

    /// The canonical path of entry `id`, nil for an id this table never gave.
    public func path(of id: UInt32) -> ByteString? {
        id > 0 && Int(id) < paths.count ? paths[Int(id)] : nil
    }

    /// Rules reloaded: the new list's files are guarded too. (Entries are only added; a path
    /// removed from `guarded_paths` stays guarded until Warden restarts.)
    public func update(patterns new: [String]) {
        guard new != patterns else { return }
        patterns = new
        guardPatterns(new.filter { $0.hasPrefix("/") }, homes: [])
        for home in homes { guardPatterns(new.filter { $0.hasPrefix("~") }, homes: [home]) }
    }

    /// `~` in the list stands for this home too.
    public func guardHome(_ home: String) {
        guard home.hasPrefix("/"), home != "/", homes.count < Self.maximumHomes, homes.insert(home).inserted else { return }
        guardPatterns(patterns.filter { $0.hasPrefix("~") }, homes: [home])
    }

    /// The event with its guarded file resolved to the canonical path: the kernel's id for opens,
    /// the destination's identity for renames. A new HOME on an exec is guarded before anything
    /// it runs is let go.
    public func annotate(_ event: Event) -> Event {
        switch event {
        case .exec(let e):
            if let home = e.environment["HOME"] { guardHome(home.text) }
            return event
        case .open(let e):
            let resolved = resolve(e)
            return resolved == e.guarded ? event : .open(e.with(guarded: resolved))
        case .execFailed(let e):
            let resolved = resolve(e)
            return resolved == e.guarded ? event : .execFailed(e.with(guarded: resolved))
        case .rename(let e):
            guard e.guarded == nil, e.succeeded, let found = destinationMatch(e) else { return event }
            return .rename(e.with(guarded: found))
        default:
            return event
        }
    }

    // MARK: Events

    /// The event's guarded file with its canonical path; nil when the kernel's entry was stale.
    private func resolve(_ e: FileEvent) -> GuardedFile? {
        guard var guarded = e.guarded ?? lateEntry(e) else { return nil }
        guard guarded.path.isEmpty else { return guarded }
        guard let base = path(of: guarded.id), isCurrent(guarded.id) else { return nil }
        switch guarded.match {
        case .file:
            guarded.path = base
        case .directory:
            guarded.path = PathJoin.lexical(base: base, relative: e.path.lastPathComponent)
            // A file made in a guarded directory after start-up: by its own identity from now on,
            // so a hard link made elsewhere later is still this file.
            if e.succeeded, e.file.kind == .regular { add(guarded.path, e.file) }
        }
        return guarded
    }

    /// An open the kernel saw before its file's entry existed (a HOME first seen on an exec that
    /// audit mode did not hold, guarded while the lineage already ran): the identity the kernel
    /// reported, looked up here.
    private func lateEntry(_ e: FileEvent) -> GuardedFile? {
        // Tracked processes only, as in the kernel. (Replayed events without a guarded file stay
        // without one: there is no table then.)
        guard e.succeeded, e.process.sessionID != 0, e.file.kind != .none, let id = idOfIdentity[FileKey(e.file)] else { return nil }
        return GuardedFile(id: id, match: .file)
    }

    /// The destination's parent directory first: a file renamed or linked into a guarded directory
    /// is one of its files under the name it has there (an editor's atomic save is no new name).
    /// Else the destination's own identity, symlinks followed: a link, symlink or rename made
    /// elsewhere for a guarded file.
    private func destinationMatch(_ e: RenameEvent) -> GuardedFile? {
        // A rename onto a guarded name replaced the identity it had (`sed -i ~/.bashrc`, `mv k
        // ~/.ssh/authorized_keys`): the old one is retired now, the new one entered.
        if let replaced = idOfPath[e.destination] { _ = isCurrent(replaced) }
        let destination = e.destination.text
        guard let identity = FileStat.identity(of: destination) else { return nil }
        if let parent = Self.directory(of: destination), let directory = FileStat.identity(of: parent), let id = idOfIdentity[FileKey(directory)], directoryIDs.contains(id),
           let base = path(of: id) {
            let canonical = PathJoin.lexical(base: base, relative: e.destination.lastPathComponent)
            if identity.kind == .regular { add(canonical, identity) }
            return GuardedFile(id: id, match: .directory, path: canonical)
        }
        if let id = idOfIdentity[FileKey(identity)], let base = path(of: id) {
            // Moved or linked from a name the entry is known by: the destination is that file too
            // (only then: an inode number reused by another file must not inherit the entry).
            if e.operation != .symlink, e.source == base || otherPaths[id]?.contains(e.source) == true {
                otherPaths[id] = Array(((otherPaths[id] ?? []) + [e.destination]).suffix(Self.otherPathsPerEntry))
            }
            if isCurrent(id) { return GuardedFile(id: id, match: .file, path: base) }
        }
        // A link or rename whose source is a file of a guarded directory Warden has not entered
        // by itself (made after start-up while the table was full, or by a process it does not see).
        guard e.operation != .symlink, identity.kind == .regular else { return nil }
        guard let sourceDirectory = Self.directory(of: e.source.text), let directory = FileStat.identity(of: sourceDirectory), let id = idOfIdentity[FileKey(directory)],
              directoryIDs.contains(id), let base = path(of: id) else { return nil }
        let canonical = PathJoin.lexical(base: base, relative: e.source.lastPathComponent)
        add(canonical, identity)
        return GuardedFile(id: idOfIdentity[FileKey(identity)] ?? id, match: .file, path: canonical)
    }

    /// The directory part of an absolute path; nil for anything else. (Not NSString's
    /// deletingLastPathComponent: Foundation on Linux traps on a name without a slash, and a
    /// rename's source is whatever the process passed.)
    static func directory(of path: String) -> String? {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    // MARK: Entries

    /// Whether entry `id`'s canonical path, or a name Warden saw it moved or linked to, still names
    /// the identity it was entered with. If not, the entry is retired (its inode number may now be
    /// any new file's) and the canonical path's present identity entered.
    private func isCurrent(_ id: UInt32) -> Bool {
        guard let identity = identityOfID[id], let path = path(of: id) else { return false }
        let key = FileKey(identity)
        let now = FileStat.identity(of: path.text)
        if let now, FileKey(now) == key { return true }
        if otherPaths[id]?.contains(where: { FileStat.identity(of: $0.text).map(FileKey.init) == key }) == true { return true }
        otherPaths[id] = nil
        store.remove(identity)
        idOfIdentity[FileKey(identity)] = nil
        identityOfID[id] = nil
        directoryIDs.remove(id)
        if let now { add(path, now) }
        return false
    }

    /// A full table (files learnt in guarded directories pile up: editors' temporary files) is
    /// swept of entries whose paths no longer name them; at most once per `sweepInterval` new ids,
    /// so a table that is full of live entries is not swept at every event.
    private func retireStale() {
        guard paths.count - lastSweep >= sweepInterval else { return }
        lastSweep = paths.count
        for id in identityOfID.keys.sorted() { _ = isCurrent(id) }
    }

    private func guardPatterns(_ patterns: [String], homes: [String]) {
        for expanded in patterns.flatMap({ PathGlob.expand($0, homes: homes) }) {
            guard let identity = FileStat.identity(of: expanded) else { continue }
            // The kernel reports the path it resolved: with a symlinked home (/home -> /data/home)
            // the canonical path must be the resolved one too, or every open would look like
            // another name for its own file.
            let path = FileStat.realPath(expanded)
            add(ByteString(path), identity, reserve: learntReserve)
            if identity.kind == .directory { addFiles(in: path) }
        }
    }

    /// The regular files directly in a guarded directory, by their own identity (not following
    /// symlinks: a symlink in ~/.ssh pointing elsewhere does not make its target a key).
    private func addFiles(in directory: String) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in names.prefix(Self.filesPerDirectory) {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, let identity = FileStat.identity(of: path) else { continue }
            add(ByteString(path), identity, reserve: learntReserve)
        }
    }

    /// The first path an identity is seen under stays its canonical path, while that path still
    /// names it (else the inode number was reused, and the old entry goes).
    private func add(_ path: ByteString, _ identity: FileIdentity, reserve: Int = 0) {
        let key = FileKey(identity)
        if let existing = idOfIdentity[key], isCurrent(existing) { return }
        if count >= capacity - reserve { retireStale() }
        guard count < capacity - reserve else { return }
        let id = UInt32(paths.count)
        // The kernel may report the id as soon as it is stored: the path is known first.
        paths.append(path)
        guard store.insert(identity, id: id) else {
            paths.removeLast()
            return
        }
        idOfIdentity[key] = id
        identityOfID[id] = identity
        idOfPath[path] = id
        if identity.kind == .directory { directoryIDs.insert(id) }
    }
}
