/// A position in a rule file, 1-based, for error messages.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    /// The location `offset` characters further along the same line (conditions are parsed from
    /// a scalar whose start is known; multi-line scalars are folded into one line by YAML).
    func advanced(by offset: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + offset)
    }
}

/// Where each character of a condition sits in its file. YAML folds a condition written over
/// several lines (a `>-` block scalar, a long plain scalar) into one; each source line's first
/// character starts a segment, so an error deep in a folded condition names its own line and column.
public struct ConditionOrigin: Sendable {
    /// (offset in the condition's Unicode scalars, location of that scalar), by increasing offset.
    var segments: [(offset: Int, location: SourceLocation)]

    public init(_ location: SourceLocation) {
        segments = [(0, location)]
    }

    init(segments: [(offset: Int, location: SourceLocation)]) {
        self.segments = segments
    }

    /// The location of the scalar at `offset`.
    func advanced(by offset: Int) -> SourceLocation {
        let segment = segments.last { $0.offset <= offset } ?? segments[0]
        return segment.location.advanced(by: offset - segment.offset)
    }
}

public enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in`, startswith, endswith, contains, icontains, glob, regex, pmatch
}

/// The literal on the right of a comparison.
public enum Literal: Sendable, Hashable {
    case string(String)
    case number(Int64)
    case list([String])
}

/// A parsed condition, before field names and macros are resolved.
public indirect enum Expression: Sendable, Hashable {
    /// n-ary, so a long chain of terms stays flat (no recursion proportional to its length).
    case and([Expression])
    case or([Expression])
    case not(Expression)
    /// A bare name: a macro, or a boolean field.
    case name(String, SourceLocation)
    case comparison(field: String, ComparisonOperator, Literal, SourceLocation)
    /// `field in list_name`: resolved against `list:` items at compile time. (Inside
    /// parentheses, `in (a, shells)`, an item that names a list is expanded to its items, as in Falco.)
    case listReference(field: String, ComparisonOperator, String, SourceLocation)
}
