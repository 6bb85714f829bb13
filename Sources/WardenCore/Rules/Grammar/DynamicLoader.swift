/// The dynamic loader run as a program (`/lib64/ld-linux-x86-64.so.2 [OPTION]... PROGRAM
/// [ARG]...`, see `ld.so --help`): the kernel sees an exec of the loader, which then maps and
/// runs PROGRAM itself, so the exec is really one of PROGRAM with the arguments after it.
public struct DynamicLoaderInvocation: Sendable, Hashable {
    /// Index in the exec's argv of the program the loader runs (that program's argv[0]).
    public var programIndex: Int
    /// Objects `--preload` and `--audit` load into the program.
    public var preloaded: [ByteString]

    public var program: ByteString

    /// Options taking a value (the next argument).
    static let valued: Set<String> = ["--library-path", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask",
                                      "--inhibit-rpath", "--audit", "--preload", "--argv0"]

    /// nil when the loader runs no program: `--list`, `--verify`, `--help`, tracing for `ldd`
    /// (LD_TRACE_LOADED_OBJECTS), or an argv that does not parse.
    public init?(argv: [ByteString], environment: [String: ByteString]) {
        if let trace = environment["LD_TRACE_LOADED_OBJECTS"], !trace.isEmpty { return nil }
        var reader = ArgvReader(Array(argv.dropFirst()))
        var preloaded: [ByteString] = []
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("--") else { break }
            let name = String(longOptionName(argument))
            if Self.valued.contains(name) {
                guard let value = reader.longValue(of: argument) else { return nil }
                if name == "--preload" || name == "--audit" {
                    // LIST: colon- or space-separated objects.
                    preloaded += value.bytes.split { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") }.map { ByteString(Array($0)) }
                }
            } else if name != "--inhibit-cache" {
                // --list, --verify, --help, --version, --list-tunables, --list-diagnostics, or unknown.
                return nil
            }
            reader.advance()
        }
        guard !reader.atEnd else { return nil }
        programIndex = reader.index + 1
        program = reader.current
        self.preloaded = preloaded
    }

    /// File names of ELF program interpreters: ld-linux-x86-64.so.2, ld-linux-aarch64.so.1,
    /// ld-musl-x86_64.so.1, ld64.so.2, ld.so, ld-2.31.so.
    public static func isLoaderName(_ name: String) -> Bool {
        if name == "ld.so" { return true }
        if name.hasPrefix("ld-linux") || name.hasPrefix("ld-musl-") || name.hasPrefix("ld64.so") { return name.contains(".so") }
        return name.hasPrefix("ld-") && name.hasSuffix(".so")
    }
}
