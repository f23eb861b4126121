//! The architectures of Project 1, one typed entry each: name, network, objective,
//! optimiser and recipe. Everything else (the command line's names, parameter counts,
//! memory, the training dispatch, the report's comparisons) is derived from these entries,
//! so adding an architecture is one `impl Architecture` here, its place in [`Arch::ALL`] (and
//! [`Arch::DEFAULT`] if the default run trains it),
//! and its line in the README.

use super::train::{train, FromRecipe};
use super::Recipe;
use crate::memory::ModelMemory;
use crate::models;
use crate::results::{LoadedModel, RoundOptions, RoundResult};
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{boxed_zeroed, Adam, AdamConfig, Module, Optimizer, Tensor, Zeroable};
use projects::p1::nets::{
    BestNet, BnDigitNet, BnSkipDigitNet, ConvNet, DeepDigitNet, MlpNet, SiameseNet, SiameseOf,
    SizedDigitNet, SkipDigitNet, TinyNet, TwinNet,
};
use projects::p1::objective::{CompareDigits, Objective, TargetOnly, WithAuxLoss};
use projects::p1::tiny;
use projects::p1::{PairBatch, PairImage, PixelStandardise, BATCH, BATCH_IMAGES, PAIRS};

use crate::data::pairs::PairSet;

/// One Project 1 architecture, as types.
pub trait Architecture: 'static {
    /// The name used on the command line, in tables and in JSON.
    const NAME: &'static str;
    /// The network, [`BATCH`] pairs a batch.
    type Net: Module<Input: PairBatch>;
    /// How it is trained and read.
    type Objective: Objective<Self::Net, BATCH> + FromRecipe;
    /// Adam sized for the network (`Adam<{ <Net as Module>::PARAMS }>`).
    type Optimizer: AdamOptimizer;
    /// Learning rate, auxiliary weight, augmentation; chosen on validation pairs from the
    /// MNIST training split (`host sweep`, `docs/tuning/`), never on the test split.
    const RECIPE: Recipe;
}

/// An Adam optimiser of some size (the registry's entries name the size).
pub trait AdamOptimizer: Optimizer + Zeroable {
    /// Sets the hyper-parameters and clears the moments.
    fn reset(&mut self, config: AdamConfig);
}

impl<const P: usize> AdamOptimizer for Adam<P> {
    fn reset(&mut self, config: AdamConfig) {
        Adam::reset(self, config);
    }
}

/// `mlp`: fully connected on the 392 pixels.
pub struct Mlp;
impl Architecture for Mlp {
    const NAME: &'static str = "mlp";
    type Net = MlpNet<BATCH>;
    type Objective = TargetOnly<BATCH>;
    type Optimizer = Adam<{ <MlpNet<BATCH> as Module>::PARAMS }>;
    const RECIPE: Recipe = Recipe {
        lr: 1e-3,
        ..Recipe::DEFAULT
    };
}

/// `convnet`: the handout's convnet on the 2-channel image (70,906 parameters).
pub struct Convnet;
impl Architecture for Convnet {
    const NAME: &'static str = "convnet";
    type Net = ConvNet<BATCH>;
    type Objective = TargetOnly<BATCH>;
    type Optimizer = Adam<{ <ConvNet<BATCH> as Module>::PARAMS }>;
    const RECIPE: Recipe = Recipe {
        lr: 1e-3,
        ..Recipe::DEFAULT
    };
}

/// `twin`: one digit network on each image, *not* shared, a head on the two outputs; trained
/// with `siamese`'s recipe, so that the two differ in weight sharing alone.
pub struct Twin;
impl Architecture for Twin {
    const NAME: &'static str = "twin";
    type Net = TwinNet<BATCH>;
    type Objective = TargetOnly<BATCH>;
    type Optimizer = Adam<{ <TwinNet<BATCH> as Module>::PARAMS }>;
    const RECIPE: Recipe = Siamese::RECIPE;
}

/// `siamese`: one digit network on each image (shared weights), a head on the two outputs.
pub struct Siamese;
impl Architecture for Siamese {
    const NAME: &'static str = "siamese";
    type Net = SiameseNet<BATCH, BATCH_IMAGES>;
    type Objective = TargetOnly<BATCH>;
    type Optimizer = Adam<{ <SiameseNet<BATCH, BATCH_IMAGES> as Module>::PARAMS }>;
    /// 4e-3, the lowest validation error of its grid (`docs/tuning/siamese-lr/sweep.md`): at 8e-3
    /// 4 rounds in 100 ended above 2% training error (one never learned), and at 1.6e-2
    /// most rounds collapse.
    const RECIPE: Recipe = Recipe {
        lr: 4e-3,
        ..Recipe::DEFAULT
    };
}

/// `aux`: two separate digit networks, the same head, auxiliary digit loss.
pub struct Aux;
impl Architecture for Aux {
    const NAME: &'static str = "aux";
    type Net = TwinNet<BATCH>;
    type Objective = WithAuxLoss<BATCH, BATCH_IMAGES>;
    type Optimizer = Adam<{ <TwinNet<BATCH> as Module>::PARAMS }>;
    const RECIPE: Recipe = Recipe {
        lr: 8e-3,
        aux_weight: 3.0,
        ..Recipe::DEFAULT
    };
}

/// `siamese-aux`: shared digit network and auxiliary digit loss.
pub struct SiameseAux;
impl Architecture for SiameseAux {
    const NAME: &'static str = "siamese-aux";
    type Net = SiameseNet<BATCH, BATCH_IMAGES>;
    type Objective = WithAuxLoss<BATCH, BATCH_IMAGES>;
    type Optimizer = Adam<{ <SiameseNet<BATCH, BATCH_IMAGES> as Module>::PARAMS }>;
    const RECIPE: Recipe = Recipe {
        lr: 8e-3,
        aux_weight: 3.0,
        ..Recipe::DEFAULT
    };
}

/// `best`: a batch-normalised digit network trained on the digit labels with shifted copies
/// of the training images, deciding by comparing the predicted digit distributions.
pub struct Best;
impl Architecture for Best {
    const NAME: &'static str = "best";
    type Net = BestNet<BATCH, BATCH_IMAGES>;
    type Objective = CompareDigits<BATCH, BATCH_IMAGES>;
    type Optimizer = Adam<{ <BestNet<BATCH, BATCH_IMAGES> as Module>::PARAMS }>;
    /// 8e-3, the lowest mean validation error of its grid (`docs/tuning/best-lr/sweep.md`), though
    /// 2e-3 to 1.6e-2 are all within one standard deviation of it.
    const RECIPE: Recipe = Recipe {
        lr: 8e-3,
        max_shift: 1,
        ..Recipe::DEFAULT
    };
}

/// `tiny`: `siamese-aux` with a digit network of 3,658 parameters instead of 72,226, the
/// network the `digits` firmware trains on a microcontroller.
pub struct Tiny;
impl Architecture for Tiny {
    const NAME: &'static str = "tiny";
    type Net = TinyNet<BATCH, BATCH_IMAGES>;
    type Objective = WithAuxLoss<BATCH, BATCH_IMAGES>;
    type Optimizer = Adam<{ <TinyNet<BATCH, BATCH_IMAGES> as Module>::PARAMS }>;
    /// `projects::p1::tiny`'s, which the firmware uses too: learning rate and auxiliary
    /// weight from `docs/tuning/tiny-*/sweep.md`, at 50 epochs (at 25 the small network's
    /// validation error was about 1.5 points higher).
    const RECIPE: Recipe = Recipe {
        epochs: tiny::SCHEDULE.epochs,
        lr: tiny::SCHEDULE.lr,
        aux_weight: tiny::AUX_WEIGHT,
        max_shift: tiny::SCHEDULE.max_shift,
        ..Recipe::DEFAULT
    };
}

/// The batch-norm and skip-connection variants of `siamese-aux` (its objective, head and
/// recipe, not tuned again; see [`Arch::VARIANTS`]): `$name` with the digit network `$digit`.
macro_rules! siamese_aux_variant {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $digit:ty) => {
        $(#[$doc])*
        pub struct $ty;
        impl Architecture for $ty {
            const NAME: &'static str = $name;
            type Net = SiameseOf<$digit, BATCH, BATCH_IMAGES>;
            type Objective = WithAuxLoss<BATCH, BATCH_IMAGES>;
            type Optimizer =
                Adam<{ <SiameseOf<$digit, BATCH, BATCH_IMAGES> as Module>::PARAMS }>;
            const RECIPE: Recipe = SiameseAux::RECIPE;
        }
    };
}

siamese_aux_variant!(
    /// `bn`: `siamese-aux` with batch norm after both convolutions and the hidden layer.
    Bn,
    "bn",
    BnDigitNet<BATCH_IMAGES>
);
siamese_aux_variant!(
    /// `deep`: `siamese-aux` with a third convolution (32 -> 32, padded, at 6x6).
    Deep,
    "deep",
    DeepDigitNet<BATCH_IMAGES>
);
siamese_aux_variant!(
    /// `skip`: `deep` with a skip connection around its third convolution.
    Skip,
    "skip",
    SkipDigitNet<BATCH_IMAGES>
);
siamese_aux_variant!(
    /// `bn-skip`: `skip` with batch norm after every convolution and the hidden layer.
    BnSkip,
    "bn-skip",
    BnSkipDigitNet<BATCH_IMAGES>
);

// The width variants of `siamese-aux` that `host sweep` trains for its width parameters
// (each side of the default 32 / 64 / 200): named `siamese-aux-PARAM-VALUE`.
siamese_aux_variant!(Conv1x16, "siamese-aux-conv1-channels-16", SizedDigitNet<BATCH_IMAGES, 16, 64, 256, 200>);
siamese_aux_variant!(Conv1x64, "siamese-aux-conv1-channels-64", SizedDigitNet<BATCH_IMAGES, 64, 64, 256, 200>);
siamese_aux_variant!(Conv2x32, "siamese-aux-conv2-channels-32", SizedDigitNet<BATCH_IMAGES, 32, 32, 128, 200>);
siamese_aux_variant!(Conv2x128, "siamese-aux-conv2-channels-128", SizedDigitNet<BATCH_IMAGES, 32, 128, 512, 200>);
siamese_aux_variant!(Hidden100, "siamese-aux-hidden-units-100", SizedDigitNet<BATCH_IMAGES, 32, 64, 256, 100>);
siamese_aux_variant!(Hidden400, "siamese-aux-hidden-units-400", SizedDigitNet<BATCH_IMAGES, 32, 64, 256, 400>);

/// What the rest of the host knows of an architecture: its entry, with the generic code
/// instantiated for its types.
#[derive(Debug)]
pub struct Entry {
    name: &'static str,
    params: usize,
    recipe: Recipe,
    uses_aux_weight: bool,
    memory: ModelMemory,
    /// Multiply-adds of one training step on a batch.
    macs_per_batch: usize,
    train: TrainFn,
    check_model: fn(LoadedModel) -> Result<(), String>,
    parameter_names: fn() -> Vec<String>,
    logits: LogitsFn,
}

/// The network's outputs for some pairs; see [`Arch::logits`].
type LogitsFn = fn(LoadedModel, &[PairImage], PixelStandardise) -> Result<Vec<Vec<f32>>, String>;

/// `model`'s outputs (inference mode) for every pair of `pairs`, standardised with `norm`.
fn logits<N: Module<Input: PairBatch>>(
    model: LoadedModel,
    pairs: &[PairImage],
    norm: PixelStandardise,
) -> Result<Vec<Vec<f32>>, String> {
    let mut net: Box<N> = boxed_zeroed();
    models::decode(&mut *net, model.format, model.bytes)?;
    net.set_mode(minidl::Mode::Eval);
    let mut input: Box<N::Input> = boxed_zeroed();
    let mut all = Vec::with_capacity(pairs.len());
    for chunk in pairs.chunks(BATCH) {
        for k in 0..BATCH {
            input.set(k, &chunk[k % chunk.len()], norm);
        }
        let output = net.forward(&input).flat();
        let per_pair = output.len() / BATCH;
        all.extend(
            output
                .chunks(per_pair)
                .take(chunk.len())
                .map(<[f32]>::to_vec),
        );
    }
    Ok(all)
}

/// Whether `model` loads into a network `N`.
fn check_model<N: Module>(model: LoadedModel) -> Result<(), String> {
    let mut net: Box<N> = boxed_zeroed();
    models::decode(&mut *net, model.format, model.bytes)
}

/// The PyTorch names of `N`'s parameter tensors, in `visit_params` order.
fn parameter_names<N: Module>() -> Vec<String> {
    models::parameter_names(&*boxed_zeroed::<N>())
}

/// Trains a new network on `data.0` and measures it on `data.1`; see [`Arch::train`].
type TrainFn =
    fn((&PairSet, &PairSet), u64, &Recipe, RoundOptions, &mut Xoshiro256PlusPlus) -> RoundResult;

impl Entry {
    const fn of<A: Architecture>() -> Self {
        Self {
            name: A::NAME,
            params: <A::Net as Module>::PARAMS,
            recipe: A::RECIPE,
            uses_aux_weight: <A::Objective as FromRecipe>::USES_AUX_WEIGHT,
            memory: ModelMemory::of::<A::Net, A::Optimizer>(),
            macs_per_batch: minidl::training_macs::<A::Net>(),
            train: train::<A::Net, A::Objective, A::Optimizer>,
            check_model: check_model::<A::Net>,
            parameter_names: parameter_names::<A::Net>,
            logits: logits::<A::Net>,
        }
    }
}

/// A Project 1 architecture, by its registry entry.
#[derive(Clone, Copy, Debug)]
pub struct Arch(&'static Entry);

impl PartialEq for Arch {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}
impl Eq for Arch {}

impl Arch {
    /// `mlp`.
    pub const MLP: Arch = Arch(&Entry::of::<Mlp>());
    /// `convnet`.
    pub const CONVNET: Arch = Arch(&Entry::of::<Convnet>());
    /// `twin`.
    pub const TWIN: Arch = Arch(&Entry::of::<Twin>());
    /// `siamese`.
    pub const SIAMESE: Arch = Arch(&Entry::of::<Siamese>());
    /// `aux`.
    pub const AUX: Arch = Arch(&Entry::of::<Aux>());
    /// `siamese-aux`.
    pub const SIAMESE_AUX: Arch = Arch(&Entry::of::<SiameseAux>());
    /// `best`.
    pub const BEST: Arch = Arch(&Entry::of::<Best>());
    /// `tiny`.
    pub const TINY: Arch = Arch(&Entry::of::<Tiny>());

    /// `bn`.
    pub const BN: Arch = Arch(&Entry::of::<Bn>());
    /// `deep`.
    pub const DEEP: Arch = Arch(&Entry::of::<Deep>());
    /// `skip`.
    pub const SKIP: Arch = Arch(&Entry::of::<Skip>());
    /// `bn-skip`.
    pub const BN_SKIP: Arch = Arch(&Entry::of::<BnSkip>());

    /// The architectures of the default run, in the order they are run and reported.
    pub const DEFAULT: [Arch; 8] = [
        Arch::MLP,
        Arch::CONVNET,
        Arch::TWIN,
        Arch::SIAMESE,
        Arch::AUX,
        Arch::SIAMESE_AUX,
        Arch::TINY,
        Arch::BEST,
    ];

    /// The batch-norm and skip-connection variants of `siamese-aux`, run when named with
    /// `--arch` (not by default: with them a default run would take about twice as long).
    pub const VARIANTS: [Arch; 4] = [Arch::BN, Arch::DEEP, Arch::SKIP, Arch::BN_SKIP];

    /// `siamese-aux` with other widths, for `host sweep`'s width parameters only (see
    /// [`Arch::with_width`]).
    pub const WIDTHS: [Arch; 6] = [
        Arch(&Entry::of::<Conv1x16>()),
        Arch(&Entry::of::<Conv1x64>()),
        Arch(&Entry::of::<Conv2x32>()),
        Arch(&Entry::of::<Conv2x128>()),
        Arch(&Entry::of::<Hidden100>()),
        Arch(&Entry::of::<Hidden400>()),
    ];

    /// The width parameters of `host sweep` and `siamese-aux`'s own value of each.
    pub const WIDTH_PARAMS: [(&'static str, usize); 3] = [
        ("conv1-channels", 32),
        ("conv2-channels", 64),
        ("hidden-units", 200),
    ];

    /// `siamese-aux` with width parameter `param` (of [`WIDTH_PARAMS`](Self::WIDTH_PARAMS))
    /// set to `value`, if that variant is compiled; `Err` lists the values that are.
    pub fn with_width(param: &str, value: usize) -> Result<Arch, Vec<usize>> {
        let (_, default) = Arch::WIDTH_PARAMS
            .into_iter()
            .find(|(p, _)| *p == param)
            .ok_or_else(Vec::new)?;
        let prefix = format!("siamese-aux-{param}-");
        let compiled = Arch::WIDTHS.into_iter().filter_map(|a| {
            let width = a.name().strip_prefix(&prefix)?.parse::<usize>().ok()?;
            Some((width, a))
        });
        let mut all: Vec<(usize, Arch)> = compiled.collect();
        all.push((default, Arch::SIAMESE_AUX));
        all.sort_by_key(|(w, _)| *w);
        all.iter()
            .find(|(w, _)| *w == value)
            .map(|(_, a)| *a)
            .ok_or_else(|| all.iter().map(|(w, _)| *w).collect())
    }

    /// Every architecture `--arch` accepts: [`DEFAULT`](Self::DEFAULT), then
    /// [`VARIANTS`](Self::VARIANTS).
    pub const ALL: [Arch; 12] = {
        let mut all = [Arch::MLP; 12];
        let mut i = 0;
        while i < all.len() {
            all[i] = if i < Arch::DEFAULT.len() {
                Arch::DEFAULT[i]
            } else {
                Arch::VARIANTS[i - Arch::DEFAULT.len()]
            };
            i += 1;
        }
        all
    };

    /// The name used on the command line, in tables and in JSON.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether its objective has an auxiliary loss (and the recipe's weight means
    /// something).
    pub fn uses_aux_weight(self) -> bool {
        self.0.uses_aux_weight
    }

    /// Trainable parameters.
    pub fn params(self) -> usize {
        self.0.params
    }

    /// The training recipe, with `epochs` epochs when given.
    pub fn recipe(self, epochs: Option<usize>) -> Recipe {
        Recipe {
            epochs: epochs.unwrap_or(self.0.recipe.epochs),
            ..self.0.recipe
        }
    }

    /// Floating-point operations of the training of one round of `epochs` epochs (two per
    /// multiply-add, counted from the layer shapes: forward, weight gradients, input
    /// gradients of all but the first layer).
    pub fn flops_per_round(self, epochs: usize) -> f64 {
        2.0 * self.0.macs_per_batch as f64 * (PAIRS / BATCH) as f64 * epochs as f64
    }

    /// What the core needs to train this architecture at its batch size.
    pub fn memory(self) -> ModelMemory {
        self.0.memory
    }

    /// Whether `model` loads into this architecture's network; the error names the tensor
    /// that does not fit.
    pub fn check_model(self, model: LoadedModel) -> Result<(), String> {
        (self.0.check_model)(model)
    }

    /// The PyTorch names of the parameter tensors (`0.net.0.weight`, ...), in the order of
    /// `visit_params` and of the gradient norms.
    pub fn parameter_names(self) -> Vec<String> {
        (self.0.parameter_names)()
    }

    /// The outputs of `model` (this architecture's) for `pairs` standardised with `norm`,
    /// in inference mode: what `python/models.py`'s twin must reproduce.
    pub fn logits(
        self,
        model: LoadedModel,
        pairs: &[PairImage],
        norm: PixelStandardise,
    ) -> Result<Vec<Vec<f32>>, String> {
        (self.0.logits)(model, pairs, norm)
    }

    /// Trains a new network of this architecture on `data.0` with `recipe` and reports its
    /// error on `data.1` as the test error. `rng` is the round's generator, positioned
    /// after the data were drawn.
    pub fn train(
        self,
        data: (&PairSet, &PairSet),
        seed: u64,
        recipe: &Recipe,
        options: RoundOptions,
        rng: &mut Xoshiro256PlusPlus,
    ) -> RoundResult {
        (self.0.train)(data, seed, recipe, options, rng)
    }
}

/// A comparison the report makes: the change of test error from one architecture to
/// another, and what differs between them.
#[derive(Clone, Copy, Debug)]
pub struct Effect {
    /// The baseline.
    pub from: Arch,
    /// The changed model.
    pub to: Arch,
    /// What the change of network or objective is.
    pub what: &'static str,
}

impl Effect {
    /// How the two recipes differ, from the registry's entries: the learning rate, the
    /// auxiliary weight (where both use it), weight decay and augmentation. Empty when the
    /// comparison changes the model alone.
    pub fn recipe_changes(&self) -> Vec<String> {
        let (a, b) = (self.from.0, self.to.0);
        let (ra, rb) = (a.recipe, b.recipe);
        let mut changes = Vec::new();
        if ra.lr != rb.lr {
            changes.push(format!("learning rate {} → {}", ra.lr, rb.lr));
        }
        match (a.uses_aux_weight, b.uses_aux_weight) {
            (true, true) if ra.aux_weight != rb.aux_weight => changes.push(format!(
                "auxiliary weight {} → {}",
                ra.aux_weight, rb.aux_weight
            )),
            (false, true) => changes.push(format!("auxiliary weight {}", rb.aux_weight)),
            _ => {}
        }
        if ra.weight_decay != rb.weight_decay {
            changes.push(format!(
                "weight decay {} → {}",
                ra.weight_decay, rb.weight_decay
            ));
        }
        match (ra.max_shift, rb.max_shift) {
            (a, b) if a == b => {}
            (0, 1) => changes.push("training images shifted by up to 1 pixel".to_string()),
            (0, b) => changes.push(format!("training images shifted by up to {b} pixels")),
            (a, b) => changes.push(format!("shifts of up to {a} → {b} pixels")),
        }
        if ra.epochs != rb.epochs {
            changes.push(format!("{} → {} epochs", ra.epochs, rb.epochs));
        }
        changes
    }
}

/// The comparisons of the report, in order. Each changes one thing of the network or the
/// objective; [`Effect::recipe_changes`] says what else differs.
pub const EFFECTS: [Effect; 10] = [
    Effect {
        from: Arch::CONVNET,
        to: Arch::TWIN,
        what: "A digit network per image with a 10-unit bottleneck and a head, instead of one convnet on both images",
    },
    Effect {
        from: Arch::TWIN,
        to: Arch::SIAMESE,
        what: "Weight sharing",
    },
    Effect {
        from: Arch::SIAMESE,
        to: Arch::SIAMESE_AUX,
        what: "The auxiliary digit loss",
    },
    Effect {
        from: Arch::TWIN,
        to: Arch::AUX,
        what: "The auxiliary loss, without sharing",
    },
    Effect {
        from: Arch::AUX,
        to: Arch::SIAMESE_AUX,
        what: "Weight sharing, with the auxiliary loss",
    },
    Effect {
        from: Arch::SIAMESE_AUX,
        to: Arch::BEST,
        what: "Batch norm, augmentation and comparing digit distributions",
    },
    Effect {
        from: Arch::SIAMESE_AUX,
        to: Arch::BN,
        what: "Batch norm after both convolutions and the hidden layer",
    },
    Effect {
        from: Arch::SIAMESE_AUX,
        to: Arch::DEEP,
        what: "A third convolution (32 -> 32, padded)",
    },
    Effect {
        from: Arch::DEEP,
        to: Arch::SKIP,
        what: "A skip connection around the third convolution",
    },
    Effect {
        from: Arch::SKIP,
        to: Arch::BN_SKIP,
        what: "Batch norm, with the skip connection",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sharing_comparisons_change_nothing_but_sharing() {
        for (from, to) in [(Arch::TWIN, Arch::SIAMESE), (Arch::AUX, Arch::SIAMESE_AUX)] {
            let effect = EFFECTS.iter().find(|e| e.from == from && e.to == to);
            let effect = effect.expect("the report compares this pair");
            assert!(effect.what.starts_with("Weight sharing"));
            assert_eq!(effect.recipe_changes(), Vec::<String>::new());
            // The same layers, once or twice.
            assert_eq!(from.params(), to.params() + DIGIT_NET_PARAMS);
        }
    }

    #[test]
    fn the_batch_norm_and_skip_comparisons_change_nothing_but_the_network() {
        for arch in Arch::VARIANTS {
            assert!(!Arch::DEFAULT.contains(&arch) && Arch::from_name(arch.name()) == Some(arch));
            assert_eq!(arch.recipe(None), Arch::SIAMESE_AUX.recipe(None));
        }
        let batch_norm = 2 * (32 + 64 + 200);
        let extra_conv = 9 * 32 * 32 + 32;
        for (from, to, added) in [
            (Arch::SIAMESE_AUX, Arch::BN, batch_norm),
            (Arch::SIAMESE_AUX, Arch::DEEP, extra_conv),
            (Arch::DEEP, Arch::SKIP, 0),
            (Arch::SKIP, Arch::BN_SKIP, batch_norm + 2 * 32),
        ] {
            let effect = EFFECTS.iter().find(|e| e.from == from && e.to == to);
            let effect = effect.expect("the report compares this pair");
            assert_eq!(effect.recipe_changes(), Vec::<String>::new());
            assert_eq!(to.params(), from.params() + added, "{}", to.name());
        }
    }

    const DIGIT_NET_PARAMS: usize = <projects::p1::nets::DigitNet<1> as Module>::PARAMS;

    #[test]
    fn recipe_changes_are_named() {
        let effect = EFFECTS
            .iter()
            .find(|e| e.to == Arch::SIAMESE_AUX && e.from == Arch::SIAMESE);
        let changes = effect.unwrap().recipe_changes();
        assert_eq!(
            changes,
            ["learning rate 0.004 → 0.008", "auxiliary weight 3"],
            "the registry's recipes changed: update the README's comparisons too"
        );
    }
}
