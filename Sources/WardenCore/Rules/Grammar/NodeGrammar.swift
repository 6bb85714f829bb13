/// Node's invocation grammar (`node --help`, v20): options before the script; `--name=value`
/// or `--name value` for the options that take a value (listed, since a boolean option followed
/// by a path must not swallow it); `-e/--eval` and `-p/--print` give code and keep parsing
/// options; `-r/--require`, `--import`, `--loader`/`--experimental-loader` preload code; `--` or
/// the first operand ends options (the operand is the script, `-` is stdin). Node and V8 have
/// hundreds of boolean flags, so an unknown long option without a value is taken as one; an
/// unknown short option is unparsed (node refuses it).
enum NodeGrammar {
    static let preloading: Set<String> = ["--require", "--import", "--loader", "--experimental-loader"]
    static let code: Set<String> = ["--eval", "--print"]
    /// Options whose value may be the next argument.
    static let valued: Set<String> = [
        "--conditions", "--cpu-prof-dir", "--cpu-prof-interval", "--cpu-prof-name", "--diagnostic-dir",
        "--disable-proto", "--disable-warning", "--dns-result-order", "--env-file", "--env-file-if-exists",
        "--experimental-default-type", "--experimental-policy", "--experimental-sea-config", "--heap-prof-dir",
        "--heap-prof-interval", "--heap-prof-name", "--heapsnapshot-near-heap-limit", "--heapsnapshot-signal",
        "--icu-data-dir", "--input-type", "--inspect-publish-uid", "--max-http-header-size",
        "--network-family-autoselection-attempt-timeout", "--openssl-config", "--policy-integrity",
        "--redirect-warnings", "--report-filename", "--report-signal", "--report-directory", "--report-dir",
        "--secure-heap", "--secure-heap-min", "--snapshot-blob", "--test-concurrency", "--test-name-pattern",
        "--test-reporter", "--test-reporter-destination", "--test-shard", "--test-timeout", "--title",
        "--tls-cipher-list", "--tls-keylog", "--trace-event-categories", "--trace-event-file-pattern",
        "--trace-require-module", "--unhandled-rejections", "--use-largepages", "--watch-path",
        "--build-snapshot-config", "--allow-fs-read", "--allow-fs-write", "--stack-size", "--max-old-space-size",
        "--experimental-config-file", "--localstorage-file", "--test-skip-pattern", "--run",
    ]
    static let short: [Character: String] = ["e": "--eval", "p": "--print", "r": "--require", "C": "--conditions",
                                             "c": "--check", "h": "--help", "v": "--version", "i": "--interactive"]
    /// Options after which node runs no program of the command line: it checks, prints, or
    /// runs its test runner over files it finds itself.
    static let noProgram: Set<String> = ["--check", "--help", "--version", "--test", "--v8-options", "--run"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var pieces: [ByteString] = [], preloaded: [ByteString] = []
        var runsNoProgram = false
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            guard argument.hasPrefix("-"), argument != "-" else { break }
            var name = String(longOptionName(argument))
            if !argument.hasPrefix("--") {
                // -pe / -ep: print and eval, the one cluster node itself accepts.
                if argument == "-pe" || argument == "-ep" { name = "--eval" } else {
                    guard argument.count == 2, let long = short[argument.last!] else {
                        return InterpreterInvocation(source: .unparsed(reason: "unknown option \(argument)"), preloaded: preloaded)
                    }
                    name = long
                }
            }
            if preloading.contains(name) || code.contains(name) || valued.contains(name) {
                let value = argument.hasPrefix("--") ? reader.longValue(of: argument) : reader.takeValue()
                guard let value else {
                    // `node -p` alone prints nothing useful; `--print` without code is still a missing value.
                    return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                }
                if preloading.contains(name) { preloaded.append(value) }
                if code.contains(name) { pieces.append(value) }
                if name == "--run" { runsNoProgram = true }
            } else if noProgram.contains(name) {
                runsNoProgram = true
            }
            reader.advance()
        }
        if let first = pieces.first { return InterpreterInvocation(source: .inline(first), preloaded: preloaded) }
        if runsNoProgram { return InterpreterInvocation(source: .noProgram, preloaded: preloaded) }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
        return InterpreterInvocation(source: .script(reader.current), preloaded: preloaded)
    }
}

/// Bun's (`bun --help`): runtime options, then a subcommand or a file. `-e/--eval` and
/// `-p/--print` give code, `-r/--preload`, `--require` and `--import` preload it, `bun run X` and
/// `bun X` run a file (or a package.json script), `bun exec CODE` runs shell code; the package
/// manager and tool subcommands run no program of the command line.
enum BunGrammar {
    static let tools: Set<String> = ["test", "x", "repl", "install", "i", "add", "a", "remove", "rm", "update", "link",
                                     "unlink", "pm", "build", "init", "create", "c", "upgrade", "outdated", "publish",
                                     "audit", "info", "patch", "patch-commit", "why", "--help", "-h", "--version", "-v",
                                     "--revision", "completions", "discord", "help"]
    static let valued: Set<String> = ["--cwd", "--config", "-c", "--env-file", "--tsconfig-override", "--define", "-d",
                                      "--loader", "-l", "--main-fields", "--extension-order", "--jsx-factory",
                                      "--jsx-fragment", "--jsx-import-source", "--jsx-runtime", "--port", "--conditions",
                                      "--fetch-preconnect", "--max-http-header-size", "--filter", "-F", "--elide-lines",
                                      "--inspect", "--inspect-wait", "--inspect-brk", "--unhandled-rejections"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var preloaded: [ByteString] = []
        var pieces: [ByteString] = []
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            let name = String(longOptionName(argument))
            if ["-e", "--eval", "-p", "--print"].contains(name) {
                guard let value = name.hasPrefix("--") ? reader.longValue(of: argument) : reader.takeValue() else {
                    return InterpreterInvocation(source: .unparsed(reason: "\(name) without code"), preloaded: preloaded)
                }
                pieces.append(value)
            } else if ["-r", "--preload", "--require", "--import"].contains(name) {
                guard let value = name.hasPrefix("--") ? reader.longValue(of: argument) : reader.takeValue() else {
                    return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                }
                preloaded.append(value)
            } else if valued.contains(name) && !argument.contains("=") {
                guard reader.takeValue() != nil else {
                    return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                }
            } else if tools.contains(argument) {
                return InterpreterInvocation(source: pieces.first.map { .inline($0) } ?? .noProgram, preloaded: preloaded)
            } else if argument == "exec" {
                guard let code = reader.takeValue() else {
                    return InterpreterInvocation(source: .unparsed(reason: "exec without code"), preloaded: preloaded)
                }
                return InterpreterInvocation(source: .inline(code), preloaded: preloaded)
            } else if argument == "run" {
                // `bun run [options] FILE`: options may follow the subcommand.
            } else if !argument.hasPrefix("-") || argument == "-" {
                break
            }
            reader.advance()
        }
        if let first = pieces.first { return InterpreterInvocation(source: .inline(first), preloaded: preloaded) }
        guard !reader.atEnd else { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
        return InterpreterInvocation(source: .script(reader.current), preloaded: preloaded)
    }
}

/// Deno's (`deno --help`, 2.x): `deno run [options] FILE`, `deno eval [options] CODE`, `deno FILE`
/// (2.x runs a file given without a subcommand), `--preload X` / `--import X` preload code; other
/// subcommands (test, task, fmt, lint, install, compile, ...) run no program of the command line.
/// Long options take `=value` or, for the listed ones, the next argument.
enum DenoGrammar {
    static let runners: Set<String> = ["run", "serve"]
    static let valued: Set<String> = ["--config", "-c", "--import-map", "--lock", "--cert", "--location", "--seed",
                                      "--env-file", "--ext", "--watch-exclude", "--inspect-wait", "--frozen",
                                      "--node-modules-dir", "--vendor", "--port", "--host", "--reload", "-r"]

    static func parse(_ arguments: [ByteString]) -> InterpreterInvocation {
        var reader = ArgvReader(arguments)
        var preloaded: [ByteString] = []
        var evaluating = false, subcommandSeen = false
        while !reader.atEnd {
            let argument = reader.text
            if argument == "--" { reader.advance(); break }
            let name = String(longOptionName(argument))
            if argument.hasPrefix("-") && argument != "-" {
                if name == "--preload" || name == "--import" || name == "--require" {
                    guard let value = reader.longValue(of: argument) else {
                        return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                    }
                    preloaded.append(value)
                } else if (name == "--help" || name == "-h" || name == "--version" || name == "-V") {
                    return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                } else if valued.contains(name) && !argument.contains("=") && name != "--reload" && name != "-r" {
                    guard reader.takeValue() != nil else {
                        return InterpreterInvocation(source: .unparsed(reason: "\(name) without a value"), preloaded: preloaded)
                    }
                }
                reader.advance()
                continue
            }
            if !subcommandSeen {
                subcommandSeen = true
                if argument == "eval" { evaluating = true; reader.advance(); continue }
                if runners.contains(argument) { reader.advance(); continue }
                // A file with an extension or a path is run as a program; any other word is a tool.
                if !argument.contains("/") && !argument.contains(".") {
                    return InterpreterInvocation(source: .noProgram, preloaded: preloaded)
                }
            }
            break
        }
        guard !reader.atEnd else {
            if evaluating { return InterpreterInvocation(source: .unparsed(reason: "eval without code"), preloaded: preloaded) }
            // Bare `deno` is the REPL, reading stdin; `deno run` without a file is an error.
            return InterpreterInvocation(source: subcommandSeen ? .unparsed(reason: "no file to run") : .stdin, preloaded: preloaded)
        }
        return InterpreterInvocation(source: evaluating ? .inline(reader.current) : .script(reader.current), preloaded: preloaded)
    }
}

extension NodeGrammar {
    /// NODE_OPTIONS split into options as node splits it (`ParseNodeOptionsEnvVar`,
    /// src/node_options.cc): spaces (only spaces) separate; a double quote anywhere in a word
    /// toggles quoting and is dropped; inside quotes a backslash takes the next byte literally.
    /// `--req"uire" x` is `--require x` to node, and so here.
    static func environmentOptions(_ value: ByteString) -> [ByteString] {
        var options: [[UInt8]] = []
        var quoted = false, startsNew = true
        var bytes = value.bytes.makeIterator()
        while var byte = bytes.next() {
            if byte == UInt8(ascii: "\\") && quoted {
                guard let next = bytes.next() else { break }
                byte = next
            } else if byte == UInt8(ascii: " ") && !quoted {
                startsNew = true
                continue
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
                continue
            }
            if startsNew {
                options.append([byte])
                startsNew = false
            } else {
                options[options.count - 1].append(byte)
            }
        }
        return options.map { ByteString($0) }
    }

    /// The modules a NODE_OPTIONS value preloads: the value of every `-r`, `--require`,
    /// `--import`, `--loader` or `--experimental-loader` (attached with `=` or next), wherever it
    /// stands. Every word is looked at, not only those before the first one the grammar does not
    /// know: V8's options take their value as the next word too (`--stack-trace-limit 10`), so
    /// stopping at an unknown word would let a later `--require` pass.
    static func preloads(inEnvironment value: ByteString) -> [ByteString] {
        let options = environmentOptions(value)
        var found: [ByteString] = []
        for (index, option) in options.enumerated() {
            let text = option.text
            guard text.hasPrefix("-") else { continue }
            let name = longOptionName(text)
            guard name == "-r" || preloading.contains(String(name)) else { continue }
            if name.count < text.count {
                found.append(ByteString(Array(option.bytes.dropFirst(name.utf8.count + 1))))
            } else if index + 1 < options.count {
                found.append(options[index + 1])
            }
        }
        return found
    }
}
