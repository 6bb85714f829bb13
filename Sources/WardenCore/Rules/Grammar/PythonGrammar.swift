/// CPython's invocation grammar (`python3 --help`): single-letter flags cluster (`-uc`, `-IS`);
/// `c`, `m`, `W`, `X` take the rest of their cluster or else the next argument (`-cCODE`,
/// `-X dev`, `-Wignore`); `-c` and `-m` end option processing (what follows is `sys.argv`);
/// `-` or a first operand is the script. Python refuses unknown options, so one is unparsed.
enum PythonGrammar {
    static let flags: Set<Character> = ["b", "B", "d", "E", "i", "I", "O", "P", "q", "s", "S", "u", "v", "x", "R"]
    static let exiting: Set<Character> = ["h", "V", "?"]
    static let exitingLong: Set<String> = ["--help", "--version", "--help-env", "--help-xoptions", "--help-all"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            if argument == "-" { return InterpreterInvocation(source: .script(reader.current)) }
            if argument.hasPrefix("--") {
                let name = String(longOptionName(argument))
                if exitingLong.contains(name) { return InterpreterInvocation(source: .noProgram) }
                if name == "--check-hash-based-pycs" {
                    guard reader.longValue(of: argument) != nil else { return unparsed("\(name) without a value") }
                    reader.advance()
                    continue
                }
                return unparsed("unknown option \(argument)")
            }
            guard argument.hasPrefix("-"), argument.count > 1 else { break }
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                if flags.contains(letter) { continue }
                if exiting.contains(letter) { return InterpreterInvocation(source: .noProgram) }
                guard "cmWX".contains(letter) else { return unparsed("unknown option -\(letter) in \(argument)") }
                // The rest of the cluster is the value; otherwise the next argument is.
                guard let value = reader.clusterValue(argument, remaining: letters) else {
                    return unparsed("-\(letter) without a value")
                }
                switch letter {
                case "c": return InterpreterInvocation(source: .inline(value))
                case "m": return InterpreterInvocation(source: .module(value))
                default: letters = ""
                }
            }
            reader.advance()
        }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin) }
        return InterpreterInvocation(source: .script(reader.current))
    }

    private static func unparsed(_ reason: String) -> InterpreterInvocation {
        InterpreterInvocation(source: .unparsed(reason: reason))
    }
}

/// The exact bytes of `argument` from byte `offset` on: an attached value keeps bytes that are
/// not UTF-8 (`-c` followed by raw bytes).
func attachedValue(_ argument: ByteString, after offset: Int) -> ByteString {
    ByteString(Array(argument.bytes.dropFirst(offset)))
}
