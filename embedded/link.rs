//! The build script of every firmware crate (`build = "../link.rs"`): links with the
//! crate's own `memory.x` and the runtime's `link.x`.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-search={dir}");
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
}
