/// Where an interpreter's command line says its code comes from, read with that interpreter's
/// own option grammar (`Grammar/`): a loose scan is what attackers walk around (`bash -o errexit
/// -c CODE` read as a script named `errexit`, `python3 -uc CODE` not read as inline code).
public struct InterpreterInvocation: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// Code on the command line: every `-c`/`-e`/`--eval` piece, joined by newlines as the
        /// interpreter joins repeated `-e` (perl, ruby, lua).
        case inline(ByteString)
        /// A file named on the command line (`-` and `/dev/stdin` included: see `readsStdin`).
        case script(ByteString)
        /// A module or package entry point looked up by name (`python3 -m pytest`).
        case module(ByteString)
        /// Nothing named: the interpreter reads its program from stdin (`sh`, `bash -s`).
        case stdin
        /// The interpreter runs no program given here: `--version`, `--help`, a syntax check,
        /// a runtime's own subcommand (`node --test`, `bun install`).
        case noProgram
        /// The argv does not fit the grammar (unknown option, option missing its argument,
        /// `-c` without code). Never taken as a script path: rules see `proc.argv_unparsed`.
        case unparsed(reason: String)

        /// The name rules use (`proc.code_source`).
        public var name: String {
            switch self {
            case .inline: return "inline"
            case .script: return "script"
            case .module: return "module"
            case .stdin: return "stdin"
            case .noProgram: return "none"
            case .unparsed: return "unparsed"
            }
        }
    }

    public var source: Source
    /// Code loaded before the program: `node -r X`, `--import X`, `perl -MX`, `ruby -rX`,
    /// `lua -l X`, `bash --rcfile X`, `php -d auto_prepend_file=X`, in argv order.
    public var preloaded: [ByteString]

    public init(source: Source, preloaded: [ByteString] = []) {
        self.source = source
        self.preloaded = preloaded
    }

    /// Parses `argv` (argv[0] is the interpreter itself and is not read) with `kind`'s grammar.
    public init(argv: [ByteString], kind: InterpreterKind) {
        let arguments = Array(argv.dropFirst())
        switch kind {
        case .shell: self = ShellGrammar.parse(arguments)
        case .python: self = PythonGrammar.parse(arguments)
        case .node: self = NodeGrammar.parse(arguments)
        case .bun: self = BunGrammar.parse(arguments)
        case .deno: self = DenoGrammar.parse(arguments)
        case .perl: self = PerlGrammar.parse(arguments)
        case .ruby: self = RubyGrammar.parse(arguments)
        case .php: self = PHPGrammar.parse(arguments)
        case .lua: self = LuaGrammar.parse(arguments)
        case .tcl: self = TclGrammar.parse(arguments)
        case .powershell: self = PowerShellGrammar.parse(arguments)
        }
    }

    public var inlineCode: ByteString? {
        if case .inline(let code) = source { return code }
        return nil
    }

    /// The script argument, if the code comes from a file named on the command line.
    public var scriptArgument: ByteString? {
        if case .script(let path) = source { return path }
        return nil
    }

    public var isUnparsed: Bool {
        if case .unparsed = source { return true }
        return false
    }

    /// The program comes from stdin: nothing named, or a script named `-` or `/dev/stdin`.
    public var readsStdin: Bool {
        switch source {
        case .stdin: return true
        case .script(let path): return path.text == "-" || path.text == "/dev/stdin" || path.text == "/proc/self/fd/0"
        default: return false
        }
    }

    /// The file an exec runs as a script: a shebang script itself, or an interpreter's script
    /// argument (for the dynamic loader run as a program, the argument of the program it runs).
    static func script(of exec: ExecEvent, interpreter: InterpreterCatalog.Match?) -> ByteString? {
        if exec.isScript { return exec.filename }
        guard let interpreter else { return nil }
        return InterpreterInvocation(argv: interpreter.argv(of: exec), kind: interpreter.kind).scriptArgument
    }
}
