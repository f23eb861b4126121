//! Project 1 on the host: is the first of two MNIST digits less than or equal to the
//! second?
//!
//! - [`registry`]: the architectures, one typed entry each;
//! - [`train`]: the training loop they share;
//! - here: the [`Recipe`], one round ([`run_round`]) and all rounds of a run ([`run`]).
//!
//! The networks, objectives and pixel standardisation are the `projects` crate's, shared
//! with the firmware; the pairs are drawn by [`crate::data::pairs`].

pub mod device;
pub mod registry;
pub mod train;

pub use registry::{Arch, Effect, EFFECTS};

use crate::data::mnist::Mnist;
use crate::data::pairs::generate_pair_sets;
use crate::machine::Machine;
use crate::parallel::map_rounds;
use crate::progress::Progress;
use crate::results::{ArchResult, ProjectResults, RoundOptions, RoundResult};
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::PAIRS;

/// Default number of epochs.
pub const DEFAULT_EPOCHS: usize = 25;

/// How an architecture is trained: Adam with a cosine decay, and what differs between
/// architectures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// Passes over the 1,000 training pairs.
    pub epochs: usize,
    /// Adam's step size at the start; decays with a cosine to 1/100 of it.
    pub lr: f32,
    /// Weight of the auxiliary digit loss (architectures that use it).
    pub aux_weight: f32,
    /// L2 penalty on every parameter.
    pub weight_decay: f32,
    /// Training images are moved by up to this many pixels (independently, each time
    /// they are used); 0 for none.
    pub max_shift: usize,
}

impl Recipe {
    /// What every architecture starts from.
    pub const DEFAULT: Recipe = Recipe {
        epochs: DEFAULT_EPOCHS,
        lr: 2e-3,
        aux_weight: 1.0,
        weight_decay: 0.0,
        max_shift: 0,
    };
}

/// One round of `arch`: new pairs and a new initialisation from `seed`.
pub fn run_round(
    arch: Arch,
    mnist: &Mnist,
    seed: u64,
    recipe: &Recipe,
    options: RoundOptions,
) -> RoundResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (train, test) = generate_pair_sets(mnist, PAIRS, &mut rng);
    arch.train((&train, &test), seed, recipe, options, &mut rng)
}

/// Every round of every architecture in `archs`, on `threads` threads. `epochs` and `lr`
/// override the recipes' when given.
///
/// All the rounds share one pool of threads, the costliest architectures' rounds first
/// (longest processing time first): no thread waits at the end of an architecture for
/// another to finish its last round while rounds are left, the short rounds fill the end,
/// and a machine with more cores than rounds per architecture keeps them all busy (with a
/// pool per architecture, 10 rounds kept at most 10 threads busy). On 2 cores the default
/// run took the same time either way, within the machine's noise (AMD EPYC Zen 3: 74.6 s
/// with a pool per architecture, 75.6 s so). Which thread runs a round changes none of its
/// numbers.
pub fn run(
    mnist: &Mnist,
    archs: &[Arch],
    (epochs, lr): (Option<usize>, Option<f32>),
    seeds: &[u64],
    (threads, machine): (usize, &Machine),
    options: RoundOptions,
    progress: &Progress,
) -> ProjectResults {
    let recipes: Vec<Recipe> = archs
        .iter()
        .map(|&arch| {
            let mut recipe = arch.recipe(epochs);
            recipe.lr = lr.unwrap_or(recipe.lr);
            if options.load.is_some() {
                // A loaded model is evaluated as it is.
                recipe.epochs = 0;
            }
            recipe
        })
        .collect();
    let cost = |a: usize| archs[a].flops_per_round(recipes[a].epochs);
    // (architecture, seed), each architecture's seeds in order (the sort is stable).
    let mut jobs: Vec<(usize, u64)> = (0..archs.len())
        .flat_map(|a| seeds.iter().map(move |&seed| (a, seed)))
        .collect();
    jobs.sort_by(|x, y| cost(y.0).total_cmp(&cost(x.0)));
    let done = map_rounds(
        &jobs,
        threads,
        |(a, seed)| (a, run_round(archs[a], mnist, seed, &recipes[a], options)),
        |(a, round)| progress.round_done(archs[*a].name(), round),
    );
    let mut rounds: Vec<Vec<RoundResult>> = archs.iter().map(|_| Vec::new()).collect();
    for (a, round) in done {
        rounds[a].push(round);
    }
    let results = archs
        .iter()
        .zip(recipes)
        .zip(rounds)
        .map(|((&arch, recipe), rounds)| ArchResult {
            grad_norm_names: arch.parameter_names(),
            ..ArchResult::new(
                arch.name(),
                arch.params(),
                recipe.epochs,
                arch.memory(),
                arch.flops_per_round(recipe.epochs),
                rounds,
            )
        })
        .collect();
    ProjectResults {
        machine: machine.clone(),
        results,
    }
}
