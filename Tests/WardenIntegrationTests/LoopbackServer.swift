import Foundation
import Glibc

/// A server on 127.0.0.1 for tests that need a network peer: HTTP file serving (for download
/// shapes) or a raw TCP peer that sends one line and closes (for reverse-shell shapes). It runs
/// outside every agent lineage and stops when the test ends.
final class LoopbackServer {
    let process = Process()
    let port: Int

    convenience init(httpRoot: String) throws {
        try self.init(script: """
        import http.server, socketserver, sys, os
        os.chdir(sys.argv[1])
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a): pass
        s = socketserver.TCPServer(('127.0.0.1', 0), Quiet)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """, arguments: [httpRoot])
    }

    convenience init(sendLine line: String) throws {
        try self.init(script: """
        import socket, sys
        s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)
        print(s.getsockname()[1], flush=True)
        while True:
            c, _ = s.accept(); c.sendall(sys.argv[1].encode() + b'\\n'); c.close()
        """, arguments: [line])
    }

    /// A UDP server: every datagram it gets is answered with `reply` (a fetch with no connect).
    convenience init(udpReply reply: String) throws {
        try self.init(script: """
        import socket, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
        print(s.getsockname()[1], flush=True)
        while True:
            _, peer = s.recvfrom(65536); s.sendto(sys.argv[1].encode(), peer)
        """, arguments: [reply])
    }

    private init(script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    deinit {
        // SIGKILL: a child started from a test worker thread inherits its blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
