//! The inner loops every layer is built from, written so that LLVM vectorises them, one
//! file each: [`axpy`](fn@axpy) (`y += a x`), [`add`](fn@add) (`y += x`), [`ger`](fn@ger)
//! (`A += x yᵀ` on a register tile), the register-tiled matrix product (`matmul`),
//! [`transpose`](fn@transpose), [`sum_of_squares`](fn@sum_of_squares), and
//! [`opaque`](fn@opaque), a barrier that keeps LLVM from merging a kernel's loads.
//!
//! Float addition is not associative, so the compiler may not turn a running sum into a
//! vector reduction. Every kernel here is therefore built on `axpy` (`y += a x`), whose lanes
//! are independent, and on the register-tiled matrix product made of it. Lengths are
//! compile-time constants, so the loops carry no bounds checks.
//!
//! How wide a register tile may be depends on the register file, so the tiles' sizes are
//! derived at compile time from [`target`] (AVX-512: 32 registers of 16 lanes; AVX2: 16 of
//! 8; NEON: 32 of 4; a Cortex-M4F: 32 single-precision registers, no SIMD). A tile's shape
//! never changes the order in which an output's terms are added, only how many outputs are
//! computed at once, so every target gives the same bits.
//!
//! Multiply-add goes through [`mul_add`]: with the crate's `std` feature it is the
//! correctly rounded fused operation `f32::mul_add` (one instruction on CPUs with FMA, and
//! the same bits everywhere else, computed in software); without it (`no_std` builds, e.g.
//! microcontrollers) it is a multiplication followed by an addition. Either way a given build
//! gives the same bits on every machine and for every thread count.

mod add;
mod axpy;
mod ger;
mod map;
mod matmul;
mod opaque;
mod sum_of_squares;
pub mod target;
mod transpose;

pub use add::{add, add_rows};
pub use axpy::axpy;
pub use ger::ger;
pub use map::map;
pub use matmul::{matmul_acc, matmul_at_acc, matmul_from_row};
pub use opaque::opaque;
pub use sum_of_squares::sum_of_squares;
pub use transpose::transpose;

/// `a * b + c`: fused (one rounding) with the `std` feature, two roundings without.
#[inline(always)]
pub fn mul_add(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(feature = "std"))]
    {
        a * b + c
    }
}
