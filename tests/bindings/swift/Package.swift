// swift-tools-version:5.9
// The Swift binding tests: an XCTest package over ../../../ios (on Linux, the host-built
// libcarecircle_ffi.so). Run with scripts/swift-test.sh.
import PackageDescription

let package = Package(
    name: "CareCircleBindingTests",
    dependencies: [
        .package(path: "../../../ios"),
    ],
    targets: [
        .testTarget(
            name: "CareCircleTests",
            dependencies: [.product(name: "CareCircle", package: "ios")],
            path: "Tests/CareCircleTests"
        ),
    ]
)
