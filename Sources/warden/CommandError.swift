/// A failure to report as one line, without the usage text ArgumentParser adds to ValidationError.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
