/// Builds one JSON object as UTF-8 bytes, without Foundation and without intermediate Strings.
///
/// Every string goes through `appendEscaped`, which is the single place that decides what an
/// event field may put into the output: control characters, C1 controls, line/paragraph separators
/// and bidirectional overrides are written as \u escapes, so a hostile argv or path can neither
/// break the JSON nor drive a terminal that displays it.
public struct JSONLineBuilder {
    public private(set) var bytes: [UInt8] = []
    /// One bit per open container (bit `depth - 1`): set once it holds a value, so the next one
    /// needs a comma. Nesting deeper than 64 levels is never produced by Warden's encoders.
    private var commaBits: UInt64 = 0
    private var depth = 0

    public init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the builder for the next object, keeping its storage.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        commaBits = 0
        depth = 0
    }

    public mutating func beginObject() { beginValue(); bytes.append(UInt8(ascii: "{")); push() }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); depth -= 1 }
    public mutating func beginArray() { beginValue(); bytes.append(UInt8(ascii: "[")); push() }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); depth -= 1 }

    public mutating func key(_ name: StaticString) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        clearComma()
    }

    /// A key that is not a compile-time constant (escaped like any string).
    public mutating func key(_ name: String) {
        beginValue()
        appendEscaped(Array(name.utf8))
        bytes.append(UInt8(ascii: ":"))
        clearComma()
    }

    public mutating func string(_ value: String) { beginValue(); appendEscaped(Array(value.utf8)) }
    public mutating func string(_ value: StaticString) { beginValue(); value.withUTF8Buffer { appendEscaped($0) } }
    public mutating func string(_ value: ByteString) { beginValue(); appendEscaped(value.bytes) }
    public mutating func bool(_ value: Bool) { beginValue(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    public mutating func null() { beginValue(); bytes.append(contentsOf: "null".utf8) }

    public mutating func number<T: BinaryInteger>(_ value: T) {
        beginValue()
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDigits(UInt64(value.magnitude))
        } else {
            appendDigits(UInt64(value))
        }
    }

    /// A 64-bit id as a decimal string: JSON numbers above 2^53 lose precision in many parsers.
    public mutating func id(_ value: UInt64) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        appendDigits(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends an already valid JSON value (a fragment this builder produced earlier).
    public mutating func raw(_ json: [UInt8]) { beginValue(); bytes.append(contentsOf: json) }

    /// A string value whose bytes the caller has already made safe (formatted numbers, names).
    public mutating func preformattedString(_ value: [UInt8]) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A field holding bytes: the text, plus `<name>_b64` with the exact bytes when they are not
    /// valid UTF-8 (the text then shows U+FFFD in their place). Lossless and still valid JSON.
    public mutating func bytesField(_ name: StaticString, _ value: ByteString) {
        key(name)
        string(value)
        if !Self.isValidUTF8(value) {
            key(name, suffix: "_b64")
            string(Base64.encode(value.bytes))
        }
    }

    /// An array of byte strings with the same `<name>_b64` rule, applied to the whole array.
    public mutating func bytesArrayField(_ name: StaticString, _ values: [ByteString]) {
        key(name)
        beginArray()
        for value in values { string(value) }
        endArray()
        if !values.allSatisfy(Self.isValidUTF8) {
            key(name, suffix: "_b64")
            beginArray()
            for value in values { string(Base64.encode(value.bytes)) }
            endArray()
        }
    }

    private mutating func key(_ name: StaticString, suffix: StaticString) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        suffix.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        clearComma()
    }

    private static func isValidUTF8(_ value: ByteString) -> Bool {
        value.bytes.allSatisfy { $0 < 0x80 } || value.isValidUTF8
    }

    private mutating func appendDigits(_ value: UInt64) {
        var count = 1
        var rest = value
        while rest >= 10 { rest /= 10; count += 1 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        rest = value
        var index = start + count - 1
        repeat {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        } while rest > 0
    }

    /// A timestamp string value: the cached date prefix, nine fraction digits, "Z".
    mutating func appendTimestamp(prefix: [UInt8], nanos: Int) {
        beginValue()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: prefix)
        appendPadded(nanos, width: 9)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a number as exactly `width` digits, zero-padded (for timestamps).
    mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
            divisor /= 10
        }
    }

    private mutating func beginValue() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if commaBits & bit != 0 { bytes.append(UInt8(ascii: ",")) }
        commaBits |= bit
    }

    private mutating func push() {
        depth += 1
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    /// After a key, the value that follows must not be preceded by a comma.
    private mutating func clearComma() {
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    private mutating func appendEscaped<Bytes: Collection<UInt8>>(_ input: Bytes) {
        bytes.append(UInt8(ascii: "\""))
        if input.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: input)
        } else {
            for scalar in String(decoding: input, as: UTF8.self).unicodeScalars {
                switch scalar {
                case "\"": bytes.append(contentsOf: "\\\"".utf8)
                case "\\": bytes.append(contentsOf: "\\\\".utf8)
                case "\n": bytes.append(contentsOf: "\\n".utf8)
                case "\r": bytes.append(contentsOf: "\\r".utf8)
                case "\t": bytes.append(contentsOf: "\\t".utf8)
                default:
                    if UnsafeScalar.isUnsafe(scalar) {
                        appendUnicodeEscape(scalar.value)
                    } else {
                        bytes.append(contentsOf: String(scalar).utf8)
                    }
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ value: UInt32) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: "\\u".utf8)
        for shift in stride(from: 12, through: 0, by: -4) {
            bytes.append(hex[Int((value >> UInt32(shift)) & 0xF)])
        }
    }
}

/// Characters that must never reach a terminal or a JSON consumer literally.
enum UnsafeScalar {
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true              // C0, DEL, C1 (C1 includes CSI 0x9B)
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true // bidi marks and overrides
        case 0x2028, 0x2029: return true                         // line and paragraph separators
        case 0xFEFF: return true                                 // zero-width no-break space
        default: return false
        }
    }
}

enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ input: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let n = UInt32(input[index]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
