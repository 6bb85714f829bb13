/// Whether an exec decodes its input: `base64 -d`, `xxd -r`, `openssl enc -d`, `gunzip`, ... What
/// such a process writes has decoded origin. Encoding and compressing are not decoding (their
/// output is no program), and neither are `tr`, `rev` or `od`, which reshape text that stays
/// readable (`tr -d '\r' < build.sh > fixed.sh` is normal work).
///
/// By executable name, like the pipe provenance: a renamed copy of base64 decodes unseen here
/// (content identity of executables is issue #10 item 4).
public enum DecodingCommand {
    /// Programs that decode only with one of the flags listed.
    private static let decodeFlags: [String: Set<String>] = [
        "base64": ["-d", "--decode", "-di", "-id"], "base32": ["-d", "--decode"], "basenc": ["-d", "--decode"],
        "xxd": ["-r", "-revert", "-rp", "-pr"], "gzip": ["-d", "--decompress", "-dc", "-cd"],
        "bzip2": ["-d", "--decompress", "-dc", "-cd"], "xz": ["-d", "--decompress", "-dc", "-cd"],
        "zstd": ["-d", "--decompress", "-dc", "-cd"],
    ]
    /// Programs that only decode.
    private static let decoders: Set<String> = ["uudecode", "gunzip", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "unzstd", "zstdcat"]

    public static func decodes(_ exec: ExecEvent) -> Bool {
        let name = exec.executablePath.lastPathComponent.text
        if decoders.contains(name) { return true }
        // Every exec passes here: the arguments are read only for the few programs that need them.
        if let flags = decodeFlags[name] { return exec.argv.dropFirst().contains { flags.contains($0.text) } }
        guard name == "openssl" else { return false }
        // openssl enc -d, openssl base64 -d, openssl enc -base64 -d
        let arguments = exec.argv.dropFirst().map(\.text)
        return arguments.first.map { ["enc", "base64"].contains($0) || $0.hasPrefix("-") } == true && arguments.contains("-d")
    }
}
