//! Fixed-size f32 tensors as plain nested arrays, and the two marker traits that let the
//! rest of the crate treat them uniformly.
//!
//! A tensor here is `f32` or an array of tensors: `[[f32; 25]; 10]` is a batch of ten
//! 25-vectors, `[[[[f32; C]; W]; H]; B]` a batch of `B` images in channels-last (NHWC)
//! layout. Nested arrays are contiguous in memory, so every tensor can also be seen as one
//! flat `&[f32]` (for element-wise kernels) or re-read as another tensor of the same length
//! (for zero-copy reshapes such as flattening images into vectors). Stable Rust cannot compute
//! `[f32; B * N]` from generic `B` and `N`; nesting sidesteps that, and the compiler still
//! knows every length, so hot loops carry no bounds checks.

use core::mem::{size_of, MaybeUninit};

/// A type for which the all-zero bit pattern is a valid value.
///
/// Every module, loss and optimiser state in this crate is `Zeroable`. That is what lets a
/// host put a multi-megabyte network straight on the heap (`Box::new_uninit` followed by
/// [`zeroed_in_place`]) and a microcontroller put one in `.bss`, without ever building the
/// value on the stack first (a common stack overflow with large fixed-size arrays).
///
/// # Safety
/// Implementors guarantee that all-zero bytes are a valid value of the type: integers,
/// floats, arrays of those, and structs made only of `Zeroable` fields.
pub unsafe trait Zeroable: Sized {
    /// A zero value built on the stack; meant for small values (tests, tiny models).
    fn zeroed() -> Self {
        // SAFETY: the trait's contract.
        unsafe { MaybeUninit::zeroed().assume_init() }
    }
}

// SAFETY: zero is a valid value for every primitive number type, and arrays of zeroable
// values are zeroable.
unsafe impl Zeroable for f32 {}
unsafe impl Zeroable for u8 {}
unsafe impl Zeroable for u16 {}
unsafe impl Zeroable for u32 {}
unsafe impl Zeroable for u64 {}
unsafe impl Zeroable for usize {}
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

/// Fills `slot` with zero bytes and returns it as an initialised value, without a copy on
/// the stack. On the host: `let mut b = Box::new_uninit(); zeroed_in_place(&mut b);`.
pub fn zeroed_in_place<T: Zeroable>(slot: &mut MaybeUninit<T>) -> &mut T {
    // SAFETY: `T: Zeroable` promises all-zero bytes are a valid `T`.
    unsafe {
        core::ptr::write_bytes(slot.as_mut_ptr(), 0, 1);
        slot.assume_init_mut()
    }
}

/// A zeroed `T` on the heap, built in place: a network of several megabytes never passes
/// through the stack (a thread's stack is 2 MiB by default). Hosts only (`std` feature).
#[cfg(feature = "std")]
pub fn boxed_zeroed<T: Zeroable>() -> std::boxed::Box<T> {
    let mut slot = std::boxed::Box::<T>::new_uninit();
    zeroed_in_place(&mut slot);
    // SAFETY: `zeroed_in_place` initialised the slot.
    unsafe { slot.assume_init() }
}

/// A fixed-size tensor of `f32`: `f32` itself or an array of tensors.
///
/// # Safety
/// Implementors must be exactly `LEN` contiguous `f32` values with no padding. The two impls
/// in this crate are the only ones needed; other crates have no reason to add more.
pub unsafe trait Tensor: Zeroable + Copy + 'static {
    /// Number of `f32` elements.
    const LEN: usize = size_of::<Self>() / size_of::<f32>();

    /// All elements in memory order (row-major, last index fastest).
    #[inline(always)]
    fn flat(&self) -> &[f32] {
        // SAFETY: the trait guarantees `LEN` contiguous f32 values.
        unsafe { core::slice::from_raw_parts(self as *const Self as *const f32, Self::LEN) }
    }

    /// All elements in memory order, mutably.
    #[inline(always)]
    fn flat_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `flat`, and the borrow is unique.
        unsafe { core::slice::from_raw_parts_mut(self as *mut Self as *mut f32, Self::LEN) }
    }
}

// SAFETY: an f32 is one f32; an array of tensors is N tensors back to back with no padding
// (arrays never pad between elements and every tensor has f32 alignment).
unsafe impl Tensor for f32 {}
unsafe impl<T: Tensor, const N: usize> Tensor for [T; N] {}

/// A batch of `B` feature vectors of length `N`.
pub type Batch<const B: usize, const N: usize> = [[f32; N]; B];

/// One image of `C` channels, `H` rows and `W` columns, channels last (HWC).
pub type Image<const H: usize, const W: usize, const C: usize> = [[[f32; C]; W]; H];

/// A batch of `B` images, channels last (NHWC).
pub type Images<const B: usize, const H: usize, const W: usize, const C: usize> =
    [Image<H, W, C>; B];

struct SameLen<A, B>(core::marker::PhantomData<(A, B)>);
impl<A: Tensor, B: Tensor> SameLen<A, B> {
    const CHECK: () = assert!(
        A::LEN == B::LEN,
        "reshape between tensors of different lengths"
    );
}

/// Re-reads a tensor as another tensor type with the same number of elements (a reshape
/// that copies nothing). A length mismatch is a compile-time error.
#[inline(always)]
pub fn reshape<A: Tensor, B: Tensor>(a: &A) -> &B {
    let () = SameLen::<A, B>::CHECK;
    // SAFETY: both are `LEN` contiguous f32 values (checked above) with f32 alignment.
    unsafe { &*(a as *const A as *const B) }
}

/// Mutable form of [`reshape`].
#[inline(always)]
pub fn reshape_mut<A: Tensor, B: Tensor>(a: &mut A) -> &mut B {
    let () = SameLen::<A, B>::CHECK;
    // SAFETY: as in `reshape`; the borrow is unique.
    unsafe { &mut *(a as *mut A as *mut B) }
}

/// Index of the largest value (the first one on ties); `0` for an empty slice.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_arrays_flatten_in_row_major_order() {
        let mut t: [[f32; 3]; 2] = Zeroable::zeroed();
        t[1][0] = 5.0;
        t[0][2] = 7.0;
        assert_eq!(<[[f32; 3]; 2]>::LEN, 6);
        assert_eq!(t.flat(), &[0.0, 0.0, 7.0, 5.0, 0.0, 0.0]);
        t.flat_mut()[4] = 1.0;
        assert_eq!(t[1][1], 1.0);
    }

    #[test]
    fn reshape_keeps_memory_order() {
        let t: [[[f32; 2]; 2]; 2] = [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]];
        let r: &[[f32; 4]; 2] = reshape(&t);
        assert_eq!(r[1], [4.0, 5.0, 6.0, 7.0]);
    }

    #[test]
    fn zeroed_in_place_gives_zeros() {
        let mut slot = MaybeUninit::<[[f32; 4]; 3]>::uninit();
        let t = zeroed_in_place(&mut slot);
        assert!(t.flat().iter().all(|&v| v == 0.0));
    }

    #[test]
    fn argmax_picks_first_maximum() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, -1.0]), 1);
        assert_eq!(argmax(&[]), 0);
    }
}
