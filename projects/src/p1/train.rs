//! One training epoch of a Project 1 network, as the host and a microcontroller both run
//! it: the learning rate of the cosine schedule, a new order of the pairs, then one
//! optimiser step per batch of `batch` pairs.
//!
//! A batch is processed `MB` pairs at a time (the network's own batch size). On the host
//! `MB` is the whole batch; a device that cannot hold 50 pairs' activations passes the
//! same 50-pair batch in micro-batches of a few pairs: the gradients accumulate and are
//! divided by the number of micro-batches, so the step is that of the whole batch (up to
//! the order of the sums: the same mean gradient, not the same bits).

use super::{PairBatch, PairImage, PixelStandardise, SIDE};
use crate::p1::objective::Objective;
use minidl::optim::cosine_decay;
use minidl::rand::{below, shuffle};
use minidl::rand_core::Rng;
use minidl::{Module, Optimizer};

/// What an epoch needs of the recipe.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    /// Adam's initial step size; decays with a cosine to 1/100 of it over `epochs`.
    pub lr: f32,
    /// Epochs of the whole training.
    pub epochs: usize,
    /// Training images are moved by up to this many pixels (independently, each time they
    /// are used); 0 for none.
    pub max_shift: usize,
}

/// One training pair: the raw images, the target, the two digit classes.
pub type TrainingPair = (PairImage, usize, [usize; 2]);

/// What one epoch measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EpochStats {
    /// Mean loss of the epoch's batches (not finite if training diverged).
    pub loss: f32,
    /// Training pairs the network got wrong as it trained (training mode, before each
    /// step).
    pub wrong: usize,
    /// Training pairs seen (full batches only).
    pub seen: usize,
}

/// The network, its objective and optimiser, and the input buffer of `MB` pairs.
pub struct Learner<'a, N: Module, O, A> {
    /// The network.
    pub net: &'a mut N,
    /// How it is trained and read.
    pub objective: &'a mut O,
    /// Its optimiser.
    pub optimizer: &'a mut A,
    /// The network's input, reused for every micro-batch.
    pub input: &'a mut N::Input,
    /// When given, one slot per parameter tensor (in `visit_params` order): each batch adds
    /// the L2 norm of that tensor's gradient, as the optimiser receives it. Divide by the
    /// number of batches for the epoch's mean. One pass over the gradients per step.
    pub grad_norms: Option<&'a mut [f32]>,
}

impl<N, O, A> Learner<'_, N, O, A>
where
    N: Module<Input: PairBatch>,
    A: Optimizer,
{
    /// Epoch `epoch` (from 0) of `schedule` over the pairs `order` names (shuffled in place
    /// from `rng`), `batch` pairs a step, `MB` of them at a time; `pair(i)` gives pair `i`,
    /// which is standardised with `norm`. `batch` must be a multiple of `MB`; a last
    /// incomplete batch is left out.
    #[allow(clippy::too_many_arguments)]
    pub fn epoch<const MB: usize, I, R>(
        &mut self,
        (epoch, schedule): (usize, &Schedule),
        pair: impl Fn(usize) -> TrainingPair,
        norm: PixelStandardise,
        order: &mut [I],
        batch: usize,
        rng: &mut R,
    ) -> EpochStats
    where
        O: Objective<N, MB>,
        I: Copy + Into<usize>,
        R: Rng + ?Sized,
    {
        assert!(
            batch > 0 && batch.is_multiple_of(MB),
            "a batch of {batch} pairs is not made of micro-batches of {MB}"
        );
        let micro = batch / MB;
        self.optimizer
            .set_learning_rate(cosine_decay(schedule.lr, epoch, schedule.epochs));
        shuffle(order, rng);
        let (mut targets, mut classes) = ([0usize; MB], [[0usize; 2]; MB]);
        let mut predicted = [0usize; MB];
        let mut stats = EpochStats::default();
        let mut total = 0.0;
        let batches = order.chunks_exact(batch);
        let count = batches.len();
        for batch in batches {
            self.net.zero_grad();
            let mut loss = 0.0;
            for part in batch.chunks_exact(MB) {
                for (k, &i) in part.iter().enumerate() {
                    let (mut image, target, class) = pair(i.into());
                    if schedule.max_shift > 0 {
                        image = random_shift(&image, schedule.max_shift, rng);
                    }
                    self.input.set(k, &image, norm);
                    targets[k] = target;
                    classes[k] = class;
                }
                loss += self
                    .objective
                    .train_batch(self.net, self.input, &targets, &classes);
                self.objective
                    .decide(self.net.output(self.input), &mut predicted);
                stats.wrong += predicted
                    .iter()
                    .zip(&targets)
                    .filter(|(p, t)| p != t)
                    .count();
            }
            if micro > 1 {
                let scale = 1.0 / micro as f32;
                self.net
                    .visit_params(&mut |_, grad| grad.iter_mut().for_each(|g| *g *= scale));
                loss *= scale;
            }
            total += loss;
            if let Some(norms) = self.grad_norms.as_deref_mut() {
                let mut slot = norms.iter_mut();
                self.net.visit_params(&mut |_, grad| {
                    let squares = minidl::kernels::sum_of_squares(grad);
                    *slot.next().expect("a slot per parameter tensor") +=
                        minidl::math::sqrt::sqrtf(squares);
                });
            }
            self.optimizer.step(self.net);
        }
        stats.loss = total / count as f32;
        stats.seen = count * batch;
        stats
    }
}

/// `image` moved by `dy` rows and `dx` columns (either may be negative), with background
/// (0) where nothing moves in.
pub fn shifted(image: &[[f32; SIDE]; SIDE], dy: isize, dx: isize) -> [[f32; SIDE]; SIDE] {
    let mut out = [[0.0; SIDE]; SIDE];
    for (y, row) in out.iter_mut().enumerate() {
        let sy = y as isize - dy;
        if !(0..SIDE as isize).contains(&sy) {
            continue;
        }
        for (x, v) in row.iter_mut().enumerate() {
            let sx = x as isize - dx;
            if (0..SIDE as isize).contains(&sx) {
                *v = image[sy as usize][sx as usize];
            }
        }
    }
    out
}

/// Both images of `pair`, each moved independently by up to `max` pixels in each direction.
pub fn random_shift<R: Rng + ?Sized>(pair: &PairImage, max: usize, rng: &mut R) -> PairImage {
    let span = 2 * max + 1;
    let mut offset = || below(rng, span) as isize - max as isize;
    let (dy0, dx0, dy1, dx1) = (offset(), offset(), offset(), offset());
    [shifted(&pair[0], dy0, dx0), shifted(&pair[1], dy1, dx1)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p1::nets::TinyNet;
    use crate::p1::objective::WithAuxLoss;
    use minidl::rand_core::SeedableRng;
    use minidl::rand_xoshiro::Xoshiro256PlusPlus;
    use minidl::{Init, Sgd, SgdConfig, Zeroable};

    type Params = [f32; <TinyNet<1, 2> as Module>::PARAMS];

    /// Pair `i` of a small synthetic set: blobs whose position is the digit.
    fn pair(i: usize) -> TrainingPair {
        let classes = [i % 10, (i * 7 + 3) % 10];
        let image = core::array::from_fn(|c| {
            core::array::from_fn(|y| {
                core::array::from_fn(|x| {
                    if y == classes[c] + 2 && x > 3 {
                        200.0
                    } else {
                        0.0
                    }
                })
            })
        });
        (image, usize::from(classes[0] <= classes[1]), classes)
    }

    /// Trains a tiny net for one epoch of batches of 4 pairs, `MB` at a time; returns its
    /// parameters and the epoch's loss.
    fn train<const MB: usize, const MB2: usize>() -> (Params, f32) {
        let (mut net, loss) = train_epoch::<MB, MB2>(4, None);
        (params(&mut net), loss)
    }

    fn params<const MB: usize, const MB2: usize>(net: &mut TinyNet<MB, MB2>) -> Params {
        let mut params = [0.0; <TinyNet<1, 2> as Module>::PARAMS];
        let mut at = 0;
        net.visit_params(&mut |p, _| {
            params[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        });
        params
    }

    /// One epoch of the 16 pairs in batches of `batch`, `MB` at a time, recording gradient
    /// norms into `grad_norms` when given; returns the net and the epoch's loss.
    fn train_epoch<const MB: usize, const MB2: usize>(
        batch: usize,
        grad_norms: Option<&mut [f32]>,
    ) -> (TinyNet<MB, MB2>, f32) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut net = TinyNet::<MB, MB2>::zeroed();
        net.init(Init::PyTorchDefault, &mut rng);
        let mut objective = WithAuxLoss::<MB, MB2>::zeroed();
        objective.weight = 1.0;
        // SGD, whose step is proportional to the gradient (Adam's would hide a wrong scale).
        let mut optimizer = Sgd::<{ <TinyNet<1, 2> as Module>::PARAMS }>::zeroed();
        optimizer.reset(SgdConfig {
            lr: 0.05,
            momentum: 0.0,
            weight_decay: 0.0,
        });
        let mut input = Zeroable::zeroed();
        let mut order: [usize; 16] = core::array::from_fn(|i| i);
        let norm = PixelStandardise {
            mean: 30.0,
            std: 70.0,
        };
        let schedule = Schedule {
            lr: 0.05,
            epochs: 1,
            max_shift: 1,
        };
        let stats = Learner {
            net: &mut net,
            objective: &mut objective,
            optimizer: &mut optimizer,
            input: &mut input,
            grad_norms,
        }
        .epoch::<MB, _, _>((0, &schedule), pair, norm, &mut order, batch, &mut rng);
        assert_eq!(stats.seen, 16);
        (net, stats.loss)
    }

    #[test]
    fn gradient_norms_are_those_of_the_step_and_change_nothing() {
        // One batch of all 16 pairs, 4 at a time: one step, whose gradients stay in the net.
        let mut norms = [0.0f32; 12];
        let (mut recorded, _) = train_epoch::<4, 8>(16, Some(&mut norms));
        let (mut plain, _) = train_epoch::<4, 8>(16, None);
        let bits = |p: Params| p.map(f32::to_bits);
        assert_eq!(bits(params(&mut recorded)), bits(params(&mut plain)));
        let mut t = 0;
        recorded.visit_params(&mut |_, grad| {
            let norm = grad
                .iter()
                .map(|&g| f64::from(g) * f64::from(g))
                .sum::<f64>()
                .sqrt();
            assert!(norm > 0.0, "tensor {t} has a gradient");
            let relative = (f64::from(norms[t]) - norm).abs() / norm;
            assert!(relative < 1e-5, "tensor {t}: {} vs {norm}", norms[t]);
            t += 1;
        });
        assert_eq!(t, norms.len(), "a slot per tensor");
    }

    #[test]
    fn micro_batches_take_the_whole_batch_step() {
        let (whole, loss_whole) = train::<4, 8>();
        let (micro, loss_micro) = train::<2, 4>();
        let (single, _) = train::<1, 2>();
        assert!(
            (loss_whole - loss_micro).abs() <= 1e-5 * loss_whole.abs(),
            "{loss_whole} vs {loss_micro}"
        );
        // Equal steps leave the parameters within rounding of each other; without the
        // 1/micro-batches scale the steps of `micro` would be twice as long.
        let largest = |other: &Params| {
            whole
                .iter()
                .zip(other)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max)
        };
        assert!(largest(&micro) < 1e-4, "{}", largest(&micro));
        assert!(largest(&single) < 1e-4, "{}", largest(&single));
    }
}
