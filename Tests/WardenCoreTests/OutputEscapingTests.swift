import Foundation
import Testing
@testable import WardenCore

@Suite("Output escaping")
struct OutputEscapingTests {
    private func jsonString(_ value: ByteString) throws -> (text: String, object: [String: Any]) {
        var json = JSONLineBuilder()
        json.beginObject()
        json.bytesField("v", value)
        json.endObject()
        let text = String(decoding: json.bytes, as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        return (text, object)
    }

    @Test("control characters, C1, bidi overrides and separators are \\u-escaped in JSON")
    func jsonEscapesEverythingDangerous() throws {
        let hostile = ByteString("a\u{1B}[31m\u{7}\u{9B}\u{202E}\u{2028}\"\\\u{7F}z")
        let (text, object) = try jsonString(hostile)
        #expect(text == #"{"v":"a\u001b[31m\u0007\u009b\u202e\u2028\"\\\u007fz"}"#)
        #expect(object["v"] as? String == hostile.text) // decodes back to the same text
        #expect(object["v_b64"] == nil)
    }

    @Test("invalid UTF-8 keeps its exact bytes in a _b64 sibling")
    func jsonInvalidUTF8IsLossless() throws {
        let raw: [UInt8] = [0x2F, 0x74, 0xFF, 0xC3, 0x28, 0x00, 0x41]
        let (_, object) = try jsonString(ByteString(raw))
        #expect(object["v"] as? String == "/t\u{FFFD}\u{FFFD}(\u{0}A")
        let b64 = try #require(object["v_b64"] as? String)
        #expect(Data(base64Encoded: b64).map(Array.init) == raw)
    }

    @Test("argv arrays get one _b64 array when any element is invalid")
    func jsonArgvArray() throws {
        var json = JSONLineBuilder()
        json.beginObject()
        json.bytesArrayField("argv", [ByteString("ok"), ByteString([0xFE])])
        json.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any])
        #expect(object["argv_b64"] as? [String] == ["b2s=", "/g=="])
    }

    @Test("base64 matches Foundation for every length remainder")
    func base64() {
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8(($0 * 37 + 11) & 0xFF) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test("terminal text shows escapes visibly and never emits control bytes")
    func terminalEscaping() {
        let hostile = ByteString(Array("x\u{1B}]0;t\u{7}\\n\u{202E}y".utf8) + [0xFF])
        let shown = TerminalText.escape(hostile)
        #expect(shown == "x\\x1b]0;t\\x07\\\\n\\u{202e}y\\xff")
        #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test("command lines quote what a shell would need quoted")
    func commandLine() {
        let line = TerminalText.commandLine([ByteString("bash"), ByteString("-c"), ByteString("echo 'hi' | sh")], truncated: true)
        #expect(line == #"bash -c 'echo '\''hi'\'' | sh' …[truncated]"#)
        #expect(TerminalText.commandLine([ByteString("")]) == "''")
    }
}
