//! Saved models, in two formats chosen by the file's extension:
//!
//! - `.safetensors`: PyTorch's layouts and `state_dict()` names (the core's
//!   [`names`](minidl::io::names)), so that `python/models.py`'s `build(arch)` loads the file
//!   with `load_state_dict(safetensors.torch.load_file(FILE), strict=True)`, and a model
//!   trained in PyTorch loads here;
//! - anything else: the core's model file ([`minidl::io::model_file`], `.mdl`), what a
//!   device loads from flash.
//!
//! Loading checks the whole file against the network before writing anything into it;
//! every failure is a one-line message naming the tensor.

use minidl::io::model_file;
use minidl::io::names::{Kind, Path, TensorSpec};
use minidl::Module;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};

/// A model file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFormat {
    /// The core's model file (`.mdl`), for devices.
    Device,
    /// safetensors with PyTorch's names and layouts.
    Safetensors,
}

impl ModelFormat {
    /// `.safetensors` files are [`Safetensors`](Self::Safetensors), every other name
    /// [`Device`](Self::Device).
    pub fn of(path: &std::path::Path) -> Self {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("safetensors") => Self::Safetensors,
            _ => Self::Device,
        }
    }
}

/// Batch norm's step counter in PyTorch's state dict, which the core does not keep. The
/// twin's batch norm uses a fixed momentum (0.1, the core's), so PyTorch reads it only to
/// count further training; it is written as 0 and ignored on loading.
pub const BATCH_COUNTER: &str = "num_batches_tracked";

/// One tensor of a network: its PyTorch name and its layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedTensor {
    /// The `state_dict()` key, e.g. `0.net.0.weight`.
    pub name: String,
    /// Role, kind and shape.
    pub spec: TensorSpec,
}

/// Every tensor of `net`: the parameters in `visit_params` order, then the buffers in
/// `visit_buffers` order.
pub fn tensors<N: Module>(net: &N) -> Vec<NamedTensor> {
    let mut all = Vec::new();
    net.describe(&mut Path::new(), &mut |path, spec| {
        all.push(NamedTensor {
            name: format!("{path}.{}", spec.role)
                .trim_start_matches('.')
                .to_string(),
            spec: *spec,
        });
    });
    // Parameters first, buffers after, each in visiting order (a stable sort keeps it).
    all.sort_by_key(|t| t.spec.kind == Kind::Buffer);
    all
}

/// The names of `net`'s parameter tensors, in `visit_params` order.
pub fn parameter_names<N: Module>(net: &N) -> Vec<String> {
    tensors(net)
        .into_iter()
        .filter(|t| t.spec.kind == Kind::Parameter)
        .map(|t| t.name)
        .collect()
}

/// The values of every tensor of `net`, in the core's layout, in [`tensors`]' order.
fn values<N: Module>(net: &mut N) -> Vec<Vec<f32>> {
    let mut values = Vec::new();
    net.visit_params(&mut |p, _| values.push(p.to_vec()));
    net.visit_buffers(&mut |b| values.push(b.to_vec()));
    values
}

/// `net` in `format`.
pub fn encode<N: Module>(net: &mut N, format: ModelFormat) -> Vec<u8> {
    match format {
        ModelFormat::Device => {
            let mut bytes = vec![0u8; model_file::encoded_len(net)];
            model_file::save(net, &mut bytes).expect("buffer sized by encoded_len");
            bytes
        }
        ModelFormat::Safetensors => safetensors_bytes(net),
    }
}

/// Loads `bytes` (in `format`) into `net`; on any error `net` is unchanged.
pub fn decode<N: Module>(net: &mut N, format: ModelFormat, bytes: &[u8]) -> Result<(), String> {
    match format {
        ModelFormat::Device => model_file::load(net, bytes).map_err(|e| format!("{e:?}")),
        ModelFormat::Safetensors => load_safetensors(net, bytes),
    }
}

/// `net` as a safetensors file: every tensor in PyTorch's layout under its `state_dict()`
/// name, and a [`BATCH_COUNTER`] (an `int64` scalar, 0) beside every batch norm's
/// statistics, as PyTorch's own state dict has.
pub fn safetensors_bytes<N: Module>(net: &mut N) -> Vec<u8> {
    let specs = tensors(net);
    let values = values(net);
    assert_eq!(
        specs.len(),
        values.len(),
        "describe matches visit_params/buffers"
    );
    let mut files: BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)> = BTreeMap::new();
    for (tensor, core) in specs.iter().zip(&values) {
        let shape = tensor.spec.shape;
        assert_eq!(shape.len(), core.len(), "{}: describe's shape", tensor.name);
        let bytes: Vec<u8> = (0..shape.len())
            .flat_map(|i| core[shape.core_index(i)].to_le_bytes())
            .collect();
        let dims = shape.torch_dims()[..shape.rank()].to_vec();
        files.insert(tensor.name.clone(), (Dtype::F32, dims, bytes));
        if tensor.spec.role == "running_var" {
            let counter = tensor.name.replace("running_var", BATCH_COUNTER);
            files.insert(counter, (Dtype::I64, vec![], 0i64.to_le_bytes().to_vec()));
        }
    }
    let views = files.iter().map(|(name, (dtype, shape, bytes))| {
        let view = TensorView::new(*dtype, shape.clone(), bytes).expect("sizes match");
        (name.as_str(), view)
    });
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(metadata)).expect("a well-formed set of tensors")
}

/// Loads a safetensors file with PyTorch's names and layouts into `net`. Every tensor of
/// `net` must be there as `float32` with PyTorch's shape and finite values, and nothing
/// else may be (besides batch norm's [`BATCH_COUNTER`]): a strict load, as PyTorch's.
pub fn load_safetensors<N: Module>(net: &mut N, bytes: &[u8]) -> Result<(), String> {
    // Text from the file (its names, the parser's account of its header) is escaped, so
    // that every message stays on one line (found by the fuzz target).
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a safetensors file: {}", e.to_string().escape_debug()))?;
    let specs = tensors(net);
    let mut values = Vec::with_capacity(specs.len());
    for tensor in &specs {
        let view = file
            .tensor(&tensor.name)
            .map_err(|_| format!("tensor '{}' is missing", tensor.name))?;
        let shape = tensor.spec.shape;
        let want = &shape.torch_dims()[..shape.rank()];
        if view.dtype() != Dtype::F32 {
            return Err(format!(
                "tensor '{}' is {:?}, not F32 (float32)",
                tensor.name,
                view.dtype()
            ));
        }
        if view.shape() != want {
            return Err(format!(
                "tensor '{}' has shape {:?}, the network needs {want:?}",
                tensor.name,
                view.shape()
            ));
        }
        let torch: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if let Some(at) = torch.iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "tensor '{}' holds {} at position {at}",
                tensor.name, torch[at]
            ));
        }
        let mut core = vec![0.0; torch.len()];
        for (i, &v) in torch.iter().enumerate() {
            core[shape.core_index(i)] = v;
        }
        values.push(core);
    }
    let known = |name: &str| {
        specs.iter().any(|t| t.name == name)
            || name.strip_suffix(BATCH_COUNTER).is_some_and(|layer| {
                specs
                    .iter()
                    .any(|t| t.name.strip_suffix("running_var") == Some(layer))
            })
    };
    if let Some(extra) = file.names().into_iter().find(|name| !known(name)) {
        return Err(format!(
            "tensor '{}' is not part of this network",
            extra.escape_debug()
        ));
    }
    // Everything checked: write.
    let mut next = values.into_iter();
    net.visit_params(&mut |p, _| p.copy_from_slice(&next.next().expect("one per tensor")));
    net.visit_buffers(&mut |b| b.copy_from_slice(&next.next().expect("one per tensor")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use minidl::rand_core::SeedableRng;
    use minidl::rand_xoshiro::Xoshiro256PlusPlus;
    use minidl::{boxed_zeroed, Init};
    use projects::p1::nets::{BestNet, SiameseOf, SkipDigitNet, TwinNet};

    fn trained_like<N: Module>(seed: u64) -> Box<N> {
        let mut net: Box<N> = boxed_zeroed();
        net.init(
            Init::PyTorchDefault,
            &mut Xoshiro256PlusPlus::seed_from_u64(seed),
        );
        // Buffers away from their initial values, so a dropped buffer shows.
        let mut k = 0.0;
        net.visit_buffers(&mut |b| {
            for v in b {
                k += 1.0;
                *v = 0.5 + k / 1000.0;
            }
        });
        net
    }

    fn bits<N: Module>(net: &mut N) -> Vec<u32> {
        values(net).concat().iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn names_follow_pytorch_sequential_numbering() {
        type Net = SiameseOf<SkipDigitNet<2>, 1, 2>;
        let net: Box<Net> = boxed_zeroed();
        let names: Vec<String> = tensors(&*net).into_iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            [
                "0.net.0.weight",
                "0.net.0.bias",
                "0.net.4.branch.0.weight",
                "0.net.4.branch.0.bias",
                "0.net.5.weight",
                "0.net.5.bias",
                "0.net.10.weight",
                "0.net.10.bias",
                "0.net.14.weight",
                "0.net.14.bias",
                "2.weight",
                "2.bias",
                "4.weight",
                "4.bias",
            ]
        );
        let net: Box<TwinNet<1>> = boxed_zeroed();
        assert_eq!(tensors(&*net)[0].name, "0.first.0.weight");
        assert_eq!(tensors(&*net)[8].name, "0.second.0.weight");
    }

    #[test]
    fn a_safetensors_round_trip_gives_the_same_bits() {
        type Net = BestNet<1, 2>;
        let mut net = trained_like::<Net>(1);
        let bytes = safetensors_bytes(&mut *net);
        let mut other = trained_like::<Net>(2);
        assert_ne!(bits(&mut *net), bits(&mut *other));
        load_safetensors(&mut *other, &bytes).unwrap();
        assert_eq!(bits(&mut *net), bits(&mut *other));
        // PyTorch's layout in the file: conv weight [out][in][ky][kx].
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let conv = file.tensor("0.net.4.weight").unwrap();
        assert_eq!(conv.shape(), [64, 32, 3, 3]);
        let at = |o: usize, i: usize, ky: usize, kx: usize| {
            let k = ((o * 32 + i) * 3 + ky) * 3 + kx;
            f32::from_le_bytes(conv.data()[4 * k..4 * k + 4].try_into().unwrap())
        };
        let core = &net.net.then.then.then.first.weight;
        assert_eq!(at(5, 7, 2, 1), core[2][1][7][5]);
        assert_eq!(at(63, 0, 0, 2), core[0][2][0][63]);
        let counter = file.tensor("0.net.1.num_batches_tracked").unwrap();
        assert_eq!((counter.dtype(), counter.shape()), (Dtype::I64, &[][..]));
    }

    #[test]
    fn a_mismatched_file_is_refused_by_tensor_name_and_leaves_the_network() {
        type Net = BestNet<1, 2>;
        let mut net = trained_like::<Net>(1);
        let good = safetensors_bytes(&mut *net);
        let before = bits(&mut *net);
        type Tensors = BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)>;
        let rewrite = |edit: &dyn Fn(&mut Tensors)| {
            let file = SafeTensors::deserialize(&good).unwrap();
            let mut all: BTreeMap<_, _> = file
                .tensors()
                .into_iter()
                .map(|(n, v)| (n, (v.dtype(), v.shape().to_vec(), v.data().to_vec())))
                .collect();
            edit(&mut all);
            let views = all
                .iter()
                .map(|(n, (d, s, b))| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()));
            safetensors::serialize(views, None).unwrap()
        };
        let cases: [(&str, Vec<u8>); 7] = [
            ("not a safetensors file", b"\x05\0\0\0\0\0\0\0{".to_vec()),
            (
                "tensor '0.net.9.weight' is missing",
                rewrite(&|all| drop(all.remove("0.net.9.weight"))),
            ),
            (
                "tensor '0.net.0.weight' has shape [32, 1, 9], the network needs [32, 1, 3, 3]",
                rewrite(&|all| all.get_mut("0.net.0.weight").unwrap().1 = vec![32, 1, 9]),
            ),
            (
                "tensor '0.net.1.bias' is F64, not F32 (float32)",
                rewrite(&|all| {
                    let t = all.get_mut("0.net.1.bias").unwrap();
                    *t = (Dtype::F64, vec![16], t.2.clone());
                }),
            ),
            (
                "tensor '0.net.13.bias' holds NaN at position 3",
                rewrite(&|all| {
                    all.get_mut("0.net.13.bias").unwrap().2[12..16]
                        .copy_from_slice(&f32::NAN.to_le_bytes())
                }),
            ),
            (
                "tensor '0.runni\\ng_var' is not part of this network",
                rewrite(&|all| {
                    all.insert("0.runni\ng_var".into(), (Dtype::F32, vec![1], vec![0; 4]));
                }),
            ),
            (
                "tensor 'head.weight' is not part of this network",
                rewrite(&|all| {
                    all.insert("head.weight".into(), (Dtype::F32, vec![1], vec![0; 4]));
                }),
            ),
        ];
        for (expected, bytes) in cases {
            let error = load_safetensors(&mut *net, &bytes).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
            assert_eq!(bits(&mut *net), before, "unchanged after: {error}");
        }
    }
}
