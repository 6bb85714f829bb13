/// Text and classification of the peer addresses in connect events (network byte order).
public enum NetworkAddress {
    /// Dotted quad for 4 bytes; RFC 5952 text for 16 (lowercase hex, the longest run of two or
    /// more zero groups as "::", IPv4-mapped addresses with a dotted tail).
    public static func text(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "" }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return "::ffff:" + text(Array(bytes[12..<16]))
        }
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start > best.length { best = (start, index - start) }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
    public static func isLoopback(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        guard bytes.count == 16 else { return false }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        return bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }
}

extension NetworkAddress {
    /// The bytes of an address in `text`'s forms (for reading exports back); [] when it is neither.
    public static func bytes(_ text: String) -> [UInt8] {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            return parts.count == 4 ? parts : []
        }
        var tail: [UInt8] = []
        var body = Substring(text)
        if let lastColon = text.lastIndex(of: ":"), text[lastColon...].contains(".") {
            tail = bytes(String(text[text.index(after: lastColon)...]))
            guard tail.count == 4 else { return [] }
            body = text[...lastColon]
            if body.hasSuffix("::") == false { body = body.dropLast() }
        }
        let halves = body.components(separatedBy: "::")
        guard halves.count <= 2 else { return [] }
        func groups(_ part: String) -> [UInt16]? {
            part.isEmpty ? [] : part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
                .reduce(into: [UInt16]?([])) { result, group in
                    guard let group, result != nil else { result = nil; return }
                    result!.append(group)
                }
        }
        guard let head = groups(halves[0]), let rest = halves.count == 2 ? groups(halves[1]) : [] else { return [] }
        let wanted = 8 - tail.count / 2
        let missing = wanted - head.count - rest.count
        guard halves.count == 2 ? missing >= 0 : missing == 0 else { return [] }
        let all = head + Array(repeating: 0, count: missing) + rest
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + tail
    }
}
