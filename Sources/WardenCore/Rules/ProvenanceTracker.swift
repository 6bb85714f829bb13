/// Where a file is, as rules care about it.
public enum PathLocation: String, Sendable {
    case temp, workspace, home, system, other
}

/// What Warden knows about the origin of a process's input or of a file, from earlier events in
/// the lineage. Command strings are trivially obfuscated; these facts come from the kernel's view
/// (pipe inodes, resolved paths, exec ids) instead.
public struct ProvenanceFacts: Sendable {
    /// The process writing into this process's stdin pipe, if Warden saw it exec.
    public var stdinWriter: ProcessRecord?
    /// stdin is fed, directly or through decoders/decompressors, by a network client.
    public var stdinFromNetwork = false
    /// stdin is fed by a decoder (base64 -d, xxd -r, openssl enc -d, gunzip, ...).
    public var stdinFromDecoder = false
    /// For an open of a pipe: its writer is a network client (`bash <(curl ...)`).
    public var pipeFromNetwork = false
    /// The parent image started a network client whose output went into a pipe shortly before
    /// (`sh -c "$(curl ...)"`).
    public var parentFetchedFromNetwork = false
    /// The executed file, script, or the file given to the interpreter was written by this lineage.
    public var writtenByLineage = false
    public var writtenPath = ""
    public var writtenLocation = PathLocation.other
    /// The name of the process that wrote it.
    public var writer = ""
    /// The origin the kernel gave that write (package work relabelled), when this lineage wrote it.
    public var writtenOrigin: DataOrigin = []
    /// Exec: where the executable's content came from; open: the opened file's (package-manager
    /// work's writes count as package, not network).
    public var fileOrigin: DataOrigin = []
    /// Exec: where stdin's content came from, when stdin is a file or pipe the kernel knows.
    public var stdinOrigin: DataOrigin = []
    /// Open: the opened file is one the process's exec runs (its script, the loader's program,
    /// preloaded code): reading it is running it.
    public var openedProgram = false
    /// What the writer was: the agent itself, package-manager work, a build tool or another tool.
    public var writerOrigin: WriterOrigin?
    /// The image is package-manager work: it, or an image above it since the session began, ran
    /// a package manager (recognised by what runs, see `PackageManagers`).
    public var packageManagerWork = false
    /// The image itself runs a package manager (not only inherits the work from an ancestor).
    public var packageManager = false
    /// The shell image that set this exec up (its parent, or the image this process replaced)
    /// ran a network client into a pipe within 30 s of this exec (before it, or while it reads),
    /// through any number of subshells.
    public var shellFetchedFromNetwork = false
    /// Watched environment variables whose value differs from the parent image's.
    public var injectedEnvironment: [String] = []

    public init() {}

    /// The provenance that fired, as a short list for alerts.
    public var evidence: [String] {
        var items: [String] = []
        if let writer = stdinWriter { items.append("stdin piped from \(writer.name.text)") }
        if stdinFromNetwork { items.append("stdin carries data from a network client") }
        if stdinFromDecoder { items.append("stdin passes through a decoder") }
        if pipeFromNetwork { items.append("reads a pipe fed by a network client") }
        if parentFetchedFromNetwork { items.append("parent ran a network client into a pipe just before") }
        if writtenByLineage {
            let origin = writerOrigin.map { " (\($0.category.rawValue))" } ?? ""
            items.append("\(writtenPath) written by \(writer)\(origin) in this lineage (\(writtenLocation.rawValue))")
        }
        if !writtenOrigin.isEmpty { items.append("written with \(writtenOrigin.name) origin") }
        if !fileOrigin.isEmpty { items.append("file of \(fileOrigin.name) origin") }
        if !stdinOrigin.isEmpty { items.append("stdin of \(stdinOrigin.name) origin") }
        if !injectedEnvironment.isEmpty { items.append("environment injected: \(injectedEnvironment.joined(separator: ","))") }
        return items
    }
}

/// Follows pipes, written files and environments across a lineage's events: the first enrichment
/// stage of the processing spine. Bounded: each table forgets its oldest entries past `capacity`.
/// Only the processing thread touches it: its tables are exempt from Swift's dynamic exclusivity
/// checks, as `EvaluationContext`'s are.
public final class ProvenanceTracker: EnrichmentStage {
    public static let networkClients: Set<String> = [
        "curl", "wget", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp", "aria2c", "fetch",
        "http", "https", "httpie", "lftp", "ftp", "tftp", "rsync", "telnet", "openssl",
    ]
    public static let decoders: Set<String> = [
        "base64", "base32", "basenc", "xxd", "od", "uudecode", "gunzip", "zcat", "gzip", "bzip2",
        "bunzip2", "xz", "unxz", "zstd", "unzstd", "openssl", "rev", "tr",
    ]

    private struct PipeWriter {
        var record: ProcessRecord
        var network: Bool
        var decoder: Bool
    }

    private struct Write {
        var origin: WriterOrigin
        var time: UInt64
        /// The file written, by identity (device, inode).
        var file: FileIdentity
        /// What the kernel (and user space, for package and decoded data) knows of the content.
        var content: DataOrigin
    }

    private struct FileKey: Hashable {
        var device: UInt32
        var inode: UInt64
        init(_ id: FileIdentity) { device = id.device; inode = id.inode }
    }

    private let capacity: Int
    @exclusivity(unchecked) private var pipeWriters: [UInt64: PipeWriter] = [:]
    @exclusivity(unchecked) private var pipeOrder: [UInt64] = []
    /// Execs reading a pipe on stdin, by pipe inode: judged again whenever a writer of that pipe
    /// execs, since the first writer need not be the last (`(sleep 1; curl …) | sh`).
    @exclusivity(unchecked) private var pipeReaders: [UInt64: [ExecEvent]] = [:]
    /// The stdin pipe of each image in `pipeReaders`, so that an image that ends leaves it.
    @exclusivity(unchecked) private var readerPipes: [UInt64: UInt64] = [:]
    private static let readersPerPipe = 8
    @exclusivity(unchecked) private var writes: [String: Write] = [:]
    @exclusivity(unchecked) private var writeOrder: [String] = []
    /// Network clients writing into a pipe, by the exec id of the image that started them.
    @exclusivity(unchecked) private var fetches: [UInt64: (time: UInt64, pipe: UInt64)] = [:]
    /// Network clients writing into any pipe, by the nearest exec'd image above them (a subshell
    /// is its shell's image): the shell's pipes carry no text of its own for a while.
    @exclusivity(unchecked) private var imageFetches: [UInt64: UInt64] = [:]
    /// Pipes some exec read on stdin: a network client writing into one of these feeds a
    /// pipeline (`curl | jq`), not a shell capturing its output (`$(curl …)`).
    @exclusivity(unchecked) private var pipesWithReaders: Set<UInt64> = []
    /// Files package-manager work wrote while network-tainted: package origin, not network.
    @exclusivity(unchecked) private var packageFiles: Set<FileKey> = []
    /// Files a decoder wrote (its stdout, or a file it opened for writing): decoded origin.
    @exclusivity(unchecked) private var decodedFiles: Set<FileKey> = []
    /// Images that decode (`DecodingCommand`), so their later writes are known as decoded.
    @exclusivity(unchecked) private var decodingImages: Set<UInt64> = []
    /// Images reading a pipe that turned out to carry network data after they started (`curl … |
    /// tee f`: tee opened f before curl connected, and the kernel sees no pipe reads): what they
    /// wrote, and write from now on, has network origin.
    @exclusivity(unchecked) private var carryingImages: Set<UInt64> = []
    /// Files of network origin known only here (written by a carrying image).
    @exclusivity(unchecked) private var networkFiles: Set<FileKey> = []
    /// The regular files each image opened for writing (the last few), for when it turns out to
    /// have been carrying network data.
    @exclusivity(unchecked) private var imageWrites: [UInt64: [FileIdentity]] = [:]
    private static let writesKeptPerImage = 8
    /// Images that are package-manager work, by exec id; children inherit it at fork and exec.
    @exclusivity(unchecked) private var packageManagerImages: Set<UInt64> = []
    /// Images that run a package manager themselves.
    @exclusivity(unchecked) private var packageManagerRoots: Set<UInt64> = []
    /// Regular files an agent lineage wrote outside package-manager work, by identity, and the
    /// names it made by rename or link (with what was under a renamed directory): such a file or
    /// name is not the host's installed program, whatever its name (`isInstalled`).
    @exclusivity(unchecked) private var lineageWrittenFiles: Set<FileKey> = []
    @exclusivity(unchecked) private var lineageNamedPaths: Set<String> = []
    /// Package-manager modules that something other than package-manager work wrote a file
    /// for (`pip/__main__.py`): `python -m` of them no longer proves a package manager runs.
    @exclusivity(unchecked) private var shadowedModules: Set<String> = []
    private let interpreters: InterpreterCatalog?
    public var homes: [String] { didSet { homePaths = homes.map { Array($0.utf8) } } }
    /// `homes` as bytes, for `location(of:)`.
    @exclusivity(unchecked) private var homePaths: [[UInt8]]
    /// The kernel's origin table, told about package-manager writes; nil in replay and examples.
    @exclusivity(unchecked) public var originTable: OriginTable?

    public init(capacity: Int = 16384, homes: [String] = [], interpreters: InterpreterCatalog? = nil) {
        self.capacity = capacity
        self.homes = homes
        homePaths = homes.map { Array($0.utf8) }
        self.interpreters = interpreters
    }

    /// Records what `event` tells about pipes and writes. Returns the execs reading the pipe a new
    /// writer just exec'd on: they can now be judged with it.
    public func observe(_ event: Event, lineage: ProcessTable) -> [Reconsideration] {
        switch event {
        case .exec(let e):
            forgetReader(e.previousExecID)
            decodingImages.remove(e.previousExecID)
            forgetImage(e.previousExecID)
            if DecodingCommand.decodes(e) {
                if decodingImages.count >= capacity { decodingImages.removeAll() }
                decodingImages.insert(e.process.execID)
                // `base64 -d > x.sh`: the shell opened x.sh before the decoder ran.
                if e.stdio[1].kind == .regular { rememberDecoded(e.stdio[1], writer: e.process.execID) }
            }
            guard let record = lineage[e.process.execID] else { return [] }
            notePackageManagerWork(e)
            let stdout = e.stdio[1]
            // Registered before anything is returned: `curl | sh | tee log` with tee first must
            // still leave sh a reader of curl's pipe.
            if e.stdio[0].kind == .pipe {
                if pipeReaders.count >= capacity { pipeReaders.removeAll(); readerPipes.removeAll() }
                if pipesWithReaders.count >= capacity { pipesWithReaders.removeAll() }
                pipesWithReaders.insert(e.stdio[0].inode)
                var readers = pipeReaders[e.stdio[0].inode] ?? []
                if readers.count < Self.readersPerPipe {
                    readers.append(e)
                    readerPipes[e.process.execID] = e.stdio[0].inode
                }
                pipeReaders[e.stdio[0].inode] = readers
                if pipeWriters[e.stdio[0].inode]?.network == true { startsCarrying(e) }
            }
            if stdout.kind == .pipe {
                // Only a pipe writer's name matters: not made into a String for every exec.
                let name = record.name.text
                let upstream = e.stdio[0].kind == .pipe ? pipeWriters[e.stdio[0].inode] : nil
                let isNetwork = Self.networkClients.contains(name)
                let isDecoder = Self.decoders.contains(name)
                remember(pipe: stdout.inode, PipeWriter(record: record,
                                                        network: isNetwork || (isDecoder && upstream?.network == true),
                                                        decoder: isDecoder || upstream?.decoder == true))
                var late = (pipeReaders[stdout.inode] ?? []).map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
                if isNetwork { late += networkWriter(e.process, pipe: stdout.inode, lineage: lineage) }
                return late
            }
        case .connect(let c):
            return carriesNetworkData(c.process, lineage: lineage)
        case .open(let f) where f.succeeded && !f.isWrite && origin(of: f.file).contains(.network):
            // `cat download | sh`: the kernel now counts the reader as carrying network data.
            return carriesNetworkData(f.process, lineage: lineage)
        case .fork(let f):
            if packageManagerImages.contains(f.process.parentExecID) { insertBounded(f.process.execID, into: &packageManagerImages) }
        case .open(let f) where f.succeeded && f.isWrite && f.file.kind == .regular:
            let origin = writerOrigin(f.process.execID, lineage: lineage)
            if origin.category != .packageManager, let module = PackageManagers.shadowedModule(byWriting: f.path.text) {
                shadowedModules.insert(module)
            }
            var content = f.file.origin
            if content.contains(.network), origin.category == .packageManager || fetchesSource(f.process.execID, lineage) {
                content = .package
                rememberPackageFile(f.file)
            }
            if decodingImages.contains(f.process.execID) {
                content.insert(.decoded)
                rememberDecoded(f.file, writer: f.process.execID)
            }
            if carryingImages.contains(f.process.execID), !content.contains(.package) {
                content.insert(.network)
                rememberNetwork(f.file, writer: f.process.execID)
            }
            if origin.category != .packageManager {
                if lineageWrittenFiles.count >= capacity * 4 { lineageWrittenFiles.removeAll() }
                lineageWrittenFiles.insert(FileKey(f.file))
            }
            if imageWrites.count >= capacity { imageWrites.removeAll() }
            imageWrites[f.process.execID, default: []].append(f.file)
            if imageWrites[f.process.execID]!.count > Self.writesKeptPerImage { imageWrites[f.process.execID]!.removeFirst() }
            if writes.updateValue(Write(origin: origin, time: f.process.bootTime, file: f.file, content: content), forKey: f.path.text) == nil {
                writeOrder.append(f.path.text)
                if writeOrder.count > capacity {
                    let evicted = writeOrder.prefix(capacity / 4)
                    for path in evicted { writes[path] = nil }
                    writeOrder.removeFirst(evicted.count)
                }
            }
        case .rename(let r) where r.succeeded && r.operation != .symlink:
            if writerOrigin(r.process.execID, lineage: lineage).category != .packageManager {
                if lineageNamedPaths.count >= capacity * 4 { lineageNamedPaths.removeAll() }
                lineageNamedPaths.insert(r.destination.text)
            }
            // `cat > x; mv x ~/bin/tool; tool`: the record follows the file to its new name (a
            // link gives it a second one). A symlink's text is no file this lineage wrote.
            guard let write = writes[r.source.text] else { break }
            if write.origin.category != .packageManager, let module = PackageManagers.shadowedModule(byWriting: r.destination.text) {
                shadowedModules.insert(module)
            }
            if r.operation == .rename { writes[r.source.text] = nil }
            if writes.updateValue(write, forKey: r.destination.text) == nil { writeOrder.append(r.destination.text) }
        case .exit(let x):
            forgetReader(x.process.execID)
            decodingImages.remove(x.process.execID)
            forgetImage(x.process.execID)
        default:
            break
        }
        markStartupFile(event)
        return []
    }

    /// A process connected or accepted, or read a file of network origin: the kernel counts it as
    /// carrying network data, whatever its name. If its stdout is a pipe, what reads the pipe reads
    /// network data (`./renamed-curl … | sh`, `cat download | sh`), and the image that started it
    /// fetched from the network (`$(…)`); the readers are judged again.
    private func carriesNetworkData(_ process: ProcessRef, lineage: ProcessTable) -> [Reconsideration] {
        guard let record = lineage[process.execID], let exec = record.exec,
              exec.process.execID == process.execID else { return [] }
        // pip and git talk to their registries and servers; what they print is not code someone runs.
        if packageManagerImages.contains(process.execID) || fetchesSource(process.execID, lineage) { return [] }
        let late = stderrCarries(exec, record: record) + readersOfMarkedPipes(session: process.sessionID)
        guard exec.stdio[1].kind == .pipe else { return late }
        let pipe = exec.stdio[1].inode
        let readers = pipeReaders[pipe] ?? []
        for reader in readers { startsCarrying(reader) }
        // A network client known by name marked the pipe at its exec, and its readers were judged then.
        if pipeWriters[pipe]?.network == true { return late }
        let upstream = exec.stdio[0].kind == .pipe ? pipeWriters[exec.stdio[0].inode] : nil
        remember(pipe: pipe, PipeWriter(record: record, network: true, decoder: upstream?.decoder == true))
        return late + readers.map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
            + networkWriter(process, pipe: pipe, lineage: lineage)
    }

    /// Readers in the session whose stdin pipe the kernel has marked network since they started,
    /// written by a process that holds it on no standard descriptor (`fetch 3>&1 >/dev/null | sh`):
    /// when a process starts carrying network data the kernel marks every pipe it has open for
    /// writing (bpf/lib/origins.h), so its table is asked about each reader's pipe. Live only.
    private func readersOfMarkedPipes(session: UInt64) -> [Reconsideration] {
        guard originTable != nil else { return [] }
        var late: [Reconsideration] = []
        for (pipe, readers) in pipeReaders where pipeWriters[pipe]?.network != true {
            let inSession = readers.filter { $0.process.sessionID == session }
            guard let stdin = inSession.first?.stdio[0], !networkFiles.contains(FileKey(stdin)),
                  currentOrigin(of: stdin).contains(.network) else { continue }
            if networkFiles.count >= capacity { networkFiles.removeAll() }
            networkFiles.insert(FileKey(stdin))
            for reader in inSession { startsCarrying(reader) }
            late += inSession.map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
        }
        return late
    }

    /// A stderr pipe of its own (not stdout's): the kernel marks it as the process writes into it
    /// (`curl … 2>&1 >/dev/null | sh`), and its readers are judged again like stdout's. The
    /// agent reading a tool's stderr reads it on no stdin, so it has no readers here.
    private func stderrCarries(_ exec: ExecEvent, record: ProcessRecord) -> [Reconsideration] {
        let stderr = exec.stdio[2]
        guard stderr.kind == .pipe, exec.stdio[1].kind != .pipe || exec.stdio[1].inode != stderr.inode,
              let readers = pipeReaders[stderr.inode], !readers.isEmpty else { return [] }
        for reader in readers { startsCarrying(reader) }
        if pipeWriters[stderr.inode]?.network == true { return [] }
        remember(pipe: stderr.inode, PipeWriter(record: record, network: true, decoder: false))
        return readers.map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
    }

    /// `reader` has been reading network data from its stdin since it started: its outputs so far
    /// (its stdout file, the files it opened for writing) and from now on have network origin.
    private func startsCarrying(_ reader: ExecEvent) {
        let execID = reader.process.execID
        if carryingImages.count >= capacity { carryingImages.removeAll() }
        guard carryingImages.insert(execID).inserted else { return }
        var outputs = imageWrites[execID] ?? []
        if reader.stdio[1].kind == .regular { outputs.append(reader.stdio[1]) }
        for file in outputs where !packageFiles.contains(FileKey(file)) { rememberNetwork(file, writer: execID) }
    }

    private func rememberNetwork(_ file: FileIdentity, writer: UInt64) {
        if networkFiles.count >= capacity { networkFiles.removeAll() }
        networkFiles.insert(FileKey(file))
        originTable?.add(.network, to: file, writtenBy: writer)
    }

    private func forgetImage(_ execID: UInt64) {
        carryingImages.remove(execID)
        imageWrites[execID] = nil
    }

    /// A network client writes into `pipe`. Its parent image may be capturing the output
    /// (`$(curl …)`), unless the pipe is the parent's own stdout or stderr, which the client
    /// inherited (the agent reading a tool call's output). And its shell's other pipes carry no
    /// text of the shell's own for a while: `printf %s "$(curl …)" | sh` may exec sh before curl,
    /// so readers of pipes that shell set up are judged again.
    private func networkWriter(_ process: ProcessRef, pipe: UInt64, lineage: ProcessTable) -> [Reconsideration] {
        let parentStdio = lineage[process.parentExecID]?.exec?.stdio ?? []
        if !parentStdio.dropFirst().contains(where: { $0.kind == .pipe && $0.inode == pipe }) {
            fetches[process.parentExecID] = (process.bootTime, pipe)
        }
        if imageFetches.count >= capacity { imageFetches.removeAll() }
        let shell = image(process.parentExecID, lineage)
        imageFetches[shell] = process.bootTime
        var late: [Reconsideration] = []
        for (other, readers) in pipeReaders where other != pipe {
            for reader in readers where image(reader.process.parentExecID, lineage) == shell
                || image(reader.previousExecID, lineage) == shell {
                late.append(Reconsideration(event: .exec(reader), changed: .stdinProvenance))
            }
        }
        return late
    }

    /// The image is a version-control client fetching source (git's transport helpers, hg, svn),
    /// by the name of an installed executable: a clone is the project's code.
    private func fetchesSource(_ execID: UInt64, _ lineage: ProcessTable) -> Bool {
        guard let exec = lineage[execID]?.exec else { return false }
        return VersionControl.isClient(executablePath: exec.executablePath.text) && isInstalled(exec)
    }

    /// Directories the host's own programs live in: what package managers and administrators
    /// install, never a workspace, home or temporary directory.
    static let systemDirectories = ["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/"]

    /// The exec runs the host's own program: a file in a system directory that no agent lineage
    /// wrote (by identity), renamed or linked into place (its name, or a directory above it)
    /// since Warden started, other than as package-manager work. Exemptions by program name
    /// (`proc.installed_name`: ssh reading keys, git writing hooks, git fetching source) hold only
    /// for these, never for a copy or link that takes the name (`cp /bin/cat ./ssh`,
    /// `ln /usr/bin/curl /usr/local/bin/git`). Not seen: changes made outside agent lineages or
    /// before Warden started.
    public func isInstalled(_ e: ExecEvent) -> Bool {
        let path = e.executablePath.text
        guard Self.systemDirectories.contains(where: { path.hasPrefix($0) }), e.executable.origin.isDisjoint(with: [.network, .decoded]),
              !lineageWrittenFiles.contains(FileKey(e.executable)) else { return false }
        if let write = writes[path], write.origin.category != .packageManager { return false }
        guard !lineageNamedPaths.isEmpty else { return true }
        var directory = Substring(path)
        while !directory.isEmpty {
            if lineageNamedPaths.contains(String(directory)) { return false }
            guard let slash = directory.lastIndex(of: "/") else { break }
            directory = directory[..<slash]
        }
        return true
    }

    /// A Python start-up file (`*.pth`) written, or named by a rename, link or symlink, by anyone
    /// in the lineage (pip installing a wheel too): the kernel holds every later read of it by a
    /// tool process, so that the lines Python runs from it are judged before they run. Runs after
    /// the write's own origin corrections (a package relabel replaces the whole entry), and again
    /// at each write, since a truncating write drops the kernel's entry.
    private func markStartupFile(_ event: Event) {
        guard let originTable else { return }
        switch event {
        case .open(let f) where f.succeeded && f.isWrite && f.file.kind == .regular && PythonStartupFile.isStartupFile(f.path):
            originTable.add(.startupHook, to: f.file, writtenBy: f.process.execID)
        case .rename(let r) where r.succeeded && PythonStartupFile.isStartupFile(r.destination):
            // The event has no identity for the destination: the name is looked up now (a
            // symlink is followed, as Python's open follows it).
            if let file = FileStat.identity(of: r.destination.text), file.kind == .regular {
                originTable.add(.startupHook, to: file, writtenBy: r.process.execID)
            }
        default:
            break
        }
    }

    private func rememberPackageFile(_ file: FileIdentity) {
        if packageFiles.count >= capacity { packageFiles.removeAll() }
        packageFiles.insert(FileKey(file))
        originTable?.relabel(file, as: .package)
    }

    private func rememberDecoded(_ file: FileIdentity, writer: UInt64) {
        if decodedFiles.count >= capacity { decodedFiles.removeAll() }
        decodedFiles.insert(FileKey(file))
        originTable?.add(.decoded, to: file, writtenBy: writer)
    }

    /// The origin of a file an exec runs, as known now: what user space recorded and what the
    /// kernel's table says, which may have learned more since the write (a process that opened
    /// its output and connected after). Live only; a lookup in the kernel's map each.
    private func currentOrigin(of file: FileIdentity) -> DataOrigin {
        var known = origin(of: file)
        if let kernel = originTable?.origin(of: file), !packageFiles.contains(FileKey(file)) { known.formUnion(kernel) }
        return known
    }

    /// The origin rules see: the kernel's, with package-manager work's writes as package, and
    /// decoders' output as decoded.
    func origin(of file: FileIdentity) -> DataOrigin {
        guard file.kind == .regular || file.kind == .pipe else { return [] }
        // Every open asks: an empty table costs no hashing.
        let key = FileKey(file)
        var origin = !packageFiles.isEmpty && packageFiles.contains(key) ? .package : file.origin
        if !decodedFiles.isEmpty && decodedFiles.contains(key) { origin.insert(.decoded) }
        if !networkFiles.isEmpty && networkFiles.contains(key) { origin.insert(.network) }
        return origin
    }

    /// The nearest exec'd image for `execID`: a fork that did not exec runs its parent's image.
    private func image(_ execID: UInt64, _ lineage: ProcessTable) -> UInt64 {
        lineage[execID]?.exec?.process.execID ?? execID
    }

    private func insertBounded(_ execID: UInt64, into set: inout Set<UInt64>) {
        if set.count >= capacity * 4 { set.removeAll() }
        set.insert(execID)
    }

    /// Package-manager work is inherited from the image a process replaced or was forked from,
    /// and starts at an image that runs a package manager.
    private func notePackageManagerWork(_ e: ExecEvent) {
        if runsPackageManager(e) {
            insertBounded(e.process.execID, into: &packageManagerRoots)
            insertBounded(e.process.execID, into: &packageManagerImages)
        } else if packageManagerImages.contains(e.previousExecID) || packageManagerImages.contains(e.process.parentExecID) {
            insertBounded(e.process.execID, into: &packageManagerImages)
        }
    }

    /// The exec runs a package manager: its executable, its script or the Python module it runs
    /// is one (see `PackageManagers`), and that file is none this lineage wrote outside
    /// package-manager work.
    private func runsPackageManager(_ e: ExecEvent) -> Bool {
        let executable = e.executablePath.text
        if PackageManagers.isBinary(executable), !writtenOutsidePackageManagers(executable) { return true }
        guard let match = interpreters?.match(e) else { return false }
        if let script = InterpreterInvocation.script(of: e, interpreter: match) {
            let path = PathJoin.lexical(base: e.cwd, relative: script).text
            return PackageManagers.isScript(path) && !writtenOutsidePackageManagers(path)
        }
        guard match.kind == .python, !e.isScript,
              case .module(let module) = InterpreterInvocation(argv: match.argv(of: e), kind: .python).source else { return false }
        return PackageManagers.modules.contains(module.text) && !shadowedModules.contains(module.text)
    }

    private func writtenOutsidePackageManagers(_ path: String) -> Bool {
        guard let write = writes[path] else { return false }
        return write.origin.category != .packageManager
    }

    /// The origin category of the image `execID` as a writer.
    private func writerOrigin(_ execID: UInt64, lineage: ProcessTable) -> WriterOrigin {
        guard let record = lineage[execID] else { return WriterOrigin(category: .tool, execID: execID, name: "?") }
        let name = record.name.text
        // A host compiler or linker writes build output, under package-manager work too: cargo
        // (and rustc through rustup's proxies, which are package-manager binaries) building into
        // /tmp, pip compiling an extension.
        let executable = record.executablePath.text
        if BuildTools.isBuildTool(executablePath: executable), writes[executable] == nil {
            return WriterOrigin(category: .build, execID: execID, name: name)
        }
        if packageManagerImages.contains(execID) { return WriterOrigin(category: .packageManager, execID: execID, name: name) }
        let session = record.sessionID
        let root = lineage[session]
        // The root process itself (its threads write as it): its first image, or the image it
        // exec'd into (`warden run` starts its command that way). Not its forks: a forked child
        // opens a redirection's file before it execs the program that fills it (`curl > f`).
        if record.execID == session || (root != nil && record.pid == root!.pid) {
            return WriterOrigin(category: .agent, execID: execID, name: name)
        }
        return WriterOrigin(category: .tool, execID: execID, name: name)
    }

    /// An image that exec'd over or exited reads no pipe any more.
    private func forgetReader(_ execID: UInt64) {
        guard let pipe = readerPipes.removeValue(forKey: execID) else { return }
        pipeReaders[pipe]?.removeAll { $0.process.execID == execID }
        if pipeReaders[pipe]?.isEmpty == true { pipeReaders[pipe] = nil }
    }

    /// Several processes may write into one pipe in turn; what any of them was sticks (a network
    /// client after a `sleep` still makes the pipe network-fed).
    private func remember(pipe inode: UInt64, _ writer: PipeWriter) {
        var writer = writer
        if let earlier = pipeWriters[inode] {
            if earlier.network && !writer.network { writer.record = earlier.record }
            writer.network = writer.network || earlier.network
            writer.decoder = writer.decoder || earlier.decoder
        }
        if pipeWriters.updateValue(writer, forKey: inode) == nil {
            pipeOrder.append(inode)
            if pipeOrder.count > capacity {
                let evicted = pipeOrder.prefix(capacity / 4)
                for pipe in evicted { pipeWriters[pipe] = nil }
                pipeOrder.removeFirst(evicted.count)
            }
        }
    }

    /// `ProvenanceFacts.packageManagerWork` and `.packageManager` for `event`, as `facts` gives
    /// them, without the rest of the facts: rules read these for events that need nothing else
    /// from the tracker (`not package_manager_process` guards many rules).
    func packageManager(of event: Event) -> (work: Bool, runs: Bool) {
        let execID: UInt64
        switch event {
        case .exec(let e): execID = e.process.execID
        case .open(let f): execID = f.process.execID
        case .rename(let r): execID = r.process.execID
        default: return (false, false)
        }
        return (packageManagerImages.contains(execID), packageManagerRoots.contains(execID))
    }

    /// Whether the image `execID` runs a package manager itself.
    func isPackageManager(_ execID: UInt64) -> Bool {
        packageManagerRoots.contains(execID)
    }

    /// Whether the image `execID` is package-manager work (runs one, or is below one).
    func isPackageManagerWork(_ execID: UInt64) -> Bool {
        packageManagerImages.contains(execID)
    }

    /// The facts for one event (after `observe`).
    public func facts(for event: Event, lineage: ProcessTable, interpreter: InterpreterCatalog.Match?,
                      loaderProgram: ByteString? = nil, preloaded: [ByteString] = []) -> ProvenanceFacts {
        var facts = ProvenanceFacts()
        switch event {
        case .exec(let e):
            if e.stdio[0].kind == .pipe, let writer = pipeWriters[e.stdio[0].inode] {
                facts.stdinWriter = writer.record
                facts.stdinFromNetwork = writer.network
                facts.stdinFromDecoder = writer.decoder
            }
            // The image that forked this process, or the one it replaced (`bash -c "…; bash -c \"$c\""`
            // execs its last command in place).
            if let fetch = fetches[e.process.parentExecID] ?? fetches[e.previousExecID], !pipesWithReaders.contains(fetch.pipe),
               case let fetched = fetch.time, e.process.bootTime >= fetched,
               e.process.bootTime - fetched < 30_000_000_000 {
                facts.parentFetchedFromNetwork = true
            }
            facts.fileOrigin = origin(of: e.executable)
            facts.stdinOrigin = origin(of: e.stdio[0])
            // Before the exec, or after it while it still reads (judged again then: see observe).
            for shell in [image(e.process.parentExecID, lineage), image(e.previousExecID, lineage)] {
                if let fetched = imageFetches[shell], max(fetched, e.process.bootTime) - min(fetched, e.process.bootTime) < 30_000_000_000 {
                    facts.shellFetchedFromNetwork = true
                }
            }
            facts.packageManagerWork = packageManagerImages.contains(e.process.execID)
            facts.packageManager = packageManagerRoots.contains(e.process.execID)
            for candidate in executedFiles(e, interpreter: interpreter, loaderProgram: loaderProgram, preloaded: preloaded) {
                if let write = writes[candidate] {
                    facts.writtenByLineage = true
                    facts.writtenPath = candidate
                    facts.writer = write.origin.name
                    facts.writerOrigin = write.origin
                    facts.writtenOrigin = write.content.union(currentOrigin(of: write.file))
                    facts.writtenLocation = location(of: candidate, lineage: lineage, sessionID: e.process.sessionID)
                    break
                }
            }
            // A script whose write Warden did not see (an open dropped under load in audit mode, a
            // file written before): its identity now, and what is known of it.
            if !facts.writtenByLineage, originTable != nil {
                for candidate in executedFiles(e, interpreter: interpreter, loaderProgram: loaderProgram, preloaded: preloaded).dropFirst() {
                    if let file = FileStat.identity(of: candidate), file.kind == .regular {
                        facts.fileOrigin.formUnion(currentOrigin(of: file))
                    }
                }
            }
            facts.injectedEnvironment = injected(e, lineage: lineage)
        case .open(let f):
            facts.packageManagerWork = packageManagerImages.contains(f.process.execID)
            facts.packageManager = packageManagerRoots.contains(f.process.execID)
            if f.file.kind == .pipe, let writer = pipeWriters[f.file.inode] {
                facts.pipeFromNetwork = writer.network
            }
            facts.fileOrigin = origin(of: f.file)
            if !facts.fileOrigin.isEmpty, !f.isWrite, let exec = lineage[f.process.execID]?.exec,
               exec.process.execID == f.process.execID {
                // The executable itself is mapped, not opened: the other files are what an open can run.
                facts.openedProgram = executedFiles(exec, interpreter: interpreter, loaderProgram: loaderProgram, preloaded: preloaded)
                    .dropFirst().contains(f.path.text)
            }
            if let write = writes[f.path.text], !f.isWrite {
                facts.writtenByLineage = true
                facts.writtenPath = f.path.text
                facts.writer = write.origin.name
                facts.writerOrigin = write.origin
                facts.writtenOrigin = write.content.union(origin(of: write.file))
                facts.writtenLocation = location(of: f.path.text, lineage: lineage, sessionID: f.process.sessionID)
            }
        case .rename(let r):
            facts.packageManagerWork = packageManagerImages.contains(r.process.execID)
            facts.packageManager = packageManagerRoots.contains(r.process.execID)
        default:
            break
        }
        return facts
    }

    /// The files an exec runs: the executable, the program the dynamic loader runs when it is
    /// the executable, the script (shebang or interpreter argument), and code preloaded by path
    /// (`node -r ./x.js`, `ld.so --preload /tmp/x.so`; a module name names no file and matches nothing).
    func executedFiles(_ e: ExecEvent, interpreter: InterpreterCatalog.Match?, loaderProgram: ByteString? = nil,
                       preloaded: [ByteString] = []) -> [String] {
        var files = [e.executablePath.text]
        if let loaderProgram { files.append(PathJoin.lexical(base: e.cwd, relative: loaderProgram).text) }
        for path in preloaded where path.bytes.contains(UInt8(ascii: "/")) {
            files.append(PathJoin.lexical(base: e.cwd, relative: path).text)
        }
        if let script = InterpreterInvocation.script(of: e, interpreter: interpreter) {
            files.append(PathJoin.lexical(base: e.cwd, relative: script).text)
        }
        return files
    }

    /// The workspace wins over everything else: an agent working in a checkout under /tmp runs
    /// its own files from there as normal work.
    public func location(of path: String, lineage: ProcessTable, sessionID: UInt64) -> PathLocation {
        location(of: Array(path.utf8), lineage: lineage, sessionID: sessionID)
    }

    /// `location(of:)` on the path's bytes: rules ask it for every exec (proc.exe_location), and
    /// String prefix tests with a directory and "/" joined for each were a few microseconds each.
    func location(of path: [UInt8], lineage: ProcessTable, sessionID: UInt64) -> PathLocation {
        if let workspace = lineage[sessionID]?.cwd?.bytes, workspace != [UInt8(ascii: "/")], Self.isInside(path, workspace) {
            return .workspace
        }
        if Self.tempDirectories.contains(where: { ByteMatch.hasPrefix(path, $0) }) { return .temp }
        if homePaths.contains(where: { Self.isInside(path, $0) }) { return .home }
        if Self.systemPrefixes.contains(where: { ByteMatch.hasPrefix(path, $0) }) { return .system }
        return .other
    }

    private static let tempDirectories = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"].map { Array($0.utf8) }
    private static let systemPrefixes = ["/usr/", "/etc/", "/bin/", "/sbin/", "/lib", "/opt/", "/boot/"].map { Array($0.utf8) }

    /// `path` starts with `directory` + "/".
    private static func isInside(_ path: [UInt8], _ directory: [UInt8]) -> Bool {
        path.count > directory.count && path[directory.count] == UInt8(ascii: "/") && ByteMatch.hasPrefix(path, directory)
    }

    private func injected(_ e: ExecEvent, lineage: ProcessTable) -> [String] {
        WatchedEnvironment.injected(e.environment, of: e, parent: lineage[e.process.parentExecID])
    }
}
