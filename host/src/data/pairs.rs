//! The port of the course's `generate_pair_sets(N)` (`dlc_practical_prologue.py`).
//!
//! For each split separately: 2x2 average pooling of the raw 0..255 pixels (28x28 ->
//! 14x14), a uniformly random permutation of *all* the split's images, the first `2N`
//! indices taken as `N` pairs (`(perm[2k], perm[2k+1])`, so no image repeats), `classes` the
//! two digits, `target = 1` if the first digit is <= the second. Training pairs come from
//! the training split, test pairs from the test split. No normalisation: that is each
//! model's business, with training statistics only.

use super::mnist::{self, Mnist, Split, PIXELS};
use minidl::rand::shuffle;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
pub use projects::p1::{PairImage, SIDE};

/// `N` pairs with their targets and digit classes.
#[derive(Clone, Debug, Default)]
pub struct PairSet {
    /// The two images of each pair.
    pub input: Vec<PairImage>,
    /// 1 if the first digit is less than or equal to the second, else 0.
    pub target: Vec<usize>,
    /// The two digits of each pair.
    pub classes: Vec<[usize; 2]>,
}

impl PairSet {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }
}

/// 2x2 average pooling of a 28x28 image, in raw 0..255 units.
pub fn pool(image: &[u8; PIXELS]) -> [[f32; SIDE]; SIDE] {
    std::array::from_fn(|y| {
        std::array::from_fn(|x| {
            let at = |dy: usize, dx: usize| image[(2 * y + dy) * mnist::SIDE + 2 * x + dx] as f32;
            (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4.0
        })
    })
}

/// `n` pairs from `split`, as `generate_pair_sets` builds them.
///
/// # Panics
/// If the split has fewer than `2n` images (the caller checks this for user input).
pub fn pairs_from(split: &Split, n: usize, rng: &mut Xoshiro256PlusPlus) -> PairSet {
    pairs_with_holdout(split, n, 0, rng).0
}

/// `n` pairs as [`pairs_from`] draws them (the same pairs for the same generator state),
/// plus `holdout` more pairs made of the *next* images of the same permutation, so that no
/// image is shared between the two sets. The holdout pairs serve as a validation set for
/// choosing hyper-parameters without looking at the test split.
pub fn pairs_with_holdout(
    split: &Split,
    n: usize,
    holdout: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> (PairSet, PairSet) {
    let needed = 2 * (n + holdout);
    assert!(
        needed <= split.len(),
        "{} pairs need {needed} images, split has {}",
        n + holdout,
        split.len()
    );
    let mut permutation: Vec<usize> = (0..split.len()).collect();
    shuffle(&mut permutation, rng);
    let (first, rest) = permutation.split_at(2 * n);
    (
        pairs_at(split, first),
        pairs_at(split, &rest[..2 * holdout]),
    )
}

/// Pairs `(indices[2k], indices[2k+1])` of `split`.
fn pairs_at(split: &Split, indices: &[usize]) -> PairSet {
    let mut set = PairSet::default();
    for pair in indices.chunks_exact(2) {
        let (a, b) = (pair[0], pair[1]);
        let classes = [split.labels[a] as usize, split.labels[b] as usize];
        set.input.push([pool(split.image(a)), pool(split.image(b))]);
        set.target.push(usize::from(classes[0] <= classes[1]));
        set.classes.push(classes);
    }
    set
}

/// `generate_pair_sets(n)`: training pairs from the training split, then test pairs from
/// the test split, drawn from one generator.
pub fn generate_pair_sets(
    mnist: &Mnist,
    n: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> (PairSet, PairSet) {
    let train = pairs_from(&mnist.train, n, rng);
    let test = pairs_from(&mnist.test, n, rng);
    (train, test)
}
