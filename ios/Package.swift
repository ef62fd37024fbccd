// swift-tools-version:5.9
// CareCircle for Swift: the generated bindings (Sources/CareCircle) over the Rust core.
//
// Apple platforms link CareCircleFFI.xcframework (static libraries for iOS devices, the
// iOS simulator and macOS), built by ./build-xcframework.sh. On Linux (tests, servers)
// CareCircleFFI is a system library: the host-built libcarecircle_ffi.so, found through
// -L / LD_LIBRARY_PATH (see scripts/swift-test.sh).
import PackageDescription

#if os(Linux)
let ffi: Target = .systemLibrary(name: "CareCircleFFI", path: "Sources/CareCircleFFI")
#else
let ffi: Target = .binaryTarget(name: "CareCircleFFI", path: "CareCircleFFI.xcframework")
#endif

let package = Package(
    name: "CareCircle",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "CareCircle", targets: ["CareCircle"]),
    ],
    targets: [
        ffi,
        .target(name: "CareCircle", dependencies: ["CareCircleFFI"], path: "Sources/CareCircle"),
    ]
)
