/// PHP CLI's invocation grammar (`php -h`): getopt-style, a value attached or next. `-r CODE`
/// runs code; `-B/-R/-E CODE` run code around stdin's lines (inline code too); `-F FILE` and
/// `-f FILE` run a file; `-d auto_prepend_file=X` / `auto_append_file=X` and `-z EXT` load code
/// before the program (preloaded); `-l`, `-v`, `-h`, `-i`, `-m`, `--ri`... run nothing.
enum PHPGrammar {
    static let flags: Set<Character> = ["a", "C", "e", "H", "n", "q", "s", "w"]
    static let valued: Set<Character> = ["c", "d", "t", "S", "z", "r", "B", "R", "E", "f", "F"]
    static let exiting: Set<Character> = ["h", "i", "l", "m", "v"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var pieces: [ByteString] = [], preloaded: [ByteString] = []
        var script: ByteString?
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("-"), argument.count > 1 else { break }
            if argument.hasPrefix("--") {
                if ["--ini", "--help", "--version", "--info"].contains(argument) { return InterpreterInvocation(source: .noProgram) }
                if ["--rf", "--rc", "--re", "--rz", "--ri"].contains(argument) { return InterpreterInvocation(source: .noProgram) }
                return InterpreterInvocation(source: .unparsed(reason: "unknown option \(argument)"), preloaded: preloaded)
            }
            var letters = Substring(argument.dropFirst())
            cluster: while let letter = letters.first {
                letters = letters.dropFirst()
                if flags.contains(letter) { continue }
                if exiting.contains(letter) { return InterpreterInvocation(source: .noProgram, preloaded: preloaded) }
                guard valued.contains(letter) else {
                    return InterpreterInvocation(source: .unparsed(reason: "unknown option -\(letter)"), preloaded: preloaded)
                }
                guard let value = reader.clusterValue(argument, remaining: letters) else {
                    return InterpreterInvocation(source: .unparsed(reason: "-\(letter) without a value"), preloaded: preloaded)
                }
                switch letter {
                case "r", "B", "R", "E": pieces.append(value)
                case "f", "F": script = value
                case "z": preloaded.append(value)
                case "d":
                    for setting in ["auto_prepend_file=", "auto_append_file="] where value.hasPrefix(setting) {
                        preloaded.append(ByteString(Array(value.bytes.dropFirst(setting.utf8.count))))
                    }
                default: break
                }
                break cluster
            }
            reader.advance()
        }
        if !pieces.isEmpty { return InterpreterInvocation(source: .inline(joinedCode(pieces)), preloaded: preloaded) }
        if let script { return InterpreterInvocation(source: .script(script), preloaded: preloaded) }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
        return InterpreterInvocation(source: .script(reader.current), preloaded: preloaded)
    }
}

/// Lua's (`lua -h`, 5.4): `-e STAT` (repeatable, attached or next) runs code, `-l NAME` / `-l
/// g=NAME` requires a library first (preloaded), `-i -v -E -W` are flags, `-` is stdin, `--` ends
/// options, the first operand is the script.
enum LuaGrammar {
    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var pieces: [ByteString] = [], preloaded: [ByteString] = []
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("-"), argument != "-" else { break }
            switch argument.prefix(2) {
            case "-e", "-l":
                let value: ByteString
                if argument.count > 2 {
                    value = attachedValue(reader.current, after: 2)
                } else {
                    guard let next = reader.takeValue() else {
                        return InterpreterInvocation(source: .unparsed(reason: "\(argument) without a value"), preloaded: preloaded)
                    }
                    value = next
                }
                if argument.hasPrefix("-e") { pieces.append(value) } else { preloaded.append(value) }
            case "-i" where argument.count == 2, "-E" where argument.count == 2, "-W" where argument.count == 2:
                break
            case "-v" where argument.count == 2:
                if pieces.isEmpty { return InterpreterInvocation(source: .noProgram, preloaded: preloaded) }
            default:
                return InterpreterInvocation(source: .unparsed(reason: "unknown option \(argument)"), preloaded: preloaded)
            }
            reader.advance()
        }
        if !pieces.isEmpty && reader.atEnd { return InterpreterInvocation(source: .inline(joinedCode(pieces)), preloaded: preloaded) }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
        // lua runs the -e pieces, then the script: both are code; the inline pieces are what a
        // reader of the command line cannot see in a file, so they win.
        if !pieces.isEmpty { return InterpreterInvocation(source: .inline(joinedCode(pieces)), preloaded: preloaded) }
        return InterpreterInvocation(source: .script(reader.current), preloaded: preloaded)
    }
}

/// tclsh's (`man tclsh`): `?-encoding name? ?fileName arg ...?`; without a file it reads stdin.
enum TclGrammar {
    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        if !reader.atEnd, reader.text == "-encoding" {
            guard reader.takeValue() != nil else { return InterpreterInvocation(source: .unparsed(reason: "-encoding without a name")) }
            reader.advance()
        }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin) }
        return InterpreterInvocation(source: .script(reader.current))
    }
}

/// PowerShell's (`pwsh -?`): parameters are case-insensitive and may be any unambiguous prefix
/// (the listed short forms are pwsh's own aliases). `-Command`/`-c` takes the rest of the line as
/// code, `-EncodedCommand`/`-e`/`-ec` base64 code (kept as given), `-File`/`-f` or the first
/// operand a script; `-Command -` reads stdin.
enum PowerShellGrammar {
    static let switches: [String] = ["noprofile", "nop", "noninteractive", "noni", "nologo", "noexit", "interactive", "i",
                                     "login", "l", "mta", "sta", "noprofileloadtime"]
    static let valued: [String] = ["executionpolicy", "ex", "ep", "workingdirectory", "wd", "configurationname", "config",
                                   "outputformat", "o", "of", "inputformat", "if", "inf", "windowstyle", "w", "settingsfile",
                                   "settings", "custompipename", "encodedarguments", "encodeda", "ea"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        while !reader.atEnd {
            let argument = reader.text
            guard argument.hasPrefix("-"), argument.count > 1 else { break }
            let name = String(argument.dropFirst(argument.hasPrefix("--") ? 2 : 1)).lowercased()
            if switches.contains(name) { reader.advance(); continue }
            if ["version", "v", "help", "h", "?"].contains(name) { return InterpreterInvocation(source: .noProgram) }
            if valued.contains(name) {
                guard reader.takeValue() != nil else { return InterpreterInvocation(source: .unparsed(reason: "\(argument) without a value")) }
                reader.advance()
                continue
            }
            if ["command", "c", "com", "comm", "comma", "comman"].contains(name) {
                guard reader.takeValue() != nil else { return InterpreterInvocation(source: .unparsed(reason: "-Command without code")) }
                let code = reader.rest
                if code.count == 1 && code.first?.text == "-" { return InterpreterInvocation(source: .stdin) }
                return InterpreterInvocation(source: .inline(ByteString(Array(code.map(\.bytes).joined(separator: [UInt8(ascii: " ")])))))
            }
            if ["encodedcommand", "e", "ec", "enc", "encodedc"].contains(name) {
                guard let code = reader.takeValue() else { return InterpreterInvocation(source: .unparsed(reason: "-EncodedCommand without code")) }
                return InterpreterInvocation(source: .inline(code))
            }
            if ["file", "f", "fi", "fil"].contains(name) {
                guard let file = reader.takeValue() else { return InterpreterInvocation(source: .unparsed(reason: "-File without a file")) }
                return InterpreterInvocation(source: .script(file))
            }
            return InterpreterInvocation(source: .unparsed(reason: "unknown parameter \(argument)"))
        }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin) }
        // A bare operand is taken as -File by pwsh.
        return InterpreterInvocation(source: .script(reader.current))
    }
}
