import Glibc

/// What an ELF executable is, read from its own headers rather than from its name: enough to
/// recognise an interpreter wherever it lives and whatever it is called.
///
/// - `buildID`: the GNU build-id note, the linker's hash of what it linked. A renamed copy, a
///   hard link, a copy padded with bytes at the end or patched outside its headers keeps it.
/// - `code`: the file range of the first executable `PT_LOAD` segment, the machine code. Two
///   files whose code segments are byte-for-byte equal run the same program, even when the
///   build-id note was stripped or altered.
/// - `embeddedKind`: the language whose runtime the program's own `main` hands its argv to,
///   from the dynamic symbol names it references or exports (`Py_BytesMain` is what CPython's
///   `main` calls, in a pyenv build linked to libpython as in Debian's static one). This is
///   what recognises interpreters that were never installed where Warden scans: a pyenv, conda or
///   venv Python, an nvm node, copied and renamed.
///
/// Only 64-bit little-endian ELF (x86-64, arm64) is read; anything else has no fingerprint.
public struct ExecutableFingerprint: Sendable, Hashable {
    public var buildID: [UInt8]
    public var code: Range<UInt64>?
    public var embeddedKind: ContentKind?
    /// The file names a program interpreter (PT_INTERP): a dynamically linked program. The
    /// dynamic loader itself has none.
    public var hasProgramInterpreter = false

    /// The symbols a language's own command-line program calls to run its argv. Chosen so that
    /// programs that merely embed a language (vim, gdb, blender call `Py_Initialize`) do not
    /// match: only the interpreter's `main` calls these.
    static let entrySymbols: [(kind: InterpreterKind, all: [String])] = [
        (.python, ["Py_BytesMain"]),
        (.python, ["Py_Main"]),
        (.perl, ["perl_parse", "perl_run"]),
        (.ruby, ["ruby_run_node"]),
        (.node, ["_ZN4node5StartEiPPc"]),
        (.php, ["php_execute_script", "sapi_cli_single_write"]),
        (.tcl, ["Tcl_Main"]),
    ]
    /// glibc's dynamic loader defines these for libc; a program without PT_INTERP that has them
    /// is the loader (libc.so.6 references them too, but has PT_INTERP).
    static let loaderSymbols = ["_rtld_global_ro", "_dl_catch_exception"]

    /// The string table of a large runtime (node exports every V8 symbol) is a few MiB.
    static let stringTableLimit: UInt64 = 32 << 20

    /// Reads the fingerprint of the open file `fd`; nil when it is not a readable ELF64 LE file.
    public static func read(fd: Int32) -> ExecutableFingerprint? {
        let file = ELFFile(fd: fd)
        guard let header = file.bytes(at: 0, count: 64), header.starts(with: [0x7F, 0x45, 0x4C, 0x46]),
              header[4] == 2, header[5] == 1 else { return nil }
        let programHeaders = header.u64(0x20)
        let entrySize = UInt64(header.u16(0x36))
        let entryCount = UInt64(header.u16(0x38))
        guard entrySize >= 56, entryCount > 0, entryCount <= 256,
              let table = file.bytes(at: programHeaders, count: entrySize * entryCount) else { return nil }
        let segments = (0..<entryCount).map { ELFSegment(table, at: Int($0 * entrySize)) }
        var fingerprint = ExecutableFingerprint(buildID: [], code: nil, embeddedKind: nil)
        if let code = segments.first(where: { $0.type == ELFSegment.load && $0.flags & ELFSegment.executable != 0 }) {
            // Header values are the file's to choose: anything past 1 TiB is nonsense, not a trap.
            if code.offset < 1 << 40, code.fileSize < 1 << 40 { fingerprint.code = code.offset..<(code.offset + code.fileSize) }
        }
        fingerprint.hasProgramInterpreter = segments.contains { $0.type == ELFSegment.programInterpreter }
        for note in segments where note.type == ELFSegment.note {
            if let id = buildID(in: note, of: file) { fingerprint.buildID = id; break }
        }
        if let dynamic = segments.first(where: { $0.type == ELFSegment.dynamic }),
           let strings = dynamicStrings(dynamic, segments: segments, of: file) {
            fingerprint.embeddedKind = entrySymbols.first { entry in
                entry.all.allSatisfy { strings.namesSymbol($0) }
            }.map { .interpreter($0.kind) }
            if fingerprint.embeddedKind == nil, !fingerprint.hasProgramInterpreter,
               loaderSymbols.allSatisfy({ strings.namesSymbol($0) }) {
                fingerprint.embeddedKind = .loader
            }
        }
        return fingerprint
    }

    /// NT_GNU_BUILD_ID's descriptor in a PT_NOTE segment.
    private static func buildID(in segment: ELFSegment, of file: ELFFile) -> [UInt8]? {
        guard segment.fileSize <= 1 << 16, let notes = file.bytes(at: segment.offset, count: segment.fileSize) else { return nil }
        let alignment = segment.alignment == 8 ? 8 : 4
        func aligned(_ n: Int) -> Int { (n + alignment - 1) & ~(alignment - 1) }
        var at = 0
        while at + 12 <= notes.count {
            let nameSize = Int(notes.u32(at)), descriptorSize = Int(notes.u32(at + 4)), type = notes.u32(at + 8)
            let name = at + 12, descriptor = name + aligned(nameSize)
            guard nameSize <= notes.count, descriptorSize <= notes.count, descriptor + descriptorSize <= notes.count else { return nil }
            if type == 3, nameSize == 4, Array(notes[name..<name + 4]) == [0x47, 0x4E, 0x55, 0] {
                return Array(notes[descriptor..<descriptor + descriptorSize])
            }
            at = descriptor + aligned(descriptorSize)
        }
        return nil
    }

    /// The dynamic string table (DT_STRTAB, DT_STRSZ), located through the load segments.
    private static func dynamicStrings(_ dynamic: ELFSegment, segments: [ELFSegment], of file: ELFFile) -> [UInt8]? {
        guard dynamic.fileSize <= 1 << 20, let entries = file.bytes(at: dynamic.offset, count: dynamic.fileSize) else { return nil }
        var address: UInt64?, size: UInt64?
        for at in stride(from: 0, to: entries.count - 15, by: 16) {
            let tag = entries.u64(at)
            if tag == 0 { break } // DT_NULL
            if tag == 5 { address = entries.u64(at + 8) } // DT_STRTAB
            if tag == 10 { size = entries.u64(at + 8) } // DT_STRSZ
        }
        guard let address, let size, size <= stringTableLimit,
              let load = segments.first(where: { $0.type == ELFSegment.load && $0.address <= address && address - $0.address < $0.fileSize })
        else { return nil }
        let (offset, overflow) = load.offset.addingReportingOverflow(address - load.address)
        return overflow ? nil : file.bytes(at: offset, count: size)
    }
}

/// One ELF64 program header.
private struct ELFSegment {
    static let load: UInt32 = 1, dynamic: UInt32 = 2, programInterpreter: UInt32 = 3, note: UInt32 = 4
    static let executable: UInt32 = 1

    var type: UInt32
    var flags: UInt32
    var offset: UInt64
    var address: UInt64
    var fileSize: UInt64
    var alignment: UInt64

    init(_ table: [UInt8], at base: Int) {
        type = table.u32(base)
        flags = table.u32(base + 4)
        offset = table.u64(base + 8)
        address = table.u64(base + 16)
        fileSize = table.u64(base + 32)
        alignment = table.u64(base + 48)
    }
}

/// Bounded positioned reads of an open file.
struct ELFFile {
    let fd: Int32

    /// Exactly `count` bytes at `offset`, or nil (short file, error, absurd size).
    func bytes(at offset: UInt64, count: UInt64) -> [UInt8]? {
        guard count <= ExecutableFingerprint.stringTableLimit, offset < UInt64(Int64.max) - count else { return nil }
        var buffer = [UInt8](repeating: 0, count: Int(count))
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return buffer
    }
}

/// What the content detector can find an executable to be.
public enum ContentKind: Sendable, Hashable {
    case interpreter(InterpreterKind)
    /// The dynamic loader (run as a program, it runs its first argument).
    case loader
    /// Busybox: its applet is argv[0], or `busybox APPLET`.
    case busybox
}

private extension Array where Element == UInt8 {
    func u16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[at + $1]) << (8 * $1) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[at + $1]) << (8 * $1) } }

    /// The string table names `symbol`: it occurs NUL-terminated, at the start of a string or as
    /// the tail of a longer one (linkers share tails between names).
    func namesSymbol(_ symbol: String) -> Bool {
        ByteSearch(Array(symbol.utf8) + [0]).occurs(in: self)
    }
}
