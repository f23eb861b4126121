//! What one core of this machine can do: its fused multiply-add peak, measured, so that
//! speeds are given as a fraction of it rather than as absolute times that mean nothing on
//! another CPU.
//!
//! Method: independent chains of FMA instructions on the widest vectors this build uses
//! (AVX-512: 16 lanes, AVX2 + FMA: 8, otherwise scalar `f32::mul_add`), enough chains to
//! cover the FMA latency on every unit (24 zmm chains; 12 ymm chains, within AVX2's 16
//! registers), 200,000 steps of them timed five times, the best kept: about 1 ms a timing
//! on an AVX-512 core (153.6 MFLOP at ~170 GFLOP/s), under half that with AVX2. Measured
//! on an Intel Xeon (model 207, a KVM guest), 60 calls 50 ms apart: 165-179 GFLOP/s.

use std::time::Instant;

/// The machine a run was measured on.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Machine {
    /// The CPU's model name, where the system says it (`/proc/cpuinfo`).
    pub cpu: String,
    /// The vector instructions this build uses.
    pub vector_isa: &'static str,
    /// One core's FMA peak, measured ([`fma_peak_gflops`]).
    pub fma_peak_gflops: f64,
}

impl Machine {
    /// Names the CPU and measures one core's peak (a few milliseconds).
    pub fn measure() -> Self {
        Self {
            cpu: cpu_name().unwrap_or_else(|| "unknown CPU".into()),
            vector_isa: vector_isa(),
            fma_peak_gflops: fma_peak_gflops(),
        }
    }
}

/// The CPU's model name from `/proc/cpuinfo`, where there is one.
pub fn cpu_name() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

/// The vector instructions this build's kernels use, as a short name.
pub fn vector_isa() -> &'static str {
    if cfg!(all(target_arch = "x86_64", target_feature = "avx512f")) {
        "AVX-512 + FMA (16 lanes)"
    } else if cfg!(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma"
    )) {
        "AVX2 + FMA (8 lanes)"
    } else if cfg!(target_arch = "aarch64") {
        "NEON (4 lanes)"
    } else {
        "scalar"
    }
}

/// One core's FMA peak in GFLOP/s (2 FLOP per lane and multiply-add).
pub fn fma_peak_gflops() -> f64 {
    const ITERATIONS: usize = 200_000;
    run_chains(ITERATIONS / 10); // warm up: clocks and caches
    (0..5)
        .map(|_| {
            let start = Instant::now();
            let (flop, sink) = run_chains(ITERATIONS);
            let seconds = start.elapsed().as_secs_f64();
            std::hint::black_box(sink);
            flop as f64 / seconds / 1e9
        })
        .fold(0.0, f64::max)
}

/// Runs the chains `iterations` times; returns the FLOP done and a value to keep alive.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
fn run_chains(iterations: usize) -> (usize, f32) {
    use std::arch::x86_64::*;
    const CHAINS: usize = 24;
    // SAFETY: AVX-512F is enabled for this build.
    unsafe {
        let (a, b) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
        let mut acc = [_mm512_set1_ps(1.0); CHAINS];
        for _ in 0..iterations {
            for v in acc.iter_mut() {
                *v = _mm512_fmadd_ps(*v, a, b);
            }
        }
        let sum = acc
            .iter()
            .fold(_mm512_setzero_ps(), |s, &v| _mm512_add_ps(s, v));
        (iterations * CHAINS * 16 * 2, _mm512_reduce_add_ps(sum))
    }
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma",
    not(target_feature = "avx512f")
))]
fn run_chains(iterations: usize) -> (usize, f32) {
    use std::arch::x86_64::*;
    const CHAINS: usize = 12;
    // SAFETY: AVX2 and FMA are enabled for this build.
    unsafe {
        let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
        let mut acc = [_mm256_set1_ps(1.0); CHAINS];
        for _ in 0..iterations {
            for v in acc.iter_mut() {
                *v = _mm256_fmadd_ps(*v, a, b);
            }
        }
        let mut lanes = [0.0f32; 8];
        let sum = acc
            .iter()
            .fold(_mm256_setzero_ps(), |s, &v| _mm256_add_ps(s, v));
        _mm256_storeu_ps(lanes.as_mut_ptr(), sum);
        (iterations * CHAINS * 8 * 2, lanes.iter().sum())
    }
}

#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "avx2",
    target_feature = "fma"
)))]
fn run_chains(iterations: usize) -> (usize, f32) {
    // Independent scalar chains: the compiler may vectorise them, which is the point (the
    // widest vectors the build has).
    const CHAINS: usize = 32;
    let mut acc = [1.0f32; CHAINS];
    for _ in 0..iterations {
        for v in acc.iter_mut() {
            *v = v.mul_add(0.999_999, 1e-7);
        }
        acc = std::hint::black_box(acc);
    }
    (iterations * CHAINS * 2, acc.iter().sum())
}
