/// Makes event fields safe to print on a terminal.
///
/// Anything that could move the cursor, change colours, hide text or reorder it (C0/C1 controls,
/// escape sequences, bidi overrides) is shown as a visible escape; bytes that are not UTF-8 are
/// shown as \xNN; a backslash is doubled so a literal "\x1b" in an argument cannot pass for an
/// escaped ESC.
public enum TerminalText {
    public static func escape(_ value: ByteString) -> String {
        let bytes = value.bytes
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = ""
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                out += "\\x" + hex2(bytes[index])
                index += 1
                continue
            }
            let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars.first!
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if UnsafeScalar.isUnsafe(scalar) {
                    out += scalar.value < 0x100 ? "\\x" + hex2(UInt8(scalar.value)) : "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            index += length
        }
        return out
    }

    /// argv as a person would type it: arguments with spaces or shell metacharacters are quoted.
    public static func commandLine(_ argv: [ByteString], truncated: Bool = false) -> String {
        var line = argv.map { quoteIfNeeded(escape($0)) }.joined(separator: " ")
        if truncated { line += " …[truncated]" }
        return line
    }

    static func quoteIfNeeded(_ word: String) -> String {
        if word.isEmpty { return "''" }
        let plain = word.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./=:,+@%^".unicodeScalars.contains(scalar)
        }
        if plain { return word }
        return "'" + word.replacingAll("'", with: "'\\''") + "'"
    }

    private static func hex2(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    /// Length of the valid UTF-8 sequence starting at `index`, or 0 if the byte there starts none.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + length], as: UTF8.self) == nil ? 0 : length
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
