//! `y += x` over a compile-time length: independent lanes, no bounds checks.
//!
//! It gives the bits of [`axpy`](fn@super::axpy)`(y, 1.0, x)` (a fused `1 * x + y` rounds
//! once, as the addition does) a cycle sooner: a bias gradient or a batch mean adds every
//! pixel of the batch to the same few vectors, one chain of dependent operations per
//! vector, and the addition's latency is 3 cycles against the fused multiply-add's 4 on an
//! AMD Zen 3.

/// `y += x`.
#[inline(always)]
pub fn add<const N: usize>(y: &mut [f32; N], x: &[f32; N]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += xi;
    }
}

/// `sum += rows[0] + rows[1] + ...`, the rows added in order into a local copy of `sum`
/// (written back once): added to a field behind a reference at every row, the sum went
/// through memory each time, and a bias gradient over every pixel of the batch ran 3x
/// slower (conv1's weight-gradient bench fell from 63% of the FMA peak to 20%, AMD EPYC
/// Zen 3).
#[inline(always)]
pub fn add_rows<'a, const N: usize>(
    sum: &mut [f32; N],
    rows: impl IntoIterator<Item = &'a [f32; N]>,
) {
    let mut local = *sum;
    for row in rows {
        add(&mut local, row);
    }
    *sum = local;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::map;

    #[test]
    fn adds_with_the_bits_of_a_unit_axpy() {
        let x = [1.0e-8f32, -0.0, 0.0, 3.5, f32::MAX, -1.0e30, 0.1];
        let start = [1.0f32, -0.0, -0.0, -3.5, f32::MAX, 1.0e30, 0.2];
        let (mut by_add, mut by_axpy) = (start, start);
        add(&mut by_add, &x);
        super::super::axpy(&mut by_axpy, 1.0, &x);
        assert_eq!(map(by_add, f32::to_bits), map(by_axpy, f32::to_bits));
    }
}
