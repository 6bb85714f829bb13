/// Walks an interpreter's arguments (argv[0] excluded) for the grammars in this folder. Options
/// are matched on their UTF-8 text (an option that is not valid UTF-8 matches nothing, so the argv
/// is unparsed); operands keep their exact bytes.
struct ArgvReader {
    let arguments: [ByteString]
    private(set) var index = 0

    init(_ arguments: [ByteString]) { self.arguments = arguments }

    var atEnd: Bool { index >= arguments.count }
    var current: ByteString { arguments[index] }
    var text: String { arguments[index].text }
    /// What is left from the current argument on: the operands once options have ended.
    var rest: ArraySlice<ByteString> { arguments[min(index, arguments.count)...] }

    mutating func advance() { index += 1 }

    /// The argument after the current one, consumed; nil when argv ends (the option lacks its value).
    mutating func takeValue() -> ByteString? {
        guard index + 1 < arguments.count else { return nil }
        index += 1
        return arguments[index]
    }

    /// A short option's value inside a cluster (`-cCODE` or `-c CODE`): the rest of the current
    /// argument after `remaining`'s start when there is any, else the next argument, consumed;
    /// nil when argv ends first.
    mutating func clusterValue(_ argument: String, remaining: Substring) -> ByteString? {
        if !remaining.isEmpty { return attachedValue(current, after: argument.utf8.count - remaining.utf8.count) }
        return takeValue()
    }

    /// A long option's value: `--name=value` attached, or the next argument.
    mutating func longValue(of argument: String) -> ByteString? {
        if let equals = argument.firstIndex(of: "=") { return ByteString(String(argument[argument.index(after: equals)...])) }
        return takeValue()
    }
}

/// `--name` or `--name=value`: the part before `=`.
func longOptionName(_ argument: String) -> Substring {
    argument.prefix { $0 != "=" }
}

/// How perl and ruby end once their options are read: `-c` only checks; `-e` pieces are the
/// program; else the first operand is a script, or the program comes on stdin.
func repeatedCodeInvocation(checkOnly: Bool, pieces: [ByteString], preloaded: [ByteString],
                            reader: ArgvReader) -> InterpreterInvocation {
    if checkOnly { return InterpreterInvocation(source: .noProgram, preloaded: preloaded) }
    if !pieces.isEmpty { return InterpreterInvocation(source: .inline(joinedCode(pieces)), preloaded: preloaded) }
    guard !reader.atEnd else { return InterpreterInvocation(source: .stdin, preloaded: preloaded) }
    return InterpreterInvocation(source: .script(reader.current), preloaded: preloaded)
}

/// The pieces of repeated `-e` code joined as perl, ruby and lua run them: one per line.
func joinedCode(_ pieces: [ByteString]) -> ByteString {
    var bytes: [UInt8] = []
    for (index, piece) in pieces.enumerated() {
        if index > 0 { bytes.append(UInt8(ascii: "\n")) }
        bytes += piece.bytes
    }
    return ByteString(bytes)
}
