import Foundation

extension RuleSet {
    /// The rule files at `paths`, or the embedded default pack when there are none.
    public static func load(pathsOrDefault paths: [String]) throws(RuleError) -> RuleSet {
        paths.isEmpty ? try embeddedDefault() : try load(paths: paths)
    }

    /// Compiles the rule files at `paths` (files, or directories whose *.yaml files are read in
    /// name order) into one set. Any error names the file, line and column.
    public static func load(paths: [String]) throws(RuleError) -> RuleSet {
        var sources: [RuleSource] = []
        var names: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw RuleError(SourceLocation(file: path, line: 1, column: 1), "no such file or directory")
            }
            let files: [String]
            if isDirectory.boolValue {
                files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { path + "/" + $0 }
            } else {
                files = [path]
            }
            for file in files {
                let attributes = try? FileManager.default.attributesOfItem(atPath: file)
                if let size = attributes?[.size] as? Int, size > RuleSource.maximumBytes {
                    throw RuleError(SourceLocation(file: file, line: 1, column: 1), "the file is \(size) bytes; rule files are limited to \(RuleSource.maximumBytes)")
                }
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw RuleError(SourceLocation(file: file, line: 1, column: 1), "cannot read the file")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw RuleError(SourceLocation(file: file, line: 1, column: 1), "the file is not UTF-8 text")
                }
                sources.append(try RuleSource(yaml: text, file: file))
                names.append(file)
            }
        }
        return try RuleSet(sources: sources, names: names)
    }
}
