//! Dropout (Srivastava et al., 2014), inverted: in training each element is zeroed with
//! probability `p` and the survivors are scaled by `1/(1-p)`, so evaluation is the identity.
//!
//! The mask comes from the layer's own xoshiro128++ generator, seeded by `init` from the
//! caller's generator, so a seeded run draws the same masks on every machine.

use crate::init::Init;
use crate::module::{Mode, Module};
use crate::rand::unit;
use crate::tensor::{Tensor, Zeroable};
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro128PlusPlus;

/// Inverted dropout on a tensor `T`, dropping each element with probability
/// `PERCENT / 100`. The rate is part of the type, like the shape: it is fixed when the
/// architecture is written down, and a zeroed network already has it.
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct Dropout<T: Tensor, const PERCENT: usize> {
    /// Per element: 0 (dropped) or `1/(1-p)` (kept) in training mode.
    mask: T,
    output: T,
    rng: Xoshiro128PlusPlus,
    frozen: bool,
    /// Whether `init` seeded the generator: a zeroed generator yields only zeros, which
    /// would drop every unit.
    seeded: bool,
    mode: Mode,
}

// SAFETY: f32 tensors, a bool, a Mode (zero is `Train`) and the generator's integer state.
// An all-zero xoshiro state is valid memory (it would only ever produce zeros); `init`
// reseeds it before use.
unsafe impl<T: Tensor, const PERCENT: usize> Zeroable for Dropout<T, PERCENT> {}

// The generator must be exactly its four `u32` words of state (no pointer or niche that an
// all-zero pattern could break); a change of `rand_xoshiro`'s layout stops the build here.
const _: () = assert!(
    core::mem::size_of::<Xoshiro128PlusPlus>() == 16
        && core::mem::align_of::<Xoshiro128PlusPlus>() == 4
);

impl<T: Tensor, const PERCENT: usize> Dropout<T, PERCENT> {
    const RATE_CHECK: () = assert!(PERCENT < 100, "dropout rate must be below 100%");

    /// The drop probability.
    pub const fn rate() -> f32 {
        PERCENT as f32 / 100.0
    }

    fn active(&self) -> bool {
        self.mode == Mode::Train && PERCENT > 0
    }

    /// While frozen, training-mode forward passes reuse the last mask instead of drawing a
    /// new one (used by gradient checks, which must see one fixed function).
    pub fn freeze_mask(&mut self, frozen: bool) {
        self.frozen = frozen;
    }
}

impl<T: Tensor, const PERCENT: usize> Module for Dropout<T, PERCENT> {
    type Input = T;
    type Output = T;

    fn forward<'a>(&'a mut self, input: &'a T) -> &'a T {
        let () = Self::RATE_CHECK;
        if !self.active() {
            return input;
        }
        assert!(
            self.seeded,
            "Dropout used in training mode before Module::init seeded its generator \
             (a zeroed one would drop every unit)"
        );
        if !self.frozen {
            let keep = 1.0 / (1.0 - Self::rate());
            for m in self.mask.flat_mut() {
                *m = if unit(&mut self.rng) < Self::rate() {
                    0.0
                } else {
                    keep
                };
            }
        }
        let parts = input.flat().iter().zip(self.mask.flat());
        for (y, (&x, &m)) in self.output.flat_mut().iter_mut().zip(parts) {
            *y = x * m;
        }
        &self.output
    }

    fn output<'a>(&'a self, input: &'a T) -> &'a T {
        if !self.active() {
            input
        } else {
            &self.output
        }
    }

    fn backward(&mut self, _input: &T, grad_output: &T, grad_input: Option<&mut T>) {
        let Some(grad_input) = grad_input else { return };
        if !self.active() {
            grad_input.flat_mut().copy_from_slice(grad_output.flat());
            return;
        }
        let parts = grad_output.flat().iter().zip(self.mask.flat());
        for (gi, (&g, &m)) in grad_input.flat_mut().iter_mut().zip(parts) {
            *gi = g * m;
        }
    }

    fn init<R: Rng + ?Sized>(&mut self, _scheme: Init, rng: &mut R) {
        self.rng = Xoshiro128PlusPlus::seed_from_u64(rng.next_u64());
        self.seeded = true;
    }

    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};

    #[test]
    fn drops_about_p_and_keeps_the_mean() {
        let mut d = Dropout::<[f32; 10_000], 30>::zeroed();
        d.init(Init::PyTorchDefault, &mut rng(70));
        let y = d.forward(&[1.0; 10_000]);
        let dropped = y.iter().filter(|&&v| v == 0.0).count();
        assert!((2800..3200).contains(&dropped), "{dropped} dropped");
        let mean: f32 = y.iter().sum::<f32>() / 10_000.0;
        assert!((mean - 1.0).abs() < 0.03);
        assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.7).abs() < 1e-6));
    }

    #[test]
    #[should_panic(expected = "before Module::init")]
    fn an_unseeded_dropout_refuses_to_train() {
        // Zeroed but never initialised: its generator would drop every unit.
        let mut d = Dropout::<[f32; 8], 50>::zeroed();
        d.forward(&[1.0; 8]);
    }

    #[test]
    fn an_unseeded_dropout_is_the_identity_in_evaluation() {
        let mut d = Dropout::<[f32; 8], 50>::zeroed();
        d.set_mode(Mode::Eval);
        assert_eq!(d.forward(&[3.0; 8]), &[3.0; 8]);
    }

    #[test]
    fn evaluation_is_identity_and_masks_differ_between_steps() {
        let mut d = Dropout::<[f32; 64], 50>::zeroed();
        d.init(Init::PyTorchDefault, &mut rng(71));
        let first = *d.forward(&[1.0; 64]);
        let second = *d.forward(&[1.0; 64]);
        assert_ne!(first, second);
        d.set_mode(Mode::Eval);
        assert_eq!(d.forward(&[2.0; 64]), &[2.0; 64]);
    }

    #[test]
    fn same_seed_same_masks() {
        let mask = |seed| {
            let mut d = Dropout::<[f32; 32], 50>::zeroed();
            d.init(Init::PyTorchDefault, &mut rng(seed));
            *d.forward(&[1.0; 32])
        };
        assert_eq!(mask(1), mask(1));
        assert_ne!(mask(1), mask(2));
    }

    #[test]
    fn gradient_with_a_frozen_mask() {
        let mut d = Dropout::<[[f32; 8]; 3], 40>::zeroed();
        d.init(Init::PyTorchDefault, &mut rng(72));
        d.forward(&[[1.0; 8]; 3]);
        d.freeze_mask(true);
        let report = assert_gradients(&mut d, &mut rng(73));
        assert_eq!(report.checked, 24);
    }
}
