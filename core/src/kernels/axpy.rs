//! `y += a x` over a compile-time length: independent lanes, no bounds checks.

use super::mul_add;

/// `y += a * x`.
///
/// On x86-64 builds with FMA (AVX2 or AVX-512) and the `std` feature this is written with
/// vector fused multiply-add intrinsics, 8 or 16 lanes at a time: left to itself LLVM
/// vectorised these loops in some kernels and not in others (measured on an AMD EPYC Zen
/// 3 with AVX2: a fifth of the digit net's conv2 backward time and two thirds of conv1's
/// went to scalar `vfmadd231ss`, after the fixed-length loops had been unrolled), and its
/// tuning for AVX-512 server CPUs keeps auto-vectorised loops at 256 bits, where these
/// kernels are about twice as fast at 512. A fused operation rounds once, exactly like
/// `f32::mul_add`, so every path gives the same bits.
#[inline(always)]
pub fn axpy<const N: usize>(y: &mut [f32; N], a: f32, x: &[f32; N]) {
    #[cfg(fma512)]
    {
        // SAFETY: AVX-512F is enabled for this build.
        unsafe { avx512::axpy(y, a, x) }
    }
    #[cfg(fma256)]
    {
        // SAFETY: AVX and FMA are enabled for this build.
        unsafe { avx::axpy_from(y, a, x, 0) }
    }
    #[cfg(not(any(fma512, fma256)))]
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = mul_add(a, xi, *yi);
    }
}

#[cfg(any(fma256, fma512))]
mod avx {
    use super::mul_add;
    use core::arch::x86_64::*;

    /// `y[from..] += a * x[from..]`, 8 lanes at a time, the last `(N - from) % 8` one by
    /// one: all of AVX2's `axpy`, and AVX-512's after its 16-lane vectors.
    ///
    /// # Safety
    /// AVX and FMA are available.
    #[inline(always)]
    pub unsafe fn axpy_from<const N: usize>(y: &mut [f32; N], a: f32, x: &[f32; N], from: usize) {
        let (y_ptr, x_ptr) = (y.as_mut_ptr(), x.as_ptr());
        let mut i = from;
        // SAFETY: i + 8 <= N, so both 8-float accesses are inside the arrays.
        unsafe {
            let va = _mm256_set1_ps(a);
            while i + 8 <= N {
                let sum = _mm256_fmadd_ps(
                    va,
                    _mm256_loadu_ps(x_ptr.add(i)),
                    _mm256_loadu_ps(y_ptr.add(i)),
                );
                _mm256_storeu_ps(y_ptr.add(i), sum);
                i += 8;
            }
        }
        for j in i..N {
            y[j] = mul_add(a, x[j], y[j]);
        }
    }
}

#[cfg(fma512)]
mod avx512 {
    use core::arch::x86_64::*;

    /// `y += a * x`, 16 lanes at a time, then what is left with AVX's
    /// [`axpy_from`](super::avx::axpy_from).
    ///
    /// No masked loads or stores for the tail: LLVM keeps no value of a masked access in a
    /// register, so an accumulator of fewer than 16 floats (`tiny`'s 8-channel layers)
    /// went through memory at every step, each masked load waiting on the masked store
    /// before it (the load could not take its value from the store in flight). Measured on
    /// an Intel Xeon with AVX-512 (2026-12-04), `tiny` on one thread: 2.106 s per round
    /// with the masked tail, 0.201 s without, 0.226 s for the AVX2 build.
    ///
    /// # Safety
    /// AVX-512F is available (it implies AVX2 and FMA).
    #[inline(always)]
    pub unsafe fn axpy<const N: usize>(y: &mut [f32; N], a: f32, x: &[f32; N]) {
        let (y_ptr, x_ptr) = (y.as_mut_ptr(), x.as_ptr());
        let mut i = 0;
        // SAFETY: i + 16 <= N, so both 16-float accesses are inside the arrays; AVX-512F
        // implies what `axpy_from` needs.
        unsafe {
            let va = _mm512_set1_ps(a);
            while i + 16 <= N {
                let sum = _mm512_fmadd_ps(
                    va,
                    _mm512_loadu_ps(x_ptr.add(i)),
                    _mm512_loadu_ps(y_ptr.add(i)),
                );
                _mm512_storeu_ps(y_ptr.add(i), sum);
                i += 16;
            }
            super::avx::axpy_from(y, a, x, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axpy_adds_scaled() {
        let mut y = [1.0f32; 5];
        axpy(&mut y, 2.0, &[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, [1.0, 3.0, 5.0, 7.0, 9.0]);
    }

    #[test]
    fn every_length_is_one_multiply_add_per_element() {
        // Lengths that end in every tail: 8-lane vectors and single lanes after whole
        // 16-lane vectors or none (1, 3, 4, 8, 12, 15, 16, 25, 29, 31, 33).
        fn check<const N: usize>() {
            let x: [f32; N] = core::array::from_fn(|i| (i as f32 * 0.37).sin());
            let start: [f32; N] = core::array::from_fn(|i| (i as f32 * 0.71).cos());
            let a = 0.3f32;
            let mut got = start;
            axpy(&mut got, a, &x);
            for i in 0..N {
                let expected = mul_add(a, x[i], start[i]);
                assert_eq!(got[i].to_bits(), expected.to_bits(), "N = {N}, element {i}");
            }
        }
        check::<1>();
        check::<3>();
        check::<4>();
        check::<8>();
        check::<12>();
        check::<15>();
        check::<16>();
        check::<25>();
        check::<29>();
        check::<31>();
        check::<33>();
    }
}
