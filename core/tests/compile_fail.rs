//! Misuse of the core's shapes is rejected by the compiler (trybuild).
//!
//! The `pass` case makes trybuild run `cargo build` rather than `cargo check`, which is what
//! surfaces the associated-const `assert!`s (optimiser size, reshape length): those are
//! evaluated when generic code is instantiated, which `cargo check` skips.

#[test]
fn misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
