/// Parses rule conditions:
///
///     expr       := term ('or' term)*
///     term       := factor ('and' factor)*
///     factor     := 'not' factor | '(' expr ')' | comparison | name
///     comparison := field op value
///     value      := 'string' | "string" | number | word | '(' item (',' item)* ')'
///
/// Quoted strings take the escapes `\\ \" \' \n \t \r \xHH` (see `escape`); words are taken as written.
///
/// Errors carry the file, line and column, what was found and what was expected.
public struct ConditionParser {
    private enum Token: Equatable {
        case word(String)       // field names, macro names, bare values, keywords
        case string(String)     // quoted
        case symbol(String)     // ( ) , = != < <= > >=
        case end
    }

    private var tokens: [(Token, Int)] = []
    private var index = 0
    private var depth = 0
    /// Parentheses and `not` nest at most this deep; deeper input is refused, not recursed into.
    static let maximumDepth = 64
    private let origin: ConditionOrigin

    public static func parse(_ text: String, at origin: SourceLocation) throws(RuleError) -> Expression {
        try parse(text, at: ConditionOrigin(origin))
    }

    public static func parse(_ text: String, at origin: ConditionOrigin) throws(RuleError) -> Expression {
        var parser = try ConditionParser(text, origin: origin)
        let expression = try parser.parseOr()
        guard case .end = parser.current else {
            throw parser.error("expected `and`, `or` or the end of the condition")
        }
        return expression
    }

    private init(_ text: String, origin: ConditionOrigin) throws(RuleError) {
        self.origin = origin
        let scalars = Array(text.unicodeScalars)
        var position = 0
        func isWordScalar(_ c: Unicode.Scalar) -> Bool {
            !(c.properties.isWhitespace || "()',\"=!<>".unicodeScalars.contains(c))
        }
        while position < scalars.count {
            let c = scalars[position]
            if c.properties.isWhitespace { position += 1; continue }
            let start = position
            if c == "(" || c == ")" || c == "," || c == "=" {
                tokens.append((.symbol(String(c)), start)); position += 1
            } else if c == "!" || c == "<" || c == ">" {
                if position + 1 < scalars.count, scalars[position + 1] == "=" {
                    tokens.append((.symbol(String(c) + "="), start)); position += 2
                } else if c == "!" {
                    throw RuleError(origin.advanced(by: start), "found `!`, expected `!=` (write `not` for negation)")
                } else {
                    tokens.append((.symbol(String(c)), start)); position += 1
                }
            } else if c == "'" || c == "\"" {
                var value = String.UnicodeScalarView()
                position += 1
                var closed = false
                while position < scalars.count {
                    let d = scalars[position]
                    if d == c { closed = true; position += 1; break }
                    if d == "\\" {
                        let (decoded, length) = try Self.escape(scalars, at: position, origin: origin)
                        value.append(decoded); position += length; continue
                    }
                    value.append(d); position += 1
                }
                guard closed else { throw RuleError(origin.advanced(by: start), "unterminated string starting here") }
                tokens.append((.string(String(value)), start))
            } else {
                while position < scalars.count, isWordScalar(scalars[position]) { position += 1 }
                tokens.append((.word(String(String.UnicodeScalarView(scalars[start..<position]))), start))
            }
        }
        tokens.append((.end, scalars.count))
    }

    /// The escapes of quoted strings (docs/rules.md), as in Falco's condition strings plus `\xHH`:
    /// `\\ \" \' \n \t \r \xHH`. Anything else after a backslash is an error rather than kept, so a
    /// regular expression's `\.` or `\s` cannot silently mean something else: write `\\.` and `\\s`.
    /// Returns the character and how many scalars the escape spans.
    private static func escape(_ scalars: [Unicode.Scalar], at position: Int, origin: ConditionOrigin) throws(RuleError) -> (Unicode.Scalar, Int) {
        let here = origin.advanced(by: position)
        guard position + 1 < scalars.count else {
            throw RuleError(here, "unfinished escape: `\\` at the end of the condition (the string is not closed)")
        }
        switch scalars[position + 1] {
        case "\\": return ("\\", 2)
        case "\"": return ("\"", 2)
        case "'": return ("'", 2)
        case "n": return ("\n", 2)
        case "t": return ("\t", 2)
        case "r": return ("\r", 2)
        case "x":
            let digits = scalars[(position + 2)..<min(position + 4, scalars.count)]
            guard digits.count == 2, digits.allSatisfy(\.properties.isASCIIHexDigit),
                  let byte = UInt8(String(String.UnicodeScalarView(digits)), radix: 16) else {
                throw RuleError(here, "unfinished escape `\\x\(String(String.UnicodeScalarView(digits)))`: `\\x` takes exactly two hex digits (`\\x1b`)")
            }
            // Values are UTF-8 text without NUL bytes (argv, paths): a NUL or a lone byte of a
            // multi-byte character could never match. Other characters are written as they are.
            guard byte >= 0x01, byte <= 0x7f else {
                throw RuleError(here, "escape `\\x\(String(String.UnicodeScalarView(digits)))` is outside 01-7f: values never hold NUL or lone non-ASCII bytes; write the character itself")
            }
            return (Unicode.Scalar(byte), 4)
        case let other:
            let hint = "sSdDwW.()[]{}*+?|^$/-".unicodeScalars.contains(other)
                ? " (in a regex, double the backslash: `\\\\\(other)`)" : ""
            throw RuleError(here, "unknown escape `\\\(other)`; strings know \\\\ \\\" \\' \\n \\t \\r \\xHH\(hint)")
        }
    }

    private var current: Token { tokens[index].0 }
    private var currentLocation: SourceLocation { origin.advanced(by: tokens[index].1) }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let w): return "`\(w)`"
        case .string(let s): return "the string '\(s)'"
        case .symbol(let s): return "`\(s)`"
        case .end: return "the end of the condition"
        }
    }

    private func error(_ expected: String) -> RuleError {
        RuleError(currentLocation, "found \(describe(current)), \(expected)")
    }

    private mutating func parseOr() throws(RuleError) -> Expression {
        var terms = [try parseAnd()]
        while current == .word("or") {
            index += 1
            terms.append(try parseAnd())
        }
        return terms.count == 1 ? terms[0] : .or(terms)
    }

    private mutating func parseAnd() throws(RuleError) -> Expression {
        var factors = [try parseFactor()]
        while current == .word("and") {
            index += 1
            factors.append(try parseFactor())
        }
        return factors.count == 1 ? factors[0] : .and(factors)
    }

    private mutating func parseFactor() throws(RuleError) -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw RuleError(currentLocation, "the condition nests deeper than \(Self.maximumDepth) levels of parentheses or `not`")
        }
        switch current {
        case .word("not"):
            index += 1
            return .not(try parseFactor())
        case .symbol("("):
            index += 1
            let inner = try parseOr()
            guard current == .symbol(")") else { throw error("expected `)`") }
            index += 1
            return inner
        case .word(let name) where !["and", "or"].contains(name):
            let location = currentLocation
            index += 1
            guard let op = comparisonOperator() else { return .name(name, location) }
            index += 1
            if (op == .in || op == .pmatch), case .word(let listName) = current {
                index += 1
                return .listReference(field: name, op, listName, location)
            }
            return .comparison(field: name, op, try parseValue(for: op), location)
        default:
            throw error("expected a field, a macro, `not` or `(`")
        }
    }

    private func comparisonOperator() -> ComparisonOperator? {
        switch current {
        case .symbol(let s): return ComparisonOperator(rawValue: s)
        case .word(let w): return ComparisonOperator(rawValue: w)
        default: return nil
        }
    }

    private mutating func parseValue(for op: ComparisonOperator) throws(RuleError) -> Literal {
        if op == .in || op == .pmatch {
            guard current == .symbol("(") else { throw error("expected `(` and a list of values after `\(op.rawValue)`") }
            index += 1
            var items: [String] = []
            while current != .symbol(")") {
                switch current {
                case .word(let w), .string(let w): items.append(w)
                default: throw error("expected a value or `)`")
                }
                index += 1
                if current == .symbol(",") { index += 1 } else if current != .symbol(")") { throw error("expected `,` or `)`") }
            }
            index += 1
            return .list(items)
        }
        switch current {
        case .string(let s):
            index += 1
            return .string(s)
        case .word(let w):
            index += 1
            if let number = Int64(w) { return .number(number) }
            return .string(w)
        default:
            throw error("expected a value after `\(op.rawValue)`")
        }
    }
}

/// A problem in a rule file, with where it is.
public struct RuleError: Error, CustomStringConvertible, Sendable, Equatable {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
