internal import CLibBPF
import Glibc

/// A BPF ELF object opened from memory: configured, then loaded into the kernel.
/// Closing the object (deinit) unloads its programs and maps; links must be destroyed first,
/// which `SensorSet` guarantees by owning both and releasing links before the object.
final class BPFObject {
    private let object: OpaquePointer
    /// libbpf keeps pointers into the ELF image for the object's lifetime.
    private let image: UnsafeMutableRawBufferPointer

    init(elf: [UInt8], name: String) throws {
        LibBPFLog.install()
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: elf.count, alignment: 8)
        image.copyBytes(from: elf)
        var options = bpf_object_open_opts()
        options.sz = MemoryLayout<bpf_object_open_opts>.size
        let opened = name.withCString { objectName -> OpaquePointer? in
            options.object_name = objectName
            return bpf_object__open_mem(image.baseAddress, image.count, &options)
        }
        self.image = image
        guard let opened else {
            let code = errno
            image.deallocate()
            throw KernelError("opening the embedded BPF object", errno: code, detail: LibBPFLog.take())
        }
        object = opened
    }

    deinit {
        bpf_object__close(object)
        image.deallocate()
    }

    /// Sets the initial contents of the object's `.rodata` (its `const volatile` globals), which
    /// must be exactly one value of type T. Only valid before `load()`.
    func setReadOnlyData<T>(_ value: T) throws {
        guard let map = internalMap(suffix: ".rodata") else {
            throw KernelError("finding the .rodata section", errno: ENOENT)
        }
        var value = value
        let size = MemoryLayout<T>.size
        let result = withUnsafeBytes(of: &value) { bytes in
            bpf_map__set_initial_value(map, bytes.baseAddress, size)
        }
        if result != 0 {
            throw KernelError("setting BPF configuration (.rodata is \(bpf_map__value_size(map)) bytes, config is \(size))", errno: -result)
        }
    }

    func setMaxEntries(map name: String, _ entries: UInt32) throws {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw KernelError("finding BPF map \(name)", errno: ENOENT)
        }
        let result = bpf_map__set_max_entries(map, entries)
        if result != 0 { throw KernelError("sizing BPF map \(name)", errno: -result) }
    }

    /// Leaves out of the load every program in `optional` whose BTF tracepoint this kernel lacks
    /// (io_uring's, on a kernel built without io_uring) and returns their names. A missing
    /// tracepoint of any other program still fails the load, with libbpf's message.
    func leaveOutProgramsWithoutTracepoint(optional: Set<String>) -> [String] {
        guard let vmlinux = btf__load_vmlinux_btf() else { return [] } // the load reports a missing BTF itself
        defer { btf__free(vmlinux) }
        var left: [String] = []
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            let section = String(cString: bpf_program__section_name(current))
            if optional.contains(name), section.hasPrefix("tp_btf/"),
               btf__find_by_name_kind(vmlinux, "btf_trace_" + section.dropFirst("tp_btf/".count), UInt32(BTF_KIND_TYPEDEF)) < 0 {
                bpf_program__set_autoload(current, false)
                left.append(name)
            }
            program = bpf_object__next_program(object, current)
        }
        return left
    }

    /// Loads only `program` (diagnostic probes); every other program stays out of the kernel.
    func loadOnly(program name: String) throws {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            bpf_program__set_autoload(current, String(cString: bpf_program__name(current)) == name)
            program = bpf_object__next_program(object, current)
        }
        try load()
    }

    func load() throws {
        let result = bpf_object__load(object)
        if result != 0 {
            throw KernelError("loading Warden's BPF programs", errno: -result, detail: LibBPFLog.take())
        }
    }

    func map(named name: String) throws -> BPFMap {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw KernelError("finding BPF map \(name)", errno: ENOENT)
        }
        let fd = bpf_map__fd(map)
        guard fd >= 0 else { throw KernelError("getting the fd of BPF map \(name)", errno: -fd) }
        return BPFMap(name: name, fd: fd)
    }

    /// Attaches every loaded program in the object, in declaration order.
    func attachAll() throws -> [BPFLink] {
        var links: [BPFLink] = []
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            if bpf_program__autoload(current) {
                links.append(try BPFLink(attaching: current, name: name))
            }
            program = bpf_object__next_program(object, current)
        }
        return links
    }

    private func internalMap(suffix: String) -> OpaquePointer? {
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            if String(cString: bpf_map__name(current)).hasSuffix(suffix) { return current }
            map = bpf_object__next_map(object, current)
        }
        return nil
    }
}
