import Glibc

/// String operators of the rule language, on UTF-8 bytes.
enum ByteMatch {
    // Index loops: the generic elementsEqual on slices was a twentieth of the engine's time.
    static func hasPrefix(_ value: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard value.count >= prefix.count else { return false }
        for index in 0..<prefix.count where value[index] != prefix[index] { return false }
        return true
    }

    static func hasSuffix(_ value: [UInt8], _ suffix: [UInt8]) -> Bool {
        guard value.count >= suffix.count else { return false }
        let offset = value.count - suffix.count
        for index in 0..<suffix.count where value[offset + index] != suffix[index] { return false }
        return true
    }

    /// `needle` occurs in `text`, compared as UTF-8 bytes. Foundation's `String.contains` (which
    /// the plain call resolves to) bridges through CFString: a tenth of the spine's cost when
    /// every interpreter exec checked a dozen package-manager directories with it.
    static func contains(_ text: String, _ needle: String) -> Bool {
        var text = text, needle = needle
        return text.withUTF8 { haystack in
            needle.withUTF8 { needle in
                guard let first = needle.first else { return true }
                guard haystack.count >= needle.count else { return false }
                for start in 0...(haystack.count - needle.count) where haystack[start] == first {
                    var index = 1
                    while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
                    if index == needle.count { return true }
                }
                return false
            }
        }
    }

    static func lowercasedASCII(_ value: [UInt8]) -> [UInt8] {
        value.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }

    /// Shell-style glob over bytes: `*` (any run, including "/"), `?`, `[...]` and `[!...]`, as
    /// fnmatch(3) without FNM_PATHNAME.
    static func glob(_ pattern: [UInt8], _ value: [UInt8]) -> Bool {
        var p = 0, v = 0
        var starP = -1, starV = 0
        while v < value.count {
            if p < pattern.count {
                let c = pattern[p]
                if c == UInt8(ascii: "*") {
                    starP = p; starV = v; p += 1
                    continue
                }
                if c == UInt8(ascii: "?") { p += 1; v += 1; continue }
                if c == UInt8(ascii: "["), let (matched, next) = matchClass(pattern, p, value[v]) {
                    if matched { p = next; v += 1; continue }
                } else if c == UInt8(ascii: "\\"), p + 1 < pattern.count {
                    if pattern[p + 1] == value[v] { p += 2; v += 1; continue }
                } else if c == value[v] {
                    p += 1; v += 1
                    continue
                }
            }
            guard starP >= 0 else { return false }
            starV += 1
            v = starV
            p = starP + 1
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    /// (matched, index after the class) for a `[...]` at `start`; nil if the class is unterminated.
    private static func matchClass(_ pattern: [UInt8], _ start: Int, _ byte: UInt8) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.count, pattern[i] == UInt8(ascii: "!") || pattern[i] == UInt8(ascii: "^") { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < pattern.count, pattern[i] != UInt8(ascii: "]") || first {
            first = false
            if i + 2 < pattern.count, pattern[i + 1] == UInt8(ascii: "-"), pattern[i + 2] != UInt8(ascii: "]") {
                if byte >= pattern[i] && byte <= pattern[i + 2] { matched = true }
                i += 3
            } else {
                if byte == pattern[i] { matched = true }
                i += 1
            }
        }
        guard i < pattern.count else { return nil }
        return (matched != negate, i + 1)
    }
}

/// Membership in a fixed set of byte strings.
struct ByteSet {
    /// Sorted by length; lists in rules are short, so a scan that compares lengths first beats
    /// hashing the value.
    private let items: [[UInt8]]

    init(_ items: [[UInt8]]) {
        self.items = items.sorted { $0.count < $1.count }
    }

    func contains(_ value: [UInt8]) -> Bool {
        let count = value.count
        for index in items.indices {
            let length = items[index].count
            if length > count { return false }
            if length == count && items[index] == value { return true }
        }
        return false
    }
}

/// Substring search for one needle, prepared once when a rule is compiled (Boyer-Moore-Horspool):
/// paths are full of the `/` most needles start with, so a naive first-byte scan kept restarting;
/// this compares the window's last byte and skips by a table instead.
struct ByteSearch {
    let needle: [UInt8]
    /// How far the window may move when its last byte is a given byte (capped at 255).
    private let shift: [UInt8]

    init(_ needle: [UInt8]) {
        self.needle = needle
        let m = needle.count
        var shift = [UInt8](repeating: UInt8(min(max(m, 1), 255)), count: 256)
        for (index, byte) in needle.dropLast().enumerated() {
            shift[Int(byte)] = UInt8(min(m - 1 - index, 255))
        }
        self.shift = shift
    }

    func occurs(in haystack: [UInt8]) -> Bool {
        let m = needle.count, n = haystack.count
        guard m > 0 else { return true }
        guard n >= m else { return false }
        // Through buffer pointers: no bounds check or array retain per byte compared.
        return haystack.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { needle in
                shift.withUnsafeBufferPointer { shift in
                    let last = needle[m - 1]
                    var start = 0
                    while start <= n - m {
                        let byte = haystack[start + m - 1]
                        if byte == last {
                            var index = m - 2
                            while index >= 0, haystack[start + index] == needle[index] { index -= 1 }
                            if index < 0 { return true }
                        }
                        start += Int(shift[Int(byte)])
                    }
                    return false
                }
            }
        }
    }
}

/// Whether any of several needles occurs in a value, in one pass (Wu-Manber with two-byte blocks).
/// An `or` of string tests on one field (credential_path: a dozen `contains`, `glob` and `in` on
/// file.path) each scanned the whole path; when every test needs one of its literals to occur,
/// this single scan rejects the value for all of them first.
///
/// Needles may carry tags (up to 64, `tagsFound`): one scan then tells several groups of needles
/// apart, which is how the rule gates on one field share a single pass over it.
final class MultiByteSearch: Sendable {
    private let needles: [[UInt8]]
    /// Bit of each needle's tag (all 1 without tags).
    private let tagBits: [UInt64]
    /// The shortest needle's length: the window the scan moves.
    private let window: Int
    /// How far the window may move when its last two bytes hash to a slot (0: a needle's window ends so).
    private let shift: [UInt8]
    /// The needles whose first `window` bytes end with a block hashing to the slot.
    private let endings: [[Int]]
    private static let slots = 4096

    /// nil when a needle is shorter than two bytes (it cannot be found by blocks) or there is none.
    init?(_ needles: [[UInt8]], tags: [Int]? = nil) {
        guard let window = needles.map(\.count).min(), window >= 2 else { return nil }
        precondition(tags.map { $0.count == needles.count && $0.allSatisfy { (0..<64).contains($0) } } ?? true)
        self.needles = needles
        self.tagBits = tags.map { $0.map { UInt64(1) << UInt64($0) } } ?? Array(repeating: 1, count: needles.count)
        self.window = window
        var shift = [UInt8](repeating: UInt8(min(window - 1, 255)), count: Self.slots)
        var endings = [[Int]](repeating: [], count: Self.slots)
        for (index, needle) in needles.enumerated() {
            for end in 1..<window {
                let slot = Self.slot(needle[end - 1], needle[end])
                shift[slot] = min(shift[slot], UInt8(min(window - 1 - end, 255)))
            }
            endings[Self.slot(needle[window - 2], needle[window - 1])].append(index)
        }
        self.shift = shift
        self.endings = endings
    }

    private static func slot(_ a: UInt8, _ b: UInt8) -> Int { (Int(a) << 4 ^ Int(b)) & (slots - 1) }

    func occurs(in haystack: [UInt8]) -> Bool {
        let n = haystack.count, m = window
        guard n >= m else { return false }
        // Through buffer pointers, as ByteSearch: no bounds check or array retain per byte.
        return haystack.withUnsafeBufferPointer { text in
            shift.withUnsafeBufferPointer { shift in
                var end = m - 1
                while end < n {
                    let slot = Self.slot(text[end - 1], text[end])
                    let step = Int(shift[slot])
                    if step > 0 { end += step; continue }
                    let start = end - m + 1
                    for index in endings[slot] where start + needles[index].count <= n {
                        let needle = needles[index]
                        var offset = 0
                        while offset < needle.count, text[start + offset] == needle[offset] { offset += 1 }
                        if offset == needle.count { return true }
                    }
                    end += 1
                }
                return false
            }
        }
    }

    /// The tags (as bits) of the needles that occur in `haystack`; the scan stops once every tag
    /// of `wanted` was found.
    func tagsFound(in haystack: [UInt8], wanted: UInt64) -> UInt64 {
        let n = haystack.count, m = window
        guard n >= m else { return 0 }
        var found: UInt64 = 0
        haystack.withUnsafeBufferPointer { text in
            shift.withUnsafeBufferPointer { shift in
                var end = m - 1
                while end < n {
                    let slot = Self.slot(text[end - 1], text[end])
                    let step = Int(shift[slot])
                    if step > 0 { end += step; continue }
                    let start = end - m + 1
                    for index in endings[slot] where found & tagBits[index] == 0 && start + needles[index].count <= n {
                        let needle = needles[index]
                        var offset = 0
                        while offset < needle.count, text[start + offset] == needle[offset] { offset += 1 }
                        if offset == needle.count { found |= tagBits[index] }
                    }
                    if found & wanted == wanted { return }
                    end += 1
                }
            }
        }
        return found
    }
}
