import Glibc

/// The rule language's `regex`: POSIX extended regular expressions (glibc regcomp/regexec),
/// matched on bytes in the C locale, unanchored. Chosen over Swift's Regex, which is a
/// backtracking engine 30-100x slower on agent command lines and open to catastrophic
/// backtracking on hostile input; POSIX EREs have no backreferences and match in polynomial time.
///
/// For convenience `\s \S \d \D \w \W` are accepted outside bracket expressions and rewritten to
/// POSIX classes. Inside brackets a backslash is literal, as POSIX says.
final class PosixRegex {
    private var compiled = regex_t()

    /// nil and a message when the pattern is not a valid extended regular expression.
    init(_ pattern: String) throws(PosixRegexError) {
        let status = regcomp(&compiled, Self.translate(pattern), REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, &compiled, &message, message.count)
            throw PosixRegexError(message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit { regfree(&compiled) }

    /// True when the pattern matches somewhere in `value`. A NUL byte ends the value (argv
    /// entries and paths cannot contain one).
    func matches(_ value: [UInt8]) -> Bool {
        var terminated = value.map { CChar(bitPattern: $0) }
        terminated.append(0)
        return regexec(&compiled, terminated, 0, nil, 0) == 0
    }

    static func translate(_ pattern: String) -> String {
        var result = ""
        var inBracket = false
        var characters = Array(pattern)
        var index = 0
        characters.append("\0")
        while index < characters.count - 1 {
            let character = characters[index]
            if inBracket {
                // `]` right after `[` or `[^` is a literal member, not the end.
                if character == "]" && !(characters[index - 1] == "[" || (characters[index - 1] == "^" && characters[index - 2] == "[")) {
                    inBracket = false
                }
                result.append(character)
            } else if character == "[" {
                inBracket = true
                result.append(character)
            } else if character == "\\" {
                let next = characters[index + 1]
                switch next {
                case "s": result += "[[:space:]]"
                case "S": result += "[^[:space:]]"
                case "d": result += "[0-9]"
                case "D": result += "[^0-9]"
                case "w": result += "[[:alnum:]_]"
                case "W": result += "[^[:alnum:]_]"
                default: result.append(character); if next != "\0" { result.append(next) }
                }
                index += 1
            } else {
                result.append(character)
            }
            index += 1
        }
        return result
    }
}

struct PosixRegexError: Error {
    var message: String
}
