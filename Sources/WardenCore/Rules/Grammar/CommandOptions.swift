/// A command line's options in one spelling, whatever spelling the program's parser accepts, so
/// that a rule names an option once: `--permission-mode bypassPermissions`,
/// `--permission-mode=bypassPermissions` and `--permissionMode=bypassPermissions` (yargs takes
/// camelCase for kebab-case names) all read `--permission-mode=bypassPermissions`; `-s value`,
/// `-s=value` and `-svalue` all read `-s=value`.
///
/// No program's grammar is known here, so every reading a parser could make is listed: an option
/// followed by a word that is not an option gives both `--name` and `--name=word` (the word may
/// be its value or an operand), and a short cluster `-abc` gives `-a`, `-b`, `-c` (flags) and
/// `-a=bc` (an attached value). A rule that names an option with its value matches only that
/// value; one that names a flag matches it wherever it stands. `--` ends the options, as in every
/// common parser; `--name=false` does not list the flag `--name`.
enum CommandOptions {
    static func of(_ argv: [ByteString]) -> [ByteString] {
        var found: [ByteString] = []
        var index = 1
        while index < argv.count {
            let argument = argv[index].bytes
            index += 1
            guard argument.count >= 2, argument[0] == dash else { continue }
            let next = index < argv.count && !argv[index].bytes.starts(with: [dash]) ? argv[index].bytes : nil
            if argument[1] == dash {
                if argument.count == 2 { break }
                long(argument, next: next, into: &found)
            } else {
                short(argument, next: next, into: &found)
            }
        }
        return found
    }

    private static let dash = UInt8(ascii: "-")
    private static let equals = UInt8(ascii: "=")

    private static func long(_ argument: [UInt8], next: [UInt8]?, into found: inout [ByteString]) {
        let name: [UInt8], value: [UInt8]?
        if let sign = argument.firstIndex(of: equals) {
            name = Array(argument[..<sign])
            value = Array(argument[(sign + 1)...])
        } else {
            name = argument
            value = next
        }
        // `--yolo=false` turns the flag off.
        let off = argument.contains(equals) && value.map { ByteString($0).text.lowercased() } == "false"
        for spelling in [name] + (kebab(name).map { [$0] } ?? []) {
            if !off { found.append(ByteString(spelling)) }
            if let value { found.append(ByteString(spelling + [equals] + value)) }
        }
    }

    /// `-x`, `-x value`, `-x=value`, `-xvalue` and clusters of flags `-xyz`.
    private static func short(_ argument: [UInt8], next: [UInt8]?, into found: inout [ByteString]) {
        let letters = Array(argument.dropFirst())
        let sign = letters.firstIndex(of: equals)
        let flags = letters[..<(sign ?? letters.count)]
        guard let first = flags.first, let last = flags.last else { return }
        for letter in flags { found.append(ByteString([dash, letter])) }
        if letters.count == 1 {
            if let next { found.append(ByteString([dash, first, equals] + next)) }
            return
        }
        let attached = sign == 1 ? Array(letters[2...]) : Array(letters[1...])
        found.append(ByteString([dash, first, equals] + attached))
        if let sign, sign > 1 {
            found.append(ByteString([dash, last, equals] + letters[(sign + 1)...]))
        } else if sign == nil, let next {
            found.append(ByteString([dash, last, equals] + next))
        }
    }

    /// `--approvalMode` as `--approval-mode`; nil when the name has no capital letter.
    private static func kebab(_ name: [UInt8]) -> [UInt8]? {
        guard name.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return nil }
        var out: [UInt8] = []
        for (position, byte) in name.enumerated() {
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                if position > 2 && out.last != dash { out.append(dash) }
                out.append(byte + 32)
            } else {
                out.append(byte)
            }
        }
        return out
    }
}
