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
        if writtenByLineage { items.append("\(writtenPath) written by \(writer) in this lineage (\(writtenLocation.rawValue))") }
        if !writtenOrigin.isEmpty { items.append("written with \(writtenOrigin.name) origin") }
        if !fileOrigin.isEmpty { items.append("file of \(fileOrigin.name) origin") }
        if !stdinOrigin.isEmpty { items.append("stdin of \(stdinOrigin.name) origin") }
        if !injectedEnvironment.isEmpty { items.append("environment injected: \(injectedEnvironment.joined(separator: ","))") }
        return items
    }
}

/// Follows pipes, written files and environments across a lineage's events: the first enrichment
/// stage of the processing spine. Bounded: each table forgets its oldest entries past `capacity`.
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
        var writer: String
        var time: UInt64
        /// The kernel's origin for the write, or package for package-manager work.
        var origin: DataOrigin
    }

    private struct FileKey: Hashable {
        var device: UInt32
        var inode: UInt64
        init(_ id: FileIdentity) { device = id.device; inode = id.inode }
    }

    private let capacity: Int
    private var pipeWriters: [UInt64: PipeWriter] = [:]
    private var pipeOrder: [UInt64] = []
    /// Execs reading a pipe on stdin, by pipe inode: judged again whenever a writer of that pipe
    /// execs, since the first writer need not be the last (`(sleep 1; curl …) | sh`).
    private var pipeReaders: [UInt64: [ExecEvent]] = [:]
    /// The stdin pipe of each image in `pipeReaders`, so that an image that ends leaves it.
    private var readerPipes: [UInt64: UInt64] = [:]
    private static let readersPerPipe = 8
    private var writes: [String: Write] = [:]
    private var writeOrder: [String] = []
    /// Network clients writing into a pipe, by the exec id of the image that started them.
    private var fetches: [UInt64: (time: UInt64, pipe: UInt64)] = [:]
    /// Pipes some exec read on stdin: a network client writing into one of these feeds a
    /// pipeline (`curl | jq`), not a shell capturing its output (`$(curl …)`).
    private var pipesWithReaders: Set<UInt64> = []
    /// Files package-manager work wrote while network-tainted: package origin, not network.
    private var packageFiles: Set<FileKey> = []
    /// Files a decoder wrote (its stdout, or a file it opened for writing): decoded origin.
    private var decodedFiles: Set<FileKey> = []
    /// Images that decode (`DecodingCommand`), so their later writes are known as decoded.
    private var decodingImages: Set<UInt64> = []
    public var homes: [String]
    /// The kernel's origin table, told about package-manager writes; nil in replay and examples.
    public var originTable: OriginTable?

    public init(capacity: Int = 16384, homes: [String] = []) {
        self.capacity = capacity
        self.homes = homes
    }

    /// Records what `event` tells about pipes and writes. Returns the execs reading the pipe a new
    /// writer just exec'd on: they can now be judged with it.
    public func observe(_ event: Event, lineage: ProcessTable) -> [Reconsideration] {
        switch event {
        case .exec(let e):
            forgetReader(e.previousExecID)
            decodingImages.remove(e.previousExecID)
            if DecodingCommand.decodes(e) {
                if decodingImages.count >= capacity { decodingImages.removeAll() }
                decodingImages.insert(e.process.execID)
                // `base64 -d > x.sh`: the shell opened x.sh before the decoder ran.
                if e.stdio[1].kind == .regular { rememberDecoded(e.stdio[1], writer: e.process.execID) }
            }
            guard let record = lineage[e.process.execID] else { return [] }
            let name = record.name.text
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
            }
            if stdout.kind == .pipe {
                let upstream = e.stdio[0].kind == .pipe ? pipeWriters[e.stdio[0].inode] : nil
                let isNetwork = Self.networkClients.contains(name)
                let isDecoder = Self.decoders.contains(name)
                remember(pipe: stdout.inode, PipeWriter(record: record,
                                                        network: isNetwork || (isDecoder && upstream?.network == true),
                                                        decoder: isDecoder || upstream?.decoder == true))
                if isNetwork { rememberFetch(e.process, pipe: stdout.inode, lineage: lineage) }
                return (pipeReaders[stdout.inode] ?? []).map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
            }
        case .connect(let c):
            return carriesNetworkData(c.process, lineage: lineage)
        case .open(let f) where f.succeeded && !f.isWrite && origin(of: f.file).contains(.network):
            // `cat download | sh`: the kernel now counts the reader as carrying network data.
            return carriesNetworkData(f.process, lineage: lineage)
        case .open(let f) where f.succeeded && f.isWrite && f.file.kind == .regular:
            let record = lineage[f.process.execID]
            let writer = record?.name.text ?? "?"
            var origin = f.file.origin
            if origin.contains(.network), let record, PackageManagerWork.contains(record, lineage: lineage) {
                origin = .package
                rememberPackageFile(f.file)
            }
            if decodingImages.contains(f.process.execID) {
                origin.insert(.decoded)
                rememberDecoded(f.file, writer: f.process.execID)
            }
            if writes.updateValue(Write(writer: writer, time: f.process.bootTime, origin: origin), forKey: f.path.text) == nil {
                writeOrder.append(f.path.text)
                if writeOrder.count > capacity {
                    let evicted = writeOrder.prefix(capacity / 4)
                    for path in evicted { writes[path] = nil }
                    writeOrder.removeFirst(evicted.count)
                }
            }
        case .rename(let r) where r.succeeded && r.operation != .symlink:
            // `cat > x; mv x ~/bin/tool; tool`: the record follows the file to its new name (a
            // link gives it a second one). A symlink's text is no file this lineage wrote.
            guard let write = writes[r.source.text] else { break }
            if r.operation == .rename { writes[r.source.text] = nil }
            if writes.updateValue(write, forKey: r.destination.text) == nil { writeOrder.append(r.destination.text) }
        case .exit(let x):
            forgetReader(x.process.execID)
            decodingImages.remove(x.process.execID)
        default:
            break
        }
        return []
    }

    /// A process connected or accepted, or read a file of network origin: the kernel counts it as
    /// carrying network data, whatever its name. If its stdout is a pipe, what reads the pipe reads
    /// network data (`./renamed-curl … | sh`, `cat download | sh`), and the image that started it
    /// fetched from the network (`$(…)`); the readers are judged again.
    private func carriesNetworkData(_ process: ProcessRef, lineage: ProcessTable) -> [Reconsideration] {
        guard let record = lineage[process.execID], let exec = record.exec,
              exec.process.execID == process.execID, exec.stdio[1].kind == .pipe else { return [] }
        let pipe = exec.stdio[1].inode
        // pip and npm talk to their registries; what they print is not code someone runs.
        if pipeWriters[pipe]?.network == true || PackageManagerWork.contains(record, lineage: lineage) { return [] }
        let upstream = exec.stdio[0].kind == .pipe ? pipeWriters[exec.stdio[0].inode] : nil
        remember(pipe: pipe, PipeWriter(record: record, network: true, decoder: upstream?.decoder == true))
        rememberFetch(process, pipe: pipe, lineage: lineage)
        return (pipeReaders[pipe] ?? []).map { Reconsideration(event: .exec($0), changed: .stdinProvenance) }
    }

    /// A network client writes into `pipe`: its parent image may be capturing the output
    /// (`$(curl …)`). Not when the pipe is the parent's own stdout or stderr, which the client
    /// inherited (the agent reading a tool call's output).
    private func rememberFetch(_ process: ProcessRef, pipe: UInt64, lineage: ProcessTable) {
        if let parentStdio = lineage[process.parentExecID]?.exec?.stdio,
           parentStdio[1...].contains(where: { $0.kind == .pipe && $0.inode == pipe }) { return }
        fetches[process.parentExecID] = (process.bootTime, pipe)
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

    /// The origin rules see: the kernel's, with package-manager work's writes as package, and
    /// decoders' output as decoded.
    func origin(of file: FileIdentity) -> DataOrigin {
        guard file.kind == .regular || file.kind == .pipe else { return [] }
        var origin = packageFiles.contains(FileKey(file)) ? .package : file.origin
        if decodedFiles.contains(FileKey(file)) { origin.insert(.decoded) }
        return origin
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
            for candidate in executedFiles(e, interpreter: interpreter, loaderProgram: loaderProgram, preloaded: preloaded) {
                if let write = writes[candidate] {
                    facts.writtenByLineage = true
                    facts.writtenPath = candidate
                    facts.writer = write.writer
                    facts.writtenOrigin = write.origin
                    facts.writtenLocation = location(of: candidate, lineage: lineage, sessionID: e.process.sessionID)
                    break
                }
            }
            facts.injectedEnvironment = injected(e, lineage: lineage)
        case .open(let f):
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
                facts.writer = write.writer
                facts.writtenOrigin = write.origin
                facts.writtenLocation = location(of: f.path.text, lineage: lineage, sessionID: f.process.sessionID)
            }
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
        if let workspace = lineage[sessionID]?.cwd?.text, workspace != "/", path.hasPrefix(workspace + "/") {
            return .workspace
        }
        if path.hasPrefix("/tmp/") || path.hasPrefix("/var/tmp/") || path.hasPrefix("/dev/shm/") || path.hasPrefix("/run/user/") {
            return .temp
        }
        if homes.contains(where: { path.hasPrefix($0 + "/") }) { return .home }
        if ["/usr/", "/etc/", "/bin/", "/sbin/", "/lib", "/opt/", "/boot/"].contains(where: { path.hasPrefix($0) }) {
            return .system
        }
        return .other
    }

    private func injected(_ e: ExecEvent, lineage: ProcessTable) -> [String] {
        guard !e.environment.isEmpty, e.process.execID != e.process.sessionID else { return [] }
        let parent = lineage[e.process.parentExecID]
        // The agent root's own environment is what its user started it with: not an injection.
        guard let parent else { return [] }
        return e.environment.compactMap { name, value in
            guard !WatchedEnvironment.markers.contains(name), !value.isEmpty else { return nil }
            return parent.environment[name] == value ? nil : name
        }.sorted()
    }
}
