import WardenABI

/// The syscall interface a call came through (`enum warden_syscall_abi`): the native one, whose
/// numbering the kernel translates into `Syscall`, or a compat ABI, whose numbers and registers
/// mean something else (i386 open is 5, x86_64's fstat). The raw values are the JSON names;
/// native has none.
public enum SyscallABI: String, Sendable, CaseIterable {
    case native = ""
    /// x86_64: the i386 interface (`int 0x80`, sysenter, any call of a 32-bit program).
    case ia32
    /// x86_64: x32 (bit 30 of the number).
    case x32
    /// arm64: an AArch32 (32-bit) task.
    case aarch32

    public init(abi value: UInt32) {
        switch value {
        case WARDEN_ABI_IA32.rawValue: self = .ia32
        case WARDEN_ABI_X32.rawValue: self = .x32
        case WARDEN_ABI_AARCH32.rawValue: self = .aarch32
        default: self = .native
        }
    }

    /// The 32-bit ABI of this machine's architecture: what an exec's WARDEN_FLAG_COMPAT_IMAGE means.
    public static var host32Bit: SyscallABI {
        #if arch(arm64)
        return .aarch32
        #else
        return .ia32
        #endif
    }
}
