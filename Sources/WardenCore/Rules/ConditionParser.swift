/// Parses rule conditions:
///
///     expr       := term ('or' term)*
///     term       := factor ('and' factor)*
///     factor     := 'not' factor | '(' expr ')' | comparison | name
///     comparison := field op value
///     value      := 'string' | "string" | number | word | '(' item (',' item)* ')'
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
    private let origin: SourceLocation

    public static func parse(_ text: String, at origin: SourceLocation) throws(RuleError) -> Expression {
        var parser = try ConditionParser(text, origin: origin)
        let expression = try parser.parseOr()
        guard case .end = parser.current else {
            throw parser.error("expected `and`, `or` or the end of the condition")
        }
        return expression
    }

    private init(_ text: String, origin: SourceLocation) throws(RuleError) {
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
                    // Only the quote and the backslash itself are escapes; any other backslash
                    // stays, so regular expressions keep theirs (`os\.system`).
                    if d == "\\", position + 1 < scalars.count, scalars[position + 1] == c || scalars[position + 1] == "\\" {
                        value.append(scalars[position + 1]); position += 2; continue
                    }
                    if d == c { closed = true; position += 1; break }
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
