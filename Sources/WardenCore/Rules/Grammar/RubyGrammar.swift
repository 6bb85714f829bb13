/// Ruby's invocation grammar (`ruby -h`, `man ruby`): switches cluster (`-ne`); `e` (repeatable,
/// joined by newlines), `r` (a library, preloaded), `I` and `C` (directories) and `E` take the
/// rest of the cluster or the next argument; `0 F i K l T W x` take only what is attached
/// (`-W0`, `-W:no-deprecated`); long options are the listed ones or `--name=value`; ruby refuses
/// anything else, so it is unparsed.
enum RubyGrammar {
    static let flags: Set<Character> = ["a", "d", "l", "n", "p", "s", "S", "U", "w", "y"]
    static let attachedOnly: Set<Character> = ["0", "F", "i", "K", "T", "W", "x"]
    static let longFlags: Set<String> = ["--verbose", "--disable-gems", "--enable-gems", "--jit", "--yjit", "--rjit",
                                         "--disable-all", "--enable-all", "--disable-did_you_mean", "--enable-frozen-string-literal",
                                         "--disable-frozen-string-literal", "--backtrace-limit", "--debug"]
    static let longValued: Set<String> = ["--enable", "--disable", "--encoding", "--external-encoding", "--internal-encoding", "--dump"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var pieces: [ByteString] = [], preloaded: [ByteString] = []
        var checkOnly = false
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("-"), argument.count > 1 else { break }
            if argument.hasPrefix("--") {
                let name = String(longOptionName(argument))
                if name == "--version" || name == "--help" || name == "--copyright" {
                    return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                }
                if longValued.contains(name) {
                    guard reader.longValue(of: argument) != nil else {
                        return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                    }
                } else if !(longFlags.contains(name) || argument.contains("=") || name.hasPrefix("--yjit-")
                            || name.hasPrefix("--enable-") || name.hasPrefix("--disable-")) {
                    return InterpreterInvocation(source: .unparsed(reason: "unknown option \(argument)"), preloaded: preloaded)
                }
                reader.advance()
                continue
            }
            var letters = Substring(argument.dropFirst())
            cluster: while let letter = letters.first {
                letters = letters.dropFirst()
                if flags.contains(letter) { continue }
                if attachedOnly.contains(letter) { break cluster }
                switch letter {
                case "c": checkOnly = true
                case "v", "h": return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                case "e", "r", "I", "C", "E":
                    guard let value = reader.clusterValue(argument, remaining: letters) else {
                        return InterpreterInvocation(source: .unparsed(reason: "-\(letter) without a value"), preloaded: preloaded)
                    }
                    if letter == "e" { pieces.append(value) }
                    if letter == "r" { preloaded.append(value) }
                    break cluster
                default:
                    return InterpreterInvocation(source: .unparsed(reason: "unknown switch -\(letter) in \(argument)"), preloaded: preloaded)
                }
            }
            reader.advance()
        }
        return repeatedCodeInvocation(checkOnly: checkOnly, pieces: pieces, preloaded: preloaded, reader: reader)
    }
}
