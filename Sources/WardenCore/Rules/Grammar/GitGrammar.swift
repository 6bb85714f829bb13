/// Git's command line (`git --help`, `git config --help`, git 2.39 to 2.47), read for the settings
/// an invocation makes: persistent ones (`git config KEY VALUE`, `git config --global --add KEY
/// VALUE`, `git config set KEY VALUE`) and those for this run only (`git -c KEY=VALUE`,
/// `git --config-env=KEY=ENVVAR`). Several settings make git run a command (core.fsmonitor,
/// core.pager, alias.x = !…, filter and diff drivers, …): rules judge them by key and value.
///
/// Each setting is `key=value` with the key as git compares it: section and variable name
/// lowercased, a subsection (`filter.<driver>.clean`) kept as written. A `--config-env` value is
/// `$ENVVAR`: the value is not on the command line.
enum GitGrammar {
    /// Global options that take the next argument as their value (or `--name=value`).
    static let valuedGlobal: Set<String> = ["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env",
                                           "--super-prefix", "--attr-source", "--list-cmds"]
    /// `git config` options taking a value, attached or next.
    static let valuedConfig: Set<String> = ["-f", "--file", "--blob", "-t", "--type", "--default", "--comment", "--value"]
    /// `git config` actions that do not set a value (the old option forms).
    static let readingActions: Set<String> = [
        "--get", "--get-all", "--get-regexp", "--get-urlmatch", "--unset", "--unset-all", "--rename-section",
        "--remove-section", "-l", "--list", "-e", "--edit", "--get-color", "--get-colorbool",
    ]
    /// `git config` subcommands (git 2.46+) that do not set a value.
    static let readingSubcommands: Set<String> = ["get", "list", "unset", "rename-section", "remove-section", "edit"]

    /// The program is git, by its executable's or argv[0]'s name (a renamed copy of git is not
    /// recognised: see docs/threat-model.md E6).
    static func isGit(_ record: ProcessRecord) -> Bool {
        record.executablePath.lastPathComponent == "git" || record.argv.first?.lastPathComponent == "git"
    }

    /// The settings made by `git ARGS...` (argv[0] excluded).
    static func settings(_ arguments: [ByteString]) -> [ByteString] {
        var reader = ArgvReader(arguments)
        var found: [ByteString] = []
        while !reader.atEnd {
            let argument = reader.text
            guard argument.hasPrefix("-") else { break }
            let name = argument.hasPrefix("--") ? String(longOptionName(argument)) : argument
            if valuedGlobal.contains(name) {
                let value = argument.hasPrefix("--") ? reader.longValue(of: argument) : reader.takeValue()
                guard let value else { return found }
                if name == "-c" { found.append(setting(value, fromEnvironment: false)) }
                if name == "--config-env" { found.append(setting(value, fromEnvironment: true)) }
            } else if argument.count > 2, argument.hasPrefix("-c") {
                // `-ckey=value`: git's parse_options does not accept it, but older gits did.
                found.append(setting(ByteString(Array(reader.current.bytes.dropFirst(2))), fromEnvironment: false))
            }
            reader.advance()
        }
        guard !reader.atEnd, reader.text == "config" else { return found }
        reader.advance()
        return found + configSettings(&reader)
    }

    /// What `git config …` sets.
    private static func configSettings(_ reader: inout ArgvReader) -> [ByteString] {
        var operands: [ByteString] = []
        var optionsEnded = false
        while !reader.atEnd {
            let argument = reader.text
            if !optionsEnded, argument == "--" {
                optionsEnded = true
            } else if !optionsEnded, argument.hasPrefix("-"), argument.count > 1 {
                let name = argument.hasPrefix("--") ? String(longOptionName(argument)) : String(argument.prefix(2))
                if readingActions.contains(name) { return [] }
                if valuedConfig.contains(name) {
                    let attached = argument.hasPrefix("--") ? argument.contains("=") : argument.count > 2
                    if !attached, reader.takeValue() == nil { return [] }
                }
            } else {
                operands.append(reader.current)
            }
            reader.advance()
        }
        if let first = operands.first?.text {
            if first == "set" { return operands.count >= 3 ? [join(operands[1], operands[2])] : [] }
            if readingSubcommands.contains(first) { return [] }
        }
        // KEY VALUE [VALUE-PATTERN]; KEY alone reads.
        guard operands.count >= 2 else { return [] }
        return [join(operands[0], operands[1])]
    }

    /// `key=value` from `-c key=value` (`-c key` alone means true) or `--config-env=key=ENVVAR`.
    private static func setting(_ text: ByteString, fromEnvironment: Bool) -> ByteString {
        let bytes = text.bytes
        guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
            return join(text, ByteString(fromEnvironment ? "$" : "true"))
        }
        let value = Array(bytes[(equals + 1)...])
        return join(ByteString(Array(bytes[..<equals])), ByteString(fromEnvironment ? [UInt8(ascii: "$")] + value : value))
    }

    private static func join(_ key: ByteString, _ value: ByteString) -> ByteString {
        ByteString(canonicalKey(key.bytes) + [UInt8(ascii: "=")] + value.bytes)
    }

    /// Section and variable name lowercased (git compares them without case), the subsection
    /// between them kept.
    static func canonicalKey(_ key: [UInt8]) -> [UInt8] {
        guard let firstDot = key.firstIndex(of: UInt8(ascii: ".")), let lastDot = key.lastIndex(of: UInt8(ascii: ".")) else {
            return lowercased(key[...])
        }
        return lowercased(key[..<firstDot]) + Array(key[firstDot..<lastDot]) + lowercased(key[lastDot...])
    }

    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
    }
}

extension GitGrammar {
    /// Keys whose value git runs as a command, or which make git run one: hooks from another
    /// directory (`core.hooksPath`), settings pulled from another file (`include.path`), a
    /// program by name or path (`gpg.program`, `core.askpass`), a shell command (`core.pager`,
    /// `core.sshCommand`, filter and diff drivers, `remote.*.uploadpack` for local remotes).
    /// `<x>` stands for a subsection.
    static let commandKeys: [(prefix: String, suffix: String)] = [
        ("core.hookspath", ""), ("core.fsmonitor", ""), ("core.pager", ""), ("core.editor", ""), ("core.sshcommand", ""),
        ("core.askpass", ""), ("core.gitproxy", ""), ("sequence.editor", ""), ("gpg.program", ""), ("include.path", ""),
        ("uploadpack.packobjectshook", ""), ("pager.", ""), ("filter.", ".clean"), ("filter.", ".smudge"),
        ("filter.", ".process"), ("diff.", ".textconv"), ("diff.", ".command"), ("merge.", ".driver"), ("gpg.", ".program"),
        ("includeif.", ".path"), ("diff.external", ""), ("remote.", ".uploadpack"), ("remote.", ".receivepack"), ("credential.", "helper"),
    ]
    /// Credential helpers git ships or that are packaged widely, named without a path: git runs
    /// `git-credential-NAME`.
    static let knownCredentialHelpers: Set<String> = ["", "store", "cache", "manager", "manager-core", "libsecret",
                                                      "osxkeychain", "gnome-keyring", "wincred", "oauth"]
    /// The values `git lfs install` writes for its filter: git-lfs is run as a program, not
    /// through a shell, with exactly these.
    static let lfsFilterValues: Set<String> = ["git-lfs clean -- %f", "git-lfs smudge -- %f", "git-lfs smudge --skip -- %f",
                                               "git-lfs filter-process", "git-lfs filter-process --skip"]
    /// Git's boolean words: `core.fsmonitor=true` is git's built-in daemon, not a command.
    static let booleans: Set<String> = ["", "true", "false", "yes", "no", "on", "off", "1", "0"]

    /// The settings among `settings` (from `settings(_:)`) that make git run a command: the keys
    /// above, `alias.X` only with a `!` value (a shell command; other aliases are git
    /// subcommands), `core.fsmonitor` only when not boolean, a credential helper only when it
    /// is a command (`!…`), a path, or a name git does not ship.
    static func commandSettings(_ settings: [ByteString]) -> [ByteString] {
        settings.filter { setting in
            let text = setting.text
            guard let equals = text.firstIndex(of: "=") else { return false }
            let key = text[..<equals], value = text[text.index(after: equals)...]
            let trimmed = value.drop { $0 == " " || $0 == "\t" }
            if key.hasPrefix("alias.") { return trimmed.hasPrefix("!") }
            if key.hasPrefix("filter.lfs."), lfsFilterValues.contains(String(value)) { return false }
            if key == "core.fsmonitor" { return !booleans.contains(trimmed.lowercased()) }
            guard commandKeys.contains(where: { key.hasPrefix($0.prefix) && key.hasSuffix($0.suffix) && key.count >= $0.prefix.count + $0.suffix.count }) else {
                return false
            }
            if key.hasPrefix("credential.") {
                guard key == "credential.helper" || key.hasSuffix(".helper") else { return false }
                let program = trimmed.prefix { $0 != " " && $0 != "\t" }
                return !knownCredentialHelpers.contains(String(program))
            }
            return true
        }
    }
}

extension GitGrammar {
    /// Variables git reads as a setting: `GIT_PAGER` is `core.pager`, and so on. Not GIT_ASKPASS:
    /// editors (VS Code) set it for the terminals and git processes they start, and it runs only
    /// when git needs a password, once.
    static let settingVariables: [String: String] = [
        "GIT_PAGER": "core.pager", "GIT_EDITOR": "core.editor", "GIT_SEQUENCE_EDITOR": "sequence.editor",
        "GIT_SSH_COMMAND": "core.sshcommand", "GIT_SSH": "core.sshcommand",
        "GIT_EXTERNAL_DIFF": "diff.external", "GIT_PROXY_COMMAND": "core.gitproxy",
    ]
    /// `GIT_CONFIG_COUNT` pairs looked at: a hostile count is not a loop bound.
    static let countLimit = 256

    /// The settings git takes from the environment variables `names` of `environment` (the
    /// variables the exec's caller set: what is inherited unchanged is the user's): the variables
    /// above, `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`, and
    /// `GIT_CONFIG_PARAMETERS` (how git hands `-c` to the git processes it starts, in its
    /// single-quoted form `'key'='value' 'key2'='value2'`).
    static func environmentSettings(_ environment: [String: ByteString], names: [String]) -> [ByteString] {
        var found: [ByteString] = []
        let changed = Set(names)
        for name in names.sorted() {
            if let key = settingVariables[name], let value = environment[name] { found.append(join(ByteString(key), value)) }
        }
        if changed.contains("GIT_CONFIG_COUNT") || changed.contains(where: { name in WatchedEnvironment.prefixes.contains { name.hasPrefix($0) } }),
           let count = environment["GIT_CONFIG_COUNT"].flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }), count > 0 {
            for index in 0..<min(count, countLimit) {
                guard let key = environment["GIT_CONFIG_KEY_\(index)"] else { continue }
                found.append(join(key, environment["GIT_CONFIG_VALUE_\(index)"] ?? ByteString("")))
            }
        }
        if changed.contains("GIT_CONFIG_PARAMETERS"), let parameters = environment["GIT_CONFIG_PARAMETERS"] {
            found += quotedParameters(parameters.bytes).map { setting($0, fromEnvironment: false) }
        }
        return found
    }

    /// The entries of GIT_CONFIG_PARAMETERS as `key=value` text: shell single quoting undone
    /// (`'…'` literal, `\x` outside quotes is x), entries separated by unquoted whitespace.
    static func quotedParameters(_ bytes: [UInt8]) -> [ByteString] {
        var entries: [[UInt8]] = []
        var current: [UInt8] = []
        var quoted = false, started = false, escaped = false
        for byte in bytes {
            if escaped { current.append(byte); escaped = false; continue }
            if quoted {
                if byte == UInt8(ascii: "'") { quoted = false } else { current.append(byte) }
            } else if byte == UInt8(ascii: "'") {
                quoted = true; started = true
            } else if byte == UInt8(ascii: "\\") {
                escaped = true; started = true
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
                if started { entries.append(current) }
                current = []; started = false
            } else {
                current.append(byte); started = true
            }
        }
        if started { entries.append(current) }
        return entries.map { ByteString($0) }
    }
}
