/// Whether a shell's inline code sources a file it opens (`. ./f`, `source f`), as opposed to
/// redirecting it (`jq . < f`, `while read l; do …; done < f`): at the open both are the shell's
/// own O_RDONLY open of the file, and only the code tells them apart.
///
/// The code is split into words on whitespace and shell operators, quotes dropped, so code
/// inside `eval '…'`, `trap '…'` or `bash -c "…"` strings is seen too. The open is sourcing when:
/// - the path as requested is a word after a sourcing command word: `.`, `source`, or a
///   command word made by expansion (`x=source; $x ./f`);
/// - a sourcing command's argument is itself an expansion (`. "$f"`): the path cannot be
///   resolved from the text, so any open counts;
/// - the path is a descriptor (`/dev/fd/N`, `/proc/self/fd/N`, `/dev/stdin`) and the code
///   sources anything: process substitution, `source <(cat download)`.
/// A redirect's target is never a sourced word, so `source ./env.sh && wc -l < data.json` does
/// not make data.json sourced.
enum ShellSourcing {
    static func sources(code: [UInt8], path: [UInt8]) -> Bool {
        let words = Self.words(code)
        let descriptor = ["/dev/fd/", "/proc/self/fd/", "/dev/stdin"].contains { path.starts(with: Array($0.utf8)) }
        for (index, word) in words.enumerated() where word.isCommand && isSourcing(word.text) {
            guard index + 1 < words.count, !words[index + 1].isCommand else { continue }
            let argument = words[index + 1].text
            if argument == path || descriptor || argument.contains(UInt8(ascii: "$")) || argument.contains(UInt8(ascii: "`")) {
                return true
            }
        }
        return false
    }

    private static func isSourcing(_ word: [UInt8]) -> Bool {
        word == [UInt8(ascii: ".")] || word == Array("source".utf8) || word.first == UInt8(ascii: "$")
    }

    struct Word {
        var text: [UInt8]
        /// In command position: first in a command (after `;`, `&`, `|`, `(`, `{`, `!`, a
        /// newline, a keyword such as `then` or `eval`, or assignments), not a redirect target.
        var isCommand: Bool
    }

    /// Reserved words and builtins whose next word is again a command.
    private static let prefixes: Set<[UInt8]> = Set(["then", "do", "else", "elif", "if", "while", "until", "builtin",
                                                     "command", "eval", "trap", "time", "exec", "nohup"].map { Array($0.utf8) })

    /// The code's words, quotes dropped (so code in `eval '…'` strings is read too), split on
    /// whitespace and operators.
    static func words(_ code: [UInt8]) -> [Word] {
        let commandSeparators = Set(";&|(){}!\n".utf8)
        let blanks = Set(" \t\r".utf8)
        let redirects = Set("<>".utf8)
        let quotes = Set("'\"\\".utf8)
        var words: [Word] = []
        var current: [UInt8] = []
        var commandNext = true
        var redirectNext = false
        func finish() {
            guard !current.isEmpty else { return }
            let isAssignment = current.contains(UInt8(ascii: "=")) && current.first != UInt8(ascii: "=")
            let isCommand = commandNext && !redirectNext
            words.append(Word(text: current, isCommand: isCommand && !isAssignment))
            if redirectNext {
                redirectNext = false
            } else if isCommand {
                // An assignment or a prefix keeps the next word in command position.
                commandNext = isAssignment || prefixes.contains(current)
            }
            current.removeAll(keepingCapacity: true)
        }
        for byte in code {
            if commandSeparators.contains(byte) {
                finish()
                commandNext = true
            } else if redirects.contains(byte) {
                finish()
                redirectNext = true
            } else if blanks.contains(byte) {
                finish()
            } else if !quotes.contains(byte) {
                current.append(byte)
            }
        }
        finish()
        return words
    }
}
