//! Project 1: the port of `generate_pair_sets`, the MNIST loader, the architectures and the
//! command line.

mod common;
use common::{run, TempDir};

use host::data::mnist::{self, Split, PIXELS};
use host::data::pairs::{generate_pair_sets, pairs_from, pairs_with_holdout, pool, SIDE};
use host::p1::{self, Arch};
use host::results::RoundOptions;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::BATCH;
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn repo_data() -> mnist::Mnist {
    mnist::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data"))
        .expect("the shipped MNIST files load")
}

/// A split of `n` synthetic images in which image `i` is identifiable after pooling: its
/// top-left 2x2 block holds `i % 256` and the next block `i / 256`.
fn numbered_split(n: usize) -> Split {
    let mut images = vec![0u8; n * PIXELS];
    for i in 0..n {
        let image = &mut images[i * PIXELS..(i + 1) * PIXELS];
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            image[dy * mnist::SIDE + dx] = (i % 256) as u8;
            image[dy * mnist::SIDE + 2 + dx] = (i / 256) as u8;
        }
    }
    Split {
        images,
        labels: (0..n).map(|i| (i * 7 % 10) as u8).collect(),
    }
}

fn identity(pooled: &[[f32; SIDE]; SIDE]) -> usize {
    pooled[0][0] as usize + 256 * pooled[0][1] as usize
}

#[test]
fn pooling_averages_2x2_blocks_of_raw_values() {
    let mut image = [0u8; PIXELS];
    image[0] = 255;
    image[1] = 1;
    image[mnist::SIDE] = 2;
    image[mnist::SIDE + 1] = 2;
    image[27 * mnist::SIDE + 27] = 100;
    let pooled = pool(&image);
    assert_eq!(pooled[0][0], 65.0);
    assert_eq!(pooled[13][13], 25.0);
    assert_eq!(pooled.iter().flatten().filter(|&&v| v != 0.0).count(), 2);
}

#[test]
fn pairs_use_distinct_images_and_consistent_targets() {
    let split = numbered_split(3000);
    let set = pairs_from(&split, 1000, &mut rng(1));
    assert_eq!(
        (set.input.len(), set.target.len(), set.classes.len()),
        (1000, 1000, 1000)
    );
    let mut seen = HashSet::new();
    for ((pair, &target), classes) in set.input.iter().zip(&set.target).zip(&set.classes) {
        for (c, image) in pair.iter().enumerate() {
            let id = identity(image);
            assert!(seen.insert(id), "image {id} used twice");
            assert_eq!(classes[c], id * 7 % 10, "class follows the image");
        }
        assert_eq!(target, usize::from(classes[0] <= classes[1]));
    }
    // A permutation of the whole split: images come from all of it, not only the start.
    assert!(seen.iter().any(|&id| id >= 2000));
}

#[test]
fn same_seed_same_pairs_and_holdout_is_disjoint() {
    let split = numbered_split(5000);
    let a = pairs_from(&split, 500, &mut rng(9));
    let (b, holdout) = pairs_with_holdout(&split, 500, 700, &mut rng(9));
    assert_eq!(
        a.input, b.input,
        "the holdout does not change the training pairs"
    );
    let ids = |s: &host::data::pairs::PairSet| {
        s.input
            .iter()
            .flatten()
            .map(identity)
            .collect::<HashSet<_>>()
    };
    assert_eq!(holdout.len(), 700);
    assert!(ids(&b).is_disjoint(&ids(&holdout)));
    assert_ne!(pairs_from(&split, 500, &mut rng(10)).input, a.input);
}

#[test]
fn real_pairs_have_the_course_statistics() {
    let data = repo_data();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(&data.train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let (train, test) = generate_pair_sets(&data, 1000, &mut rng(0));
    for set in [&train, &test] {
        assert_eq!(set.len(), 1000);
        let ones = set.target.iter().sum::<usize>() as f64 / 1000.0;
        // P(a <= b) for two digits is about 0.55; binomial std 0.016.
        assert!((0.49..0.61).contains(&ones), "{ones}");
        let max = set
            .input
            .iter()
            .flat_map(|p| p.iter().flatten().flatten())
            .fold(0.0f32, |m, &v| m.max(v));
        assert!(
            max > 200.0 && max <= 255.0,
            "raw 0..255 values, not normalised: {max}"
        );
    }
    // Test pairs come from the test split: none of its pooled images is a training image.
    let train_images: HashSet<Vec<u32>> = train
        .input
        .iter()
        .flatten()
        .map(|im| im.iter().flatten().map(|v| v.to_bits()).collect())
        .collect();
    let shared = test.input.iter().flatten().filter(|im| {
        let key: Vec<u32> = im.iter().flatten().map(|v| v.to_bits()).collect();
        train_images.contains(&key)
    });
    assert!(shared.count() < 5, "test images are not training images");
}

#[test]
fn parameter_counts() {
    assert_eq!(Arch::CONVNET.params(), 70_906, "the handout's convnet");
    assert_eq!(Arch::SIAMESE.params(), Arch::SIAMESE_AUX.params());
    let digit = <projects::p1::nets::DigitNet<4> as minidl::Module>::PARAMS;
    assert_eq!(digit, 320 + 18_496 + 51_400 + 2_010);
    assert_eq!(
        Arch::AUX.params() - Arch::SIAMESE.params(),
        digit,
        "aux has a second digit net"
    );
    assert!(
        (Arch::MLP.params() as f64 / 70_906.0 - 1.0).abs() < 0.05,
        "mlp is convnet-sized"
    );
}

#[test]
fn siamese_aux_learns_in_a_few_epochs() {
    let data = repo_data();
    let mut recipe = Arch::SIAMESE_AUX.recipe(Some(4));
    recipe.epochs = 4;
    let round = p1::run_round(
        Arch::SIAMESE_AUX,
        &data,
        3,
        &recipe,
        RoundOptions::default(),
    );
    assert!(round.test_error < 0.15, "test error {}", round.test_error);
    assert!(
        round.epoch_losses[3] < round.epoch_losses[0] * 0.6,
        "{:?}",
        round.epoch_losses
    );
}

#[test]
fn siamese_fits_the_round_that_never_learned_at_its_former_learning_rate() {
    // Seed 10015 is the round of the 100-round study (docs/tuning/fit-study.md) that ended
    // at 43.5% training error with siamese's former learning rate, 8e-3; the recipe's 4e-3
    // fits it. Both are checked, so the test also shows that the round is a hard one.
    let data = repo_data();
    let round = |lr: f32| {
        let recipe = host::p1::Recipe {
            lr,
            ..Arch::SIAMESE.recipe(None)
        };
        p1::run_round(
            Arch::SIAMESE,
            &data,
            10015,
            &recipe,
            RoundOptions::default(),
        )
    };
    let former = round(8e-3);
    assert!(former.unfit(), "train error {}", former.train_error);
    let now = round(Arch::SIAMESE.recipe(None).lr);
    assert!(!now.unfit(), "train error {}", now.train_error);
}

#[test]
fn command_line_writes_p1_json() {
    let dir = TempDir::new("json");
    let path = dir.join("p1.json");
    let args = [
        "p1",
        "--arch",
        "mlp,convnet",
        "--rounds",
        "2",
        "--epochs",
        "2",
        "--json",
        path.to_str().unwrap(),
    ];
    assert_eq!(run(&args), ExitCode::SUCCESS);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(json.get("p2").is_none());
    let results = json["p1"]["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["arch"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["mlp", "convnet"]);
    assert_eq!(results[1]["params"], 70_906);
    assert_eq!(results[1]["epochs"], 2);
    assert_eq!(results[1]["rounds"].as_array().unwrap().len(), 2);
    let test_error = results[1]["test_error_mean"].as_f64().unwrap();
    assert!(
        test_error < 0.4,
        "two epochs already beat chance: {test_error}"
    );
}

fn gzip(path: &Path, bytes: &[u8]) {
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap();
}

fn idx(magic: u8, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, magic];
    dims.iter()
        .for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
    v.extend_from_slice(data);
    v
}

/// A data directory of tiny but valid MNIST files, with `tweak` applied to one file.
fn data_dir(name: &str, tweak: impl FnOnce(&Path)) -> TempDir {
    let dir = TempDir::new(name);
    for (images, labels) in [
        (mnist::TRAIN_IMAGES, mnist::TRAIN_LABELS),
        (mnist::TEST_IMAGES, mnist::TEST_LABELS),
    ] {
        gzip(&dir.join(images), &idx(3, &[4, 28, 28], &[7; 4 * PIXELS]));
        gzip(&dir.join(labels), &idx(1, &[4], &[1, 2, 3, 4]));
    }
    tweak(&dir);
    dir
}

#[test]
fn bad_data_is_a_one_line_error_naming_the_file() {
    let check = |dir: &Path, file: &str, words: &str| {
        let message = mnist::load(dir).unwrap_err().to_string();
        assert!(
            message.contains(file) && message.contains(words),
            "{message}"
        );
        assert!(!message.contains('\n'));
    };
    let small = data_dir("good", |_| {});
    assert!(mnist::load(&small).is_ok());
    // Valid files, but too few images for 1,000 pairs: an error, not a panic.
    assert_eq!(
        run(&["p1", "--rounds", "1", "--data", small.to_str().unwrap()]),
        ExitCode::from(2)
    );
    let dir = data_dir("missing", |d| {
        std::fs::remove_file(d.join(mnist::TEST_LABELS)).unwrap()
    });
    check(&dir, mnist::TEST_LABELS, "not found");
    let dir = data_dir("notgz", |d| {
        std::fs::write(d.join(mnist::TRAIN_IMAGES), b"hello").unwrap()
    });
    check(&dir, mnist::TRAIN_IMAGES, "gzip");
    let dir = data_dir("magic", |d| {
        gzip(&d.join(mnist::TRAIN_LABELS), &[1, 2, 3, 4, 5, 6, 7, 8])
    });
    check(&dir, mnist::TRAIN_LABELS, "not an IDX file");
    let dir = data_dir("short", |d| {
        gzip(
            &d.join(mnist::TEST_IMAGES),
            &idx(3, &[4, 28, 28], &[0; 100]),
        )
    });
    check(&dir, mnist::TEST_IMAGES, "length mismatch");
    let dir = data_dir("dims", |d| {
        gzip(
            &d.join(mnist::TEST_IMAGES),
            &idx(3, &[4, 27, 28], &[0; 4 * 27 * 28]),
        )
    });
    check(&dir, mnist::TEST_IMAGES, "27x28");
    let dir = data_dir("counts", |d| {
        gzip(&d.join(mnist::TRAIN_LABELS), &idx(1, &[3], &[1, 2, 3]))
    });
    check(&dir, mnist::TRAIN_LABELS, "3 labels for 4 images");
    let dir = data_dir("label", |d| {
        gzip(&d.join(mnist::TEST_LABELS), &idx(1, &[4], &[1, 2, 12, 4]))
    });
    check(&dir, mnist::TEST_LABELS, "label 12");
    assert_eq!(
        run(&["p1", "--rounds", "1", "--data", dir.to_str().unwrap()]),
        ExitCode::from(2)
    );
    assert_eq!(run(&["p1", "--arch", "resnet"]), ExitCode::from(2));
    assert_eq!(run(&["p1", "--epochs", "0"]), ExitCode::from(2));
}

#[test]
fn p1_results_do_not_depend_on_the_thread_count() {
    // Bits, not rounded error rates: every round's loss after every epoch and its trained
    // parameters (the model file), with one worker thread and with two.
    let data = repo_data();
    let machine = host::machine::Machine {
        cpu: "test".into(),
        vector_isa: "test",
        fma_peak_gflops: 1.0,
    };
    let options = RoundOptions {
        save: Some(host::models::ModelFormat::Device),
        ..RoundOptions::default()
    };
    let fingerprints = |threads: usize| {
        let results = p1::run(
            &data,
            &[Arch::SIAMESE_AUX, Arch::BEST],
            (Some(1), None),
            &[0, 1, 2],
            (threads, &machine),
            options,
            &host::progress::Progress::Quiet,
        );
        let mut rounds = Vec::new();
        for arch in &results.results {
            for r in &arch.rounds {
                let losses: Vec<u32> = r.epoch_losses.iter().map(|l| l.to_bits()).collect();
                let model = r.model.clone().expect("the model was kept");
                rounds.push((
                    arch.arch.clone(),
                    r.seed,
                    losses,
                    model,
                    r.test_error.to_bits(),
                ));
            }
        }
        rounds
    };
    let (one, two) = (fingerprints(1), fingerprints(2));
    assert_eq!(one.len(), 6);
    for (a, b) in one.iter().zip(&two) {
        assert!(
            a == b,
            "{} seed {}: results differ between 1 and 2 threads",
            a.0,
            a.1
        );
    }
    assert_ne!(one[0].3, one[1].3, "different seeds train different models");
}

#[test]
fn memory_is_reported_from_the_types() {
    use host::memory::ModelMemory;
    use minidl::{Adam, Batch, Linear, Relu, Seq};
    // A small network counted by hand, field by field (not from `ModelMemory`'s formula):
    // Linear<3, 4, 2> keeps its weight, bias, their gradients, the transposed weight and
    // its output: 12 + 4 + 12 + 4 + 12 + 8 = 52 floats; the ReLU its output, 8;
    // Linear<4, 2, 2>: 8 + 2 + 8 + 2 + 8 + 4 = 32; each of the two junctions of the `Seq`
    // the gradient there, 8 + 8.
    type Net = Seq![Linear<3, 4, 2>, Relu<Batch<2, 4>>, Linear<4, 2, 2>];
    let m = ModelMemory::of::<Net, Adam<26>>();
    assert_eq!(m.parameters, 26 * 4);
    assert_eq!(m.gradients, 26 * 4);
    // On x86-64 and aarch64 every layer and every `Seq` takes whole 64-byte cache lines
    // (`minidl::layers`, "Alignment"): Linear<3, 4, 2> 52 -> 64 floats, the ReLU 8 -> 16,
    // Linear<4, 2, 2> 32; the inner `Seq` (ReLU, linear, junction) 16 + 32 + 8 -> 64, the
    // outer one (linear, inner `Seq`, junction) 64 + 64 + 8 -> 144.
    let counted = (52 + 8 + 32 + 16) * 4;
    let with_padding = if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
        144 * 4
    } else {
        counted
    };
    assert_eq!(m.parameters + m.gradients + m.activations, with_padding);
    // Adam: five hyper-parameters, a step count, two moments.
    assert_eq!(m.optimizer, (5 + 1 + 2 * 26) * 4);
    assert_eq!(m.total, with_padding + (5 + 1 + 2 * 26) * 4);

    // The real model: the handout convnet's parameters, and conv1's output alone is
    // batch x 12 x 12 x 32 floats of activations.
    let c = Arch::CONVNET.memory();
    assert_eq!(c.parameters, 70_906 * 4);
    assert!(c.activations > BATCH * 12 * 12 * 32 * 4);
}
