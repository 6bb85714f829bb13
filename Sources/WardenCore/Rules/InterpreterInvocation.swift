/// Where an interpreter's command line says its code comes from. The one reading of an
/// interpreter's argv: inline code, a module, a script file, or (none of these) stdin.
enum InterpreterInvocation {
    case inline(ByteString)
    case module
    case script(ByteString)
    case stdin

    /// Flags whose next argument is code: sh -c, python -c, node -e, perl -e/-E, php -r, ...
    static let inlineCodeFlags: Set<String> = ["-c", "-e", "-E", "-r", "--eval", "--command", "-p", "--print"]

    init(argv: [ByteString], kind: InterpreterKind) {
        var index = 1
        while index < argv.count {
            let argument = argv[index].text
            // A shell's combined flags ending in c (`-lc`, `-ec`) take code too.
            let combinedShellFlags = kind == .shell && argument.count > 1 && argument.hasPrefix("-")
                && !argument.hasPrefix("--") && argument.hasSuffix("c")
            if Self.inlineCodeFlags.contains(argument) || combinedShellFlags {
                self = .inline(index + 1 < argv.count ? argv[index + 1] : ByteString([]))
                return
            }
            if argument == "-m" { self = .module; return }
            if !argument.hasPrefix("-") || argument == "-" { self = .script(argv[index]); return }
            index += 1
        }
        self = .stdin
    }

    var inlineCode: ByteString? {
        if case .inline(let code) = self { return code }
        return nil
    }

    /// The script argument, if the code comes from a file named on the command line.
    var scriptArgument: ByteString? {
        if case .script(let path) = self { return path }
        return nil
    }

    /// The file an exec runs as a script: a shebang script itself, or an interpreter's script argument.
    static func script(of exec: ExecEvent, interpreter: InterpreterCatalog.Match?) -> ByteString? {
        if exec.isScript { return exec.filename }
        guard let kind = interpreter?.kind else { return nil }
        return InterpreterInvocation(argv: exec.argv, kind: kind).scriptArgument
    }
}
