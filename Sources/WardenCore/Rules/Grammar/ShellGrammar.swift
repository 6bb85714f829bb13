/// POSIX shells' invocation grammar (bash, dash, zsh, ksh, busybox ash, as in `man bash` and
/// `man dash`): option clusters led by `-` or `+` (`-ec`, `-lc`, `+x`); `o` and `O` in a cluster
/// each take the next argument as an option name (`-o errexit`, `-eo pipefail`, `-O extglob`);
/// long options before the short ones; `-` or `--` ends options. With `c` anywhere in a cluster
/// the first operand after all options is the code and the next one `$0`; with `s`, or with no
/// operand, the program is read from stdin; otherwise the first operand is the script.
enum ShellGrammar {
    /// Long options that take no value (bash's, and fish's/zsh's common ones).
    static let longFlags: Set<String> = [
        "--login", "--noprofile", "--norc", "--posix", "--restricted", "--verbose", "--noediting",
        "--debugger", "--dump-strings", "--dump-po-strings", "--pretty-print", "--interactive",
        "--no-config", "--no-rcs", "--no-globalrcs", "--private", "--no-execute",
    ]
    static let exitingLongOptions: Set<String> = ["--help", "--version"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var command = false, readsStdin = false
        var inlineFromOption: ByteString?
        var preloaded: [ByteString] = []
        options: while !reader.atEnd {
            let argument = reader.text
            if argument == "--" || argument == "-" { reader.advance(); break }
            if argument.hasPrefix("--") {
                let name = String(longOptionName(argument))
                if longFlags.contains(argument) {
                    reader.advance()
                    continue
                }
                if exitingLongOptions.contains(name) {
                    return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                } else if name == "--rcfile" || name == "--init-file" || name == "--init-command" {
                    // Startup code the shell runs before anything else (fish's --init-command is code itself).
                    guard let value = reader.longValue(of: argument) else { return unparsed("\(name) without a value", preloaded) }
                    preloaded.append(value)
                } else if name == "--command" {
                    // fish: --command CODE / --command=CODE.
                    guard let value = reader.longValue(of: argument) else { return unparsed("--command without code", preloaded) }
                    inlineFromOption = value
                } else {
                    return unparsed("unknown option \(argument)", preloaded)
                }
                reader.advance()
                continue
            }
            guard (argument.hasPrefix("-") || argument.hasPrefix("+")), argument.count > 1 else { break options }
            let minus = argument.hasPrefix("-")
            var valuesOwed = 0
            for letter in argument.dropFirst() {
                guard letter.isASCII, letter.isLetter else { return unparsed("unknown option \(argument)", preloaded) }
                switch letter {
                case "o", "O": valuesOwed += 1
                case "c" where minus: command = true
                case "s" where minus: readsStdin = true
                default: break
                }
            }
            // Each `o`/`O` in the cluster takes the next argument, in order.
            for _ in 0..<valuesOwed {
                guard reader.takeValue() != nil else { return unparsed("\(argument) without an option name", preloaded) }
            }
            reader.advance()
        }
        if let inlineFromOption { return InterpreterInvocation(source: .inline(inlineFromOption), preloaded: preloaded) }
        let operands = reader.rest
        if command {
            guard let code = operands.first else { return unparsed("-c without code", preloaded) }
            return InterpreterInvocation(source: .inline(code), preloaded: preloaded)
        }
        if readsStdin || operands.isEmpty { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
        return InterpreterInvocation(source: .script(operands.first!), preloaded: preloaded)
    }

    private static func unparsed(_ reason: String, _ preloaded: [ByteString]) -> InterpreterInvocation {
        InterpreterInvocation(source: .unparsed(reason: reason), preloaded: preloaded)
    }
}
