//! Puts the shared linker script `link.x` on the linker's search path. Each firmware crate
//! provides a `memory.x` (its board's flash and RAM) that `link.x` includes.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-search={dir}");
    println!("cargo:rerun-if-changed=link.x");
}
