//! Batch normalisation (Ioffe & Szegedy, 2015) over every axis but the channel axis.
//!
//! One implementation serves vectors (`BatchNorm1d`: statistics over the batch) and images
//! (`BatchNorm2d`: statistics over batch, rows and columns): both are seen as `M` rows of
//! `C` channels, the last axis being the channel axis in this crate's layouts.
//!
//! Training mode normalises with the batch mean and biased variance and updates running
//! estimates (momentum 0.1, unbiased variance, as PyTorch); evaluation mode uses the running
//! estimates. The backward pass recomputes the normalised input from the stored batch mean
//! and inverse standard deviation instead of storing it.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path, Shape, TensorSpec};
use crate::kernels::opaque;
use crate::module::{Mode, Module};
use crate::tensor::{Batch, Images, Tensor, Zeroable};
use rand_core::Rng;

/// Added to the variance before the square root.
pub const EPSILON: f32 = 1e-5;
/// Weight of the newest batch in the running statistics.
pub const MOMENTUM: f32 = 0.1;

/// Batch normalisation of a tensor `T` whose last axis has `C` channels.
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct BatchNorm<T: Tensor, const C: usize> {
    // The activations first, on a cache line; the mode last.
    output: T,
    /// Scale per channel (starts at 1).
    pub gamma: [f32; C],
    /// Shift per channel (starts at 0).
    pub beta: [f32; C],
    /// dL/d(gamma).
    pub gamma_grad: [f32; C],
    /// dL/d(beta).
    pub beta_grad: [f32; C],
    /// Running mean, used in evaluation mode.
    pub running_mean: [f32; C],
    /// Running (unbiased) variance, used in evaluation mode.
    pub running_var: [f32; C],
    batch_mean: [f32; C],
    inv_std: [f32; C],
    mode: Mode,
}

/// Batch norm for a batch of feature vectors.
pub type BatchNorm1d<const B: usize, const N: usize> = BatchNorm<Batch<B, N>, N>;
/// Batch norm for a batch of images (per channel).
pub type BatchNorm2d<const B: usize, const H: usize, const W: usize, const C: usize> =
    BatchNorm<Images<B, H, W, C>, C>;

// SAFETY: f32 arrays, a tensor and a Mode (zero is `Train`).
unsafe impl<T: Tensor, const C: usize> Zeroable for BatchNorm<T, C> {}

impl<T: Tensor, const C: usize> BatchNorm<T, C> {
    const ROWS: usize = T::LEN / C;
    const SHAPE_CHECK: () = assert!(
        C > 0 && T::LEN % C == 0,
        "BatchNorm channels must divide the tensor"
    );

    fn rows(t: &T) -> &[[f32; C]] {
        let () = Self::SHAPE_CHECK;
        // SAFETY: T is LEN contiguous f32 and LEN is a multiple of C (checked above).
        unsafe { core::slice::from_raw_parts(t as *const T as *const [f32; C], Self::ROWS) }
    }

    fn rows_mut(t: &mut T) -> &mut [[f32; C]] {
        let () = Self::SHAPE_CHECK;
        // SAFETY: as in `rows`; the borrow is unique.
        unsafe { core::slice::from_raw_parts_mut(t as *mut T as *mut [f32; C], Self::ROWS) }
    }
}

impl<T: Tensor, const C: usize> Module for BatchNorm<T, C> {
    type Input = T;
    type Output = T;
    const PARAMS: usize = 2 * C;

    fn forward<'a>(&'a mut self, input: &'a T) -> &'a T {
        let m = Self::ROWS as f32;
        if self.mode == Mode::Train {
            let mut mean = [0.0f32; C];
            crate::kernels::add_rows(&mut mean, Self::rows(input));
            mean.iter_mut().for_each(|v| *v /= m);
            let mut var = [0.0f32; C];
            for row in Self::rows(input) {
                for ((v, &x), &mu) in var.iter_mut().zip(row).zip(&mean) {
                    *v += (x - mu) * (x - mu);
                }
            }
            var.iter_mut().for_each(|v| *v /= m);
            let unbiased = if Self::ROWS > 1 { m / (m - 1.0) } else { 1.0 };
            for c in 0..C {
                self.inv_std[c] = 1.0 / crate::math::sqrt::sqrtf(var[c] + EPSILON);
                self.running_mean[c] = (1.0 - MOMENTUM) * self.running_mean[c] + MOMENTUM * mean[c];
                self.running_var[c] =
                    (1.0 - MOMENTUM) * self.running_var[c] + MOMENTUM * var[c] * unbiased;
            }
            self.batch_mean = mean;
        } else {
            self.batch_mean = self.running_mean;
            for c in 0..C {
                self.inv_std[c] = 1.0 / crate::math::sqrt::sqrtf(self.running_var[c] + EPSILON);
            }
        }
        // y = gamma * (x - mean) * inv_std + beta = x * scale + shift.
        //
        // Two things make this pass (and the input gradient's) fast on a batch larger than
        // the L2 cache (`best`'s first one is 2.5 MiB: 100 images of 14 x 14 x 32):
        // - It runs backwards. The two sums above had to read the rows in order, so their
        //   last rows are the ones still in cache: starting there, this pass finds them.
        // - Each row passes through `opaque`. Without it LLVM vectorises across rows
        //   (32 rows of 8 lanes with AVX-512's gathers and scatters, one lane per row)
        //   instead of across channels.
        // Measured on the Intel Xeon (AVX-512), this forward pass at 100 images of 14 x 14 x
        // 32, one thread: 364 -> 331 us (`opaque`) -> 296 us (backwards); `best` 2.73-2.84 ->
        // 2.66-2.76 s a round.
        let scale: [f32; C] = core::array::from_fn(|c| self.gamma[c] * self.inv_std[c]);
        let shift: [f32; C] =
            core::array::from_fn(|c| self.beta[c] - self.batch_mean[c] * scale[c]);
        for (out, row) in Self::rows_mut(&mut self.output)
            .iter_mut()
            .zip(Self::rows(input))
            .rev()
        {
            let row = opaque(row);
            for ((y, &x), (&s, &t)) in out.iter_mut().zip(row).zip(scale.iter().zip(&shift)) {
                *y = x * s + t;
            }
        }
        &self.output
    }

    fn output<'a>(&'a self, _input: &'a T) -> &'a T {
        &self.output
    }

    fn backward(&mut self, input: &T, grad_output: &T, grad_input: Option<&mut T>) {
        let (mean, inv_std) = (self.batch_mean, self.inv_std);
        let mut sum_g = [0.0f32; C];
        let mut sum_g_xhat = [0.0f32; C];
        for (row, g) in Self::rows(input).iter().zip(Self::rows(grad_output)) {
            for c in 0..C {
                let xhat = (row[c] - mean[c]) * inv_std[c];
                sum_g[c] += g[c];
                sum_g_xhat[c] += g[c] * xhat;
            }
        }
        for c in 0..C {
            self.beta_grad[c] += sum_g[c];
            self.gamma_grad[c] += sum_g_xhat[c];
        }
        let Some(grad_input) = grad_input else { return };
        let rows = Self::rows(input).iter().zip(Self::rows(grad_output));
        if self.mode == Mode::Train {
            // dx = gamma inv_std / M * (M g - sum(g) - xhat sum(g xhat)): the batch
            // statistics depend on every input.
            let m = Self::ROWS as f32;
            // Per channel once (a division per element had cost the pass ~30%). Backwards
            // and through `opaque`, as the forward pass's last loop and for its reasons.
            let k: [f32; C] = core::array::from_fn(|c| self.gamma[c] * inv_std[c] / m);
            for (gi, (row, g)) in Self::rows_mut(grad_input).iter_mut().zip(rows).rev() {
                let row = opaque(row);
                let per_channel = mean.iter().zip(&inv_std).zip(&k);
                let sums = sum_g.iter().zip(&sum_g_xhat);
                for ((((d, &x), &g), ((&mu, &s), &k)), (&sg, &sgx)) in
                    gi.iter_mut().zip(row).zip(g).zip(per_channel).zip(sums)
                {
                    let xhat = (x - mu) * s;
                    *d = k * (m * g - sg - xhat * sgx);
                }
            }
        } else {
            for (gi, (_, g)) in Self::rows_mut(grad_input).iter_mut().zip(rows) {
                for c in 0..C {
                    gi[c] = self.gamma[c] * inv_std[c] * g[c];
                }
            }
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        visit(&mut self.gamma, &mut self.gamma_grad);
        visit(&mut self.beta, &mut self.beta_grad);
    }

    fn visit_buffers(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        visit(&mut self.running_mean);
        visit(&mut self.running_var);
    }

    /// PyTorch's names: the scale is `weight`, the shift `bias`.
    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| {
            visit(path, &TensorSpec::parameter("weight", Shape::vector(C)));
            visit(path, &TensorSpec::parameter("bias", Shape::vector(C)));
            visit(path, &TensorSpec::buffer("running_mean", Shape::vector(C)));
            visit(path, &TensorSpec::buffer("running_var", Shape::vector(C)));
        });
    }

    /// Scale 1, shift 0, running statistics of a standard normal, whatever the scheme.
    fn init<R: Rng + ?Sized>(&mut self, _scheme: Init, _rng: &mut R) {
        self.gamma = [1.0; C];
        self.beta = [0.0; C];
        self.running_mean = [0.0; C];
        self.running_var = [1.0; C];
        self.zero_grad();
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};
    use crate::rand::uniform;

    #[test]
    fn normalises_each_channel_in_training() {
        let mut bn = BatchNorm1d::<4, 2>::zeroed();
        bn.init(Init::PyTorchDefault, &mut rng(0));
        let x = [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]];
        let y = *bn.forward(&x);
        for c in 0..2 {
            let mean: f32 = y.iter().map(|r| r[c]).sum::<f32>() / 4.0;
            let var: f32 = y.iter().map(|r| (r[c] - mean).powi(2)).sum::<f32>() / 4.0;
            assert!(
                mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-3,
                "channel {c}: {mean} {var}"
            );
        }
        // running mean moved 10% of the way to the batch mean 2.5; unbiased variance 5/3
        assert!((bn.running_mean[0] - 0.25).abs() < 1e-6);
        assert!((bn.running_var[0] - (0.9 + 0.1 * 5.0 / 3.0)).abs() < 1e-6);
    }

    #[test]
    fn evaluation_uses_running_statistics() {
        let mut bn = BatchNorm2d::<2, 1, 1, 1>::zeroed();
        bn.init(Init::PyTorchDefault, &mut rng(0));
        bn.running_mean = [3.0];
        bn.running_var = [4.0];
        bn.gamma = [2.0];
        bn.beta = [1.0];
        bn.set_mode(Mode::Eval);
        let y = bn.forward(&[[[[5.0]]], [[[3.0]]]]);
        assert!((y[0][0][0][0] - (2.0 * 2.0 / (4.0f32 + EPSILON).sqrt() + 1.0)).abs() < 1e-5);
        assert!((y[1][0][0][0] - 1.0).abs() < 1e-6);
    }

    fn perturbed(bn: &mut BatchNorm<impl Tensor, 3>, seed: u64) {
        let mut r = rng(seed);
        bn.init(Init::PyTorchDefault, &mut r);
        for c in 0..3 {
            bn.gamma[c] = uniform(&mut r, 0.5, 1.5);
            bn.beta[c] = uniform(&mut r, -0.5, 0.5);
            bn.running_mean[c] = uniform(&mut r, -0.5, 0.5);
            bn.running_var[c] = uniform(&mut r, 0.5, 1.5);
        }
    }

    #[test]
    fn gradient_in_training_mode_1d_and_2d() {
        let mut bn1 = BatchNorm1d::<5, 3>::zeroed();
        perturbed(&mut bn1, 61);
        assert_gradients(&mut bn1, &mut rng(62));
        let mut bn2 = BatchNorm2d::<2, 2, 3, 3>::zeroed();
        perturbed(&mut bn2, 63);
        assert_gradients(&mut bn2, &mut rng(64));
    }

    #[test]
    fn gradient_in_evaluation_mode() {
        let mut bn = BatchNorm2d::<2, 2, 2, 3>::zeroed();
        perturbed(&mut bn, 65);
        bn.set_mode(Mode::Eval);
        assert_gradients(&mut bn, &mut rng(66));
    }
}
