//! The register file this build's kernels are tiled for, chosen at compile time from the
//! target's features, and the tile sizes derived from it.
//!
//! | target | vector registers | f32 lanes |
//! |---|---:|---:|
//! | x86-64 with AVX-512 | 32 | 16 |
//! | x86-64 with AVX (AVX2 + FMA) | 16 | 8 |
//! | aarch64 (NEON) | 32 | 4 |
//! | anything else, e.g. a Cortex-M4F (32 single-precision registers) | 32 | 1 |

/// f32 lanes of one vector register.
pub const LANES: usize = if cfg!(all(target_arch = "x86_64", target_feature = "avx512f")) {
    16
} else if cfg!(all(target_arch = "x86_64", target_feature = "avx")) {
    8
} else if cfg!(any(
    all(target_arch = "x86_64", target_feature = "sse2"),
    target_arch = "aarch64"
)) {
    4
} else {
    1
};

/// Vector registers (scalar f32 registers where there are no vectors).
pub const REGISTERS: usize = if cfg!(all(target_arch = "x86_64", target_feature = "avx512f")) {
    32
} else if cfg!(target_arch = "x86_64") {
    16
} else {
    32
};

/// Registers a tile of accumulators may occupy: three quarters of the file, the rest left
/// for the operands it loads and broadcasts (measured: with every register an accumulator,
/// LLVM spills them to the stack).
pub const ACCUMULATORS: usize = REGISTERS * 3 / 4;

/// Independent chains of multiply-adds that keep the FMA units busy: two units whose
/// results come 4 cycles after their inputs (x86-64 since Haswell, Zen 2 and later) need 8
/// in flight. A tile with fewer accumulators waits on its own results.
pub const FMA_CHAINS: usize = 8;

/// The widest block of channels (a power of two, at most 64) whose `rows` rows of
/// accumulators fit in [`ACCUMULATORS`] registers: e.g. for 4 pixels, 64 channels with
/// AVX-512, 16 with AVX2 or NEON, 4 on a Cortex-M4F.
pub const fn channel_block(rows: usize) -> usize {
    let mut block: usize = 64;
    while block > 1 && rows * block.div_ceil(LANES) > ACCUMULATORS {
        block /= 2;
    }
    block
}

/// Rows of the weight-gradient tile (a convolution's rows are (tap row, input channel)
/// pairs), each four vectors of columns wide: as many as fill the accumulators (3 rows of
/// 32 with AVX2, 6 of 64 with AVX-512, 6 of 16 with NEON); on a scalar FPU 4 rows of 4, the
/// 16 accumulators the Cortex-M4 firmware was measured with.
pub const GRAD_ROWS: usize = if LANES == 1 { 4 } else { ACCUMULATORS / 4 };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_fit_the_register_file() {
        let block = channel_block(4);
        assert!(block.is_power_of_two() && block <= 64);
        assert!(4 * block.div_ceil(LANES) <= ACCUMULATORS);
        // And the next wider block would not have fitted (or 64 is reached).
        assert!(block == 64 || 4 * (2 * block).div_ceil(LANES) > ACCUMULATORS);
    }
}
