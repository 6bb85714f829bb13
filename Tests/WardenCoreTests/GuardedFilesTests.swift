import Foundation
import Glibc
import Testing
@testable import WardenCore

/// The guarded table without the kernel: which identities start-up enters, how the kernel's ids
/// become canonical paths, what renames and directory matches add, and the rule fields on top.
@Suite("Guarded files by identity")
struct GuardedFilesTests {
    final class FakeStore: GuardedFileStore {
        var entries: [FileKey: UInt32] = [:]
        func insert(_ file: FileIdentity, id: UInt32) -> Bool {
            entries[FileKey(file)] = id
            return true
        }
        func remove(_ file: FileIdentity) { entries[FileKey(file)] = nil }
        func id(_ path: String) -> UInt32? { FileStat.identity(of: path).flatMap { entries[FileKey($0)] } }
    }

    /// A home with a key, a startup file and a workspace; a hard link to the key made before start.
    struct Home {
        let root: String
        var workspace: String { root + "/project" }
        var key: String { root + "/.ssh/id_ed25519" }
        var bashrc: String { root + "/.bashrc" }
        var earlyLink: String { workspace + "/early.txt" }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("warden-guarded-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root + "/.ssh", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: root + "/project", withIntermediateDirectories: true)
            try "PRIVATE KEY".write(toFile: root + "/.ssh/id_ed25519", atomically: false, encoding: .utf8)
            try "alias x=y".write(toFile: root + "/.bashrc", atomically: false, encoding: .utf8)
            try "hello".write(toFile: root + "/project/readme.md", atomically: false, encoding: .utf8)
            #expect(link(root + "/.ssh/id_ed25519", root + "/project/early.txt") == 0)
        }
    }

    private static let process = ProcessRef(bootTime: 1, pid: 10, tid: 10, execID: 5, parentExecID: 4, sessionID: 1, agentID: 1)

    private static func open(_ path: String, guarded: GuardedFile?, write: Bool = false) throws -> Event {
        let identity = try #require(FileStat.identity(of: path))
        return .open(FileEvent(process: process, result: 3, flags: write ? OpenFlags.writeOnly.rawValue : 0, syscall: .openat,
                               file: identity, path: ByteString(path), requested: ByteString(path), guarded: guarded))
    }

    private static func rename(_ source: String, _ destination: String, _ operation: RenameOperation) -> Event {
        .rename(RenameEvent(process: process, result: 0, syscall: .linkat, operation: operation, source: ByteString(source),
                            destination: ByteString(destination), sourceRequested: ByteString(source),
                            destinationRequested: ByteString(destination)))
    }

    private static func guarded(_ event: Event) -> GuardedFile? {
        switch event {
        case .open(let e), .execFailed(let e): return e.guarded
        case .rename(let e): return e.guarded
        default: return nil
        }
    }

    @Test("start-up enters guarded files, guarded directories and the files already in them, by identity")
    func startUp() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh", "~/.bashrc", "~/.absent"], homes: [home.root])
        let keyID = try #require(store.id(home.key))
        #expect(table.path(of: keyID) == ByteString(home.key))
        #expect(store.id(home.bashrc).flatMap { table.path(of: $0) } == ByteString(home.bashrc))
        #expect(store.id(home.root + "/.ssh").flatMap { table.path(of: $0) } == ByteString(home.root + "/.ssh"))
        // The link made before start is the same identity: the kernel reports the key's id for it.
        #expect(store.id(home.earlyLink) == keyID)
        #expect(store.id(home.workspace + "/readme.md") == nil)
        #expect(table.count == 3)
    }

    @Test("the kernel's id becomes the canonical path; a directory match joins the directory and the name")
    func resolvesKernelIDs() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh"], homes: [home.root])
        let keyID = try #require(store.id(home.key))
        let viaLink = table.annotate(try Self.open(home.earlyLink, guarded: GuardedFile(id: keyID, match: .file)))
        #expect(Self.guarded(viaLink)?.path == ByteString(home.key))

        // A key made after start-up: the kernel matched its directory; from now on its own
        // identity is guarded too, so a hard link made elsewhere later still names it.
        let newKey = home.root + "/.ssh/id_new"
        try "NEW KEY".write(toFile: newKey, atomically: false, encoding: .utf8)
        let directoryID = try #require(store.id(home.root + "/.ssh"))
        let created = table.annotate(try Self.open(newKey, guarded: GuardedFile(id: directoryID, match: .directory), write: true))
        #expect(Self.guarded(created) == GuardedFile(id: directoryID, match: .directory, path: ByteString(newKey)))
        let newID = try #require(store.id(newKey))
        #expect(table.path(of: newID) == ByteString(newKey))

        // An open the kernel made before the entry existed: the identity it reported decides.
        #expect(Self.guarded(table.annotate(try Self.open(home.earlyLink, guarded: nil)))?.path == ByteString(home.key))
        #expect(Self.guarded(table.annotate(try Self.open(home.workspace + "/readme.md", guarded: nil))) == nil)

        // Replayed events arrive resolved and stay as they are; an id this table never gave is no
        // guarded file (never one without its canonical path).
        let resolved = GuardedFile(id: 99, match: .file, path: ByteString("/elsewhere/.ssh/id_rsa"))
        #expect(Self.guarded(table.annotate(try Self.open(home.key, guarded: resolved))) == resolved)
        #expect(Self.guarded(table.annotate(try Self.open(home.workspace + "/readme.md", guarded: GuardedFile(id: 999, match: .file)))) == nil)
    }

    @Test("a link, symlink or rename's destination is looked up by identity; into a guarded directory it is that directory's file")
    func renames() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh", "~/.bashrc"], homes: [home.root])
        let hard = home.workspace + "/notes.txt", soft = home.workspace + "/k", rc = home.workspace + "/rc"
        #expect(link(home.key, hard) == 0)
        #expect(symlink(home.key, soft) == 0)
        #expect(link(home.bashrc, rc) == 0)
        for (path, operation, canonical) in [(hard, RenameOperation.link, home.key), (soft, .symlink, home.key), (rc, .link, home.bashrc)] {
            let found = Self.guarded(table.annotate(Self.rename("x", path, operation)))
            #expect(found?.match == .file)
            #expect(found?.path == ByteString(canonical), "\(path)")
        }
        let plain = home.workspace + "/plain"
        #expect(link(home.workspace + "/readme.md", plain) == 0)
        #expect(Self.guarded(table.annotate(Self.rename("x", plain, .link))) == nil)

        // An editor's atomic save into ~/.ssh: a file of the directory, under its own name.
        let staged = home.workspace + "/staged"
        try "x".write(toFile: staged, atomically: false, encoding: .utf8)
        let into = home.root + "/.ssh/config"
        #expect(Glibc.rename(staged, into) == 0)
        let found = Self.guarded(table.annotate(Self.rename(staged, into, .rename)))
        #expect(found?.match == .directory)
        #expect(found?.path == ByteString(into))
        #expect(store.id(into) != nil)
    }

    @Test("an entry whose path no longer names its identity is retired (inode numbers are reused), and the new identity entered")
    func staleEntries() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.bashrc"], homes: [home.root])
        let old = try #require(FileStat.identity(of: home.bashrc))
        let oldID = try #require(store.id(home.bashrc))
        // An editor's atomic save: a new inode under the name; the old one is freed.
        let staged = home.root + "/.bashrc.swp"
        try "alias y=z".write(toFile: staged, atomically: false, encoding: .utf8)
        #expect(Glibc.rename(staged, home.bashrc) == 0)
        // Any file the kernel then reports with the old entry's id (the inode number reused) is not guarded.
        let reused = table.annotate(try Self.open(home.workspace + "/readme.md", guarded: GuardedFile(id: oldID, match: .file)))
        #expect(Self.guarded(reused) == nil)
        #expect(store.entries[FileKey(old)] == nil)
        let newID = try #require(store.id(home.bashrc), "the name's new identity is guarded")
        #expect(newID != oldID && table.path(of: newID) == ByteString(home.bashrc))

        // `sed -i ~/.bashrc` seen as a rename: the replaced identity goes at once, the new one is the file.
        let current = try #require(FileStat.identity(of: home.bashrc))
        try "alias q=r".write(toFile: staged, atomically: false, encoding: .utf8)
        #expect(Glibc.rename(staged, home.bashrc) == 0)
        let renamed = Self.guarded(table.annotate(Self.rename(staged, home.bashrc, .rename)))
        #expect(store.entries[FileKey(current)] == nil)
        #expect(renamed?.match == .file && renamed?.path == ByteString(home.bashrc))
        #expect(store.id(home.bashrc) != nil && store.id(home.bashrc) != newID)
    }

    @Test("canonical paths are resolved: a home reached through a symlink is not another name for its own files")
    func symlinkedHome() throws {
        let home = try Home()
        let alias = home.root + "-alias"
        #expect(symlink(home.root, alias) == 0)
        defer { unlink(alias) }
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh"], homes: [alias])
        let keyID = try #require(store.id(home.key))
        #expect(table.path(of: keyID) == ByteString(home.key))
    }

    @Test("a key moved away is a new name for it, and reads of the new name are still the key; an inode number reused is not")
    func movedAway() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh"], homes: [home.root])
        let keyID = try #require(store.id(home.key))
        let notes = home.workspace + "/notes.txt"
        #expect(Glibc.rename(home.key, notes) == 0)
        let moved = Self.guarded(table.annotate(Self.rename(home.key, notes, .rename)))
        #expect(moved == GuardedFile(id: keyID, match: .file, path: ByteString(home.key)))
        let read = Self.guarded(table.annotate(try Self.open(notes, guarded: GuardedFile(id: keyID, match: .file))))
        #expect(read?.path == ByteString(home.key), "still the key under its new name")

        // The moved key deleted: its inode number may go to any new file, which is not the key.
        unlink(notes)
        let other = home.workspace + "/other"
        try "x".write(toFile: other, atomically: false, encoding: .utf8)
        #expect(Self.guarded(table.annotate(try Self.open(other, guarded: GuardedFile(id: keyID, match: .file)))) == nil)
        // Renaming a file that reuses a retired entry's number from a name the entry never had
        // does not revive it.
        #expect(Self.guarded(table.annotate(Self.rename(other, home.workspace + "/o2", .rename))) == nil)
    }

    @Test("a link made from a file of a guarded directory that the table never entered is still a new name for it")
    func linkFromGuardedDirectory() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh"], homes: [home.root])
        let newKey = home.root + "/.ssh/id_unseen"
        try "UNSEEN".write(toFile: newKey, atomically: false, encoding: .utf8)
        let out = home.workspace + "/out.txt"
        #expect(link(newKey, out) == 0)
        let found = Self.guarded(table.annotate(Self.rename(newKey, out, .link)))
        #expect(found?.match == .file && found?.path == ByteString(newKey))
        #expect(store.id(out) != nil, "entered: a later read of out.txt is the key")
    }

    @Test("a full table is swept of files that are gone before it refuses new ones")
    func fullTable() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.ssh"], homes: [home.root], capacity: 16)
        let directoryID = try #require(store.id(home.root + "/.ssh"))
        func created(_ name: String) throws -> Event {
            let path = home.root + "/.ssh/" + name
            try "x".write(toFile: path, atomically: false, encoding: .utf8)
            return try Self.open(path, guarded: GuardedFile(id: directoryID, match: .directory), write: true)
        }
        for index in 0..<20 {
            _ = table.annotate(try created("tmp\(index)"))
            unlink(home.root + "/.ssh/tmp\(index)")
        }
        #expect(table.count <= 16)
        _ = table.annotate(try created("id_late"))
        let lateID = try #require(store.id(home.root + "/.ssh/id_late"), "room was made by retiring the temporary files")
        #expect(table.path(of: lateID) == ByteString(home.root + "/.ssh/id_late"), "not a retired file's entry whose inode number it reuses")
    }

    @Test("the directory of a path: absolute paths only, any bytes")
    func directoryOfPath() {
        #expect(GuardedFiles.directory(of: "/a/b/c") == "/a/b")
        #expect(GuardedFiles.directory(of: "/c") == "/")
        #expect(GuardedFiles.directory(of: "x") == nil)
        #expect(GuardedFiles.directory(of: "") == nil)
        #expect(GuardedFiles.directory(of: "../.ssh/id_rsa") == nil)
    }

    @Test("a HOME seen at exec is guarded, bounded")
    func homeAtExec() throws {
        let home = try Home()
        let store = FakeStore()
        let table = GuardedFiles(store: store, patterns: ["~/.bashrc"], homes: [])
        #expect(table.count == 0)
        let exec = Event.exec(ExecEvent(process: Self.process, ppid: 1, comm: ByteString("sh"), filename: ByteString("/bin/sh"),
                                        interpreter: ByteString("/bin/sh"), executablePath: ByteString("/bin/sh"),
                                        executable: .none, cwd: ByteString("/"), argv: [ByteString("sh")],
                                        environment: ["HOME": ByteString(home.root)]))
        _ = table.annotate(exec)
        #expect(store.id(home.bashrc) != nil)
    }

    @Test("fields: file.guarded, file.guarded_path, file.guarded_by, file.guarded_alias")
    func fields() throws {
        let rules = """
            - rule: alias
              condition: evt.type in (open, rename) and file.guarded_alias and file.guarded_by = file
              output: "%file.path is %file.guarded_path"
              priority: Critical
            - rule: guarded
              condition: evt.type in (open, rename) and file.guarded and not file.guarded_alias
              output: "%file.guarded_path by %file.guarded_by"
              priority: Notice
            """
        let set = try RuleSet(sources: [RuleSource(yaml: rules, file: "t.yaml")], names: ["t.yaml"])
        let processor = EventProcessor(ProcessorConfiguration(rules: set, catalog: AgentCatalog(), homes: [],
                                                              interpreters: InterpreterCatalog()))
        let home = try Home()
        func judge(_ event: Event) -> [String] { processor.process(event, now: 0).alerts.map { "\($0.ruleID): \($0.output)" } }
        #expect(judge(try Self.open(home.earlyLink, guarded: GuardedFile(id: 1, match: .file, path: ByteString(home.key))))
                == ["alias: \(home.earlyLink) is \(home.key)"])
        #expect(judge(try Self.open(home.key, guarded: GuardedFile(id: 1, match: .file, path: ByteString(home.key))))
                == ["guarded: \(home.key) by file"])
        #expect(judge(try Self.open(home.workspace + "/readme.md", guarded: nil)).isEmpty)
        let renamed = Event.rename(RenameEvent(process: Self.process, result: 0, syscall: .linkat, operation: .link,
                                               source: ByteString(home.key), destination: ByteString(home.earlyLink),
                                               sourceRequested: ByteString(home.key), destinationRequested: ByteString("early.txt"),
                                               guarded: GuardedFile(id: 1, match: .file, path: ByteString(home.key))))
        #expect(judge(renamed) == ["alias: \(home.earlyLink) is \(home.key)"])
    }
}
