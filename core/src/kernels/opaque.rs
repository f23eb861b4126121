//! `opaque(r)`: the same reference, from which the optimiser can no longer tell where it
//! points, at no cost at run time (an empty `asm!` block the pointer passes through in a
//! register).
//!
//! What it is for: LLVM merges loads of the same address, and a convolution's kernels
//! load the same input many times (neighbouring windows overlap). Merged, the loaded values
//! must live until their next use, which AVX2's 16 registers cannot hold, so they are
//! spilled to the stack and reloaded, and the accumulators with them. Loading through an
//! `opaque` reference keeps each load where the kernel wrote it.
//!
//! [`core::hint::black_box`] does the same but passes the reference through memory: a
//! store and a load on the path of every address computed from it. Measured on AMD EPYC
//! Zen 3 (AVX2), `tiny`'s conv1 weight gradient at 100 images (one barrier per output
//! pixel), four alternations: 28.6-29.4 us with `black_box`, 25.1-25.8 us with `opaque`.
//! Where `asm!` is not available (targets other than x86-64 and aarch64, which have no
//! vector kernels that need this) it is the fallback.

/// `r`, through a barrier the optimiser cannot see through (see the module documentation).
#[inline(always)]
pub fn opaque<T>(r: &T) -> &T {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        let mut p: *const T = r;
        // SAFETY: the block is empty: it reads and writes no memory and leaves `p` as it
        // was, so `p` still points to `*r`, borrowed for the lifetime returned. (Not
        // `pure`: two blocks on the same pointer must not be merged into one. The lint
        // warns that a `nomem` block might use the pointer; this one only passes it on.)
        #[allow(clippy::pointers_in_nomem_asm_block)]
        unsafe {
            core::arch::asm!("/* {0} */", inout(reg) p, options(nomem, nostack, preserves_flags));
            &*p
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        core::hint::black_box(r)
    }
}

#[cfg(test)]
mod tests {
    use super::opaque;

    #[test]
    fn returns_the_same_reference() {
        let x = [1.0f32, 2.0, 3.0];
        assert!(core::ptr::eq(opaque(&x), &x));
        assert_eq!(*opaque(&x), x);
    }
}
