/// The BPF object built for the architecture this binary runs on. Syscall numbers, the register
/// frame and open flags differ per architecture, so bpf/build.sh compiles one object for each
/// (bpf/lib/arch.h); this is the one place Swift chooses between them.
public enum SensorImage {
    #if arch(x86_64)
    static let elf = PackageResources.warden_x86_64_bpf_o
    /// `uname -m` of the machines these sensors decode syscalls for.
    public static let machine = "x86_64"
    #elseif arch(arm64)
    static let elf = PackageResources.warden_arm64_bpf_o
    public static let machine = "aarch64"
    #else
    #error("Warden's BPF objects exist for x86_64 and arm64 only (bpf/build.sh)")
    #endif
}
