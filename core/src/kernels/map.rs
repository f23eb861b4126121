//! `array.map(f)` that is always inlined, for the kernels' inner loops.
//!
//! Why: `[T; N]::map` goes through `core::array::try_map`, which LLVM may leave out of
//! line when the crate that instantiates the kernels is split into several codegen units,
//! as Cargo's default release profile does (16). In a build of `convnet`'s training step
//! with that profile, 26 copies of `try_map` stayed functions, called per pixel from the
//! convolutions, and the step took twice as long as with one codegen unit (see
//! `docs/performance.md`). `core::array::from_fn` over the array's items is inlined.

/// `array.map(f)`: `f` applied to each item in order.
#[inline(always)]
pub fn map<T, U, const N: usize>(array: [T; N], mut f: impl FnMut(T) -> U) -> [U; N] {
    let mut items = array.into_iter();
    core::array::from_fn(|_| f(items.next().expect("an item for each index")))
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn maps_each_item_in_order() {
        let mut seen = [0; 4];
        let mut count = 0;
        let out = map([3, 1, 4, 1], |x| {
            seen[count] = x;
            count += 1;
            x * 10
        });
        assert_eq!(out, [30, 10, 40, 10]);
        assert_eq!(seen, [3, 1, 4, 1]);
    }
}
