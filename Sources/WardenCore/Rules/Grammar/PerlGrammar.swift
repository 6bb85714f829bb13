/// Perl's invocation grammar (`perl -h`, perlrun): switches cluster (`-lane`, `-pi.bak`); `e`
/// and `E` take the rest of the cluster or the next argument as one line of code (repeatable,
/// joined by newlines); `I` takes the rest or the next argument (a directory); `M`/`m` the rest
/// or the next argument (a module, preloaded); `0 C d D i l V x F` take only what is attached
/// (`-ie` is an in-place edit with suffix "e", not code), except `l`, `0` and `C`, which take
/// only their digits (or `-C`'s letters) and let the cluster go on (`-lane`, `-0777ne`);
/// `-c`, `-v`, `-h` run nothing.
enum PerlGrammar {
    static let flags: Set<Character> = ["a", "f", "n", "p", "s", "S", "t", "T", "u", "U", "w", "W", "X"]
    static let attachedOnly: Set<Character> = ["d", "D", "i", "V", "x", "F"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var pieces: [ByteString] = [], preloaded: [ByteString] = []
        var checkOnly = false
        scanning: while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("-"), argument.count > 1 else { break }
            var letters = Substring(argument.dropFirst())
            cluster: while let letter = letters.first {
                letters = letters.dropFirst()
                if flags.contains(letter) { continue }
                if attachedOnly.contains(letter) { break cluster }
                switch letter {
                case "l": letters = letters.drop { "01234567".contains($0) }
                case "0":
                    if letters.first == "x" { letters = letters.dropFirst().drop { $0.isHexDigit } } else { letters = letters.drop { "01234567".contains($0) } }
                case "C": letters = letters.drop { $0.isNumber || "IOESioDALa".contains($0) }
                case "c": checkOnly = true
                case "v", "h": return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                case "e", "E", "I", "M", "m":
                    guard let value = reader.clusterValue(argument, remaining: letters) else {
                        return InterpreterInvocation(source: .unparsed(reason: "-\(letter) without a value"), preloaded: preloaded)
                    }
                    if letter == "e" || letter == "E" { pieces.append(value) }
                    if letter == "M" || letter == "m" { preloaded.append(value) }
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
