//! Property tests: the finite-difference gradient check holds for random inputs of random
//! scales and random parameters, over a grid of shapes (shapes are types here, so the
//! "random shape" is drawn from a list of instantiated ones). Max-pooling is left out: its
//! derivative jumps wherever two window values are within the finite-difference step, which
//! random inputs hit often; it has its own tests with separated values.
//!
//! The generator's seed is fixed, so a run is reproducible.

use minidl::gradcheck::{check_gradients, rng};
use minidl::rand::uniform;
use minidl::{
    Batch, BatchNorm1d, BatchNorm2d, Conv2d, Init, Linear, Module, Relu, Seq, Siamese, Sigmoid,
    Tanh, Tensor, Zeroable,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Checks a freshly initialised `M` on an input whose elements have magnitudes in
/// `[0.05, 1] * scale` (away from ReLU's kink) and random signs.
fn gradients_hold<M: Module>(seed: u64, scale: f32, init: Init) -> Result<(), TestCaseError> {
    let mut r = rng(seed);
    let mut module = M::zeroed();
    module.init(init, &mut r);
    let mut input = M::Input::zeroed();
    for x in input.flat_mut() {
        let magnitude = scale * uniform(&mut r, 0.05, 1.0);
        *x = if r.next_u32() & 1 == 0 {
            magnitude
        } else {
            -magnitude
        };
    }
    let report = check_gradients(&mut module, &input, &mut r);
    prop_assert!(report.passed(), "{report:?}");
    Ok(())
}

type SmallNet =
    Seq![Linear<3, 5, 4>, Tanh<Batch<4, 5>>, Linear<5, 4, 4>, Relu<Batch<4, 4>>, Linear<4, 2, 4>];
type Tower = Seq![Linear<3, 4, 4>, Sigmoid<Batch<4, 4>>, Linear<4, 2, 4>];

fn check_shape(shape: usize, seed: u64, scale: f32) -> Result<(), TestCaseError> {
    let init = [Init::PyTorchDefault, Init::XavierUniform, Init::HeNormal][seed as usize % 3];
    match shape {
        0 => gradients_hold::<Linear<1, 1, 1>>(seed, scale, init),
        1 => gradients_hold::<Linear<7, 3, 2>>(seed, scale, init),
        2 => gradients_hold::<Linear<17, 19, 5>>(seed, scale, init),
        3 => gradients_hold::<Conv2d<1, 4, 4, 1, 2, 3, 0, 2, 2>>(seed, scale, init),
        4 => gradients_hold::<Conv2d<2, 5, 6, 2, 3, 3, 1, 5, 6>>(seed, scale, init),
        5 => gradients_hold::<Conv2d<1, 3, 6, 16, 16, 3, 1, 3, 6>>(seed, scale, init),
        6 => gradients_hold::<Conv2d<1, 5, 5, 3, 2, 2, 0, 4, 4>>(seed, scale, init),
        7 => gradients_hold::<BatchNorm1d<6, 3>>(seed, scale, init),
        8 => gradients_hold::<BatchNorm2d<2, 3, 2, 4>>(seed, scale, init),
        9 => gradients_hold::<Tanh<[[f32; 5]; 3]>>(seed, scale, init),
        10 => gradients_hold::<Sigmoid<[[f32; 5]; 3]>>(seed, scale, init),
        11 => gradients_hold::<Relu<[[f32; 5]; 3]>>(seed, scale, init),
        12 => gradients_hold::<SmallNet>(seed, scale, init),
        _ => gradients_hold::<Siamese<Tower, [f32; 3], [f32; 2], 2, 4>>(seed, scale, init),
    }
}

proptest! {
    #![proptest_config(Config { cases: 96, rng_seed: RngSeed::Fixed(559), failure_persistence: None, ..Config::default() })]

    #[test]
    fn finite_differences_agree(shape in 0usize..14, seed in any::<u64>(), scale in 0.2f32..2.0) {
        check_shape(shape, seed, scale)?;
    }
}
