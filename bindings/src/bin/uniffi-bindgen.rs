//! uniffi's bindgen at the workspace's own uniffi version, so generated Kotlin and Swift
//! always match the library's scaffolding (see scripts/gen-bindings.sh).

fn main() {
    uniffi::uniffi_bindgen_main()
}
