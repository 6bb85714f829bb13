// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Warden",
    products: [
        .executable(name: "warden", targets: ["warden"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // libbpf from Debian's libbpf-dev.
        .systemLibrary(name: "CLibBPF", pkgConfig: "libbpf", providers: [.apt(["libbpf-dev"])]),
        // The one ABI header shared with bpf/warden.bpf.c.
        .target(name: "WardenABI"),
        // Code that runs in forked children, where only async-signal-safe C may run: fork + wait +
        // exec for `warden run`, and enforce mode's guardian and pidfd signalling.
        .target(name: "CWardenSpawn", dependencies: ["WardenABI"]),
        // Event model, lineage, agent catalog, output. Pure Swift; testable without root. It reads
        // the ABI's syscall and open-flag constants, never its structs.
        .target(
            name: "WardenCore",
            dependencies: ["WardenABI", .product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("Resources/agents.yaml"), .embedInCode("Resources/default.yaml")]
        ),
        // The only module with unsafe pointers: libbpf objects, maps, links, the ring buffer, decoding.
        .target(
            name: "WardenKernel",
            dependencies: ["CLibBPF", "WardenABI", "CWardenSpawn", "WardenCore"],
            // One object per architecture (bpf/build.sh); SensorImage picks the one for this build.
            resources: [.embedInCode("Resources/warden.x86_64.bpf.o"), .embedInCode("Resources/warden.arm64.bpf.o")]
        ),
        .executableTarget(
            name: "warden",
            dependencies: [
                "WardenCore", "WardenKernel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "WardenCoreTests", dependencies: ["WardenCore"]),
        .testTarget(name: "WardenKernelTests", dependencies: ["WardenKernel", "WardenABI", "WardenCore"]),
        .testTarget(name: "WardenIntegrationTests", dependencies: ["WardenCore"]),
    ],
    swiftLanguageModes: [.v6]
)
