//! Names the vector path the kernels take, once, for every `#[cfg]` in the crate:
//! `fma512` (x86-64 with AVX-512F) or `fma256` (x86-64 with AVX and FMA), both only with
//! the `std` feature (the fused multiply-add that rounds once); neither means the plain
//! loops, which LLVM vectorises as it can.
//!
//! And `cache_lines` on x86-64 and aarch64: the layers then start on 64-byte cache lines
//! (`crate::layers`, "Alignment"); a Cortex-M4 has none and keeps the default layout.

use std::env;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fma512, fma256, cache_lines)");
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |feature: &str| features.split(',').any(|f| f == feature);
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let x86_64 = arch == "x86_64";
    if x86_64 || arch == "aarch64" {
        println!("cargo::rustc-cfg=cache_lines");
    }
    let fused = env::var_os("CARGO_FEATURE_STD").is_some();
    if x86_64 && fused && has("avx512f") {
        println!("cargo::rustc-cfg=fma512");
    } else if x86_64 && fused && has("avx") && has("fma") {
        println!("cargo::rustc-cfg=fma256");
    }
}
