internal import CLibBPF
import Glibc

/// One attached program. Destroying the link detaches it.
final class BPFLink {
    private let link: OpaquePointer
    let programName: String

    init(attaching program: OpaquePointer, name: String) throws {
        guard let link = bpf_program__attach(program) else {
            throw KernelError("attaching BPF program \(name)", errno: errno, detail: LibBPFLog.take())
        }
        self.link = link
        self.programName = name
    }

    deinit {
        bpf_link__destroy(link)
    }
}
