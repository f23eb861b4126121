//! A small binary format for trained models, so that a network trained on the host can be
//! loaded on a device (from a byte slice in flash) or back on the host.
//!
//! Layout, all integers and floats little-endian:
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 4 | magic `MAGIC` (`b"mdl1"`) |
//! | 4 | 2 | format version, `VERSION` |
//! | 6 | 2 | number of tensors `T` |
//! | 8 | 4 | number of scalars `S` (the sum of the tensor lengths) |
//! | 12 | 4 `T` | length of each tensor: the parameters in `visit_params` order, then the buffers (batch-norm statistics) in `visit_buffers` order |
//! | 12 + 4 `T` | 4 `S` | the values, tensor after tensor (`f32`) |
//! | end - 4 | 4 | FNV-1a hash of every byte before it |
//!
//! The tensor lengths are the architecture's shape: a model only loads into a network whose
//! tensors have exactly those lengths. Loading checks everything before writing anything,
//! so a rejected file leaves the network as it was; every failure is a [`ModelError`].

use crate::module::Module;
use byteorder::{ByteOrder, LittleEndian};
use field::WORD;

/// First four bytes of a model file.
pub const MAGIC: [u8; 4] = *b"mdl1";
/// The format version this code writes and reads.
pub const VERSION: u16 = 1;
/// Bytes before the tensor lengths.
pub const HEADER_LEN: usize = field::SCALARS.end;
/// Bytes of the trailing checksum.
pub const CHECKSUM_LEN: usize = 4;

/// Byte ranges of the header fields (the table above).
pub mod field {
    /// A byte range in the file.
    pub type Field = core::ops::Range<usize>;
    /// The magic, [`MAGIC`](super::MAGIC).
    pub const MAGIC: Field = 0..4;
    /// The format version (u16).
    pub const VERSION: Field = 4..6;
    /// The number of tensors `T` (u16).
    pub const TENSORS: Field = 6..8;
    /// The number of scalars `S` (u32).
    pub const SCALARS: Field = 8..12;
    /// Bytes of one tensor length (u32) and of one value (f32).
    pub const WORD: usize = 4;
}

/// Why a model could not be saved or loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The bytes end before the header, the shape or the values do.
    TooShort {
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// Not a model file.
    BadMagic([u8; 4]),
    /// A format version this code does not read.
    UnsupportedVersion(u16),
    /// The file has another number of tensors than the network.
    TensorCount {
        /// The network's.
        expected: usize,
        /// The file's.
        found: usize,
    },
    /// Tensor `index` has another length in the file than in the network.
    TensorShape {
        /// Position in the file's list of tensors.
        index: usize,
        /// The network's length.
        expected: usize,
        /// The file's length.
        found: usize,
    },
    /// The scalar count disagrees with the tensor lengths, or extra bytes follow.
    Length {
        /// Bytes the header implies.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The checksum does not match: the file is corrupt.
    Checksum {
        /// Stored in the file.
        stored: u32,
        /// Computed from the bytes.
        computed: u32,
    },
    /// The output buffer given to [`save`] is too small.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        actual: usize,
    },
}

impl core::fmt::Display for ModelError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            ModelError::TooShort { needed, actual } => write!(f, "model file truncated: needs {needed} bytes, has {actual}"),
            ModelError::BadMagic(m) => write!(f, "not a model file (starts with {m:02x?})"),
            ModelError::UnsupportedVersion(v) => write!(f, "model format version {v} (this program reads {VERSION})"),
            ModelError::TensorCount { expected, found } => {
                write!(f, "model has {found} tensors, the network {expected}: another architecture")
            }
            ModelError::TensorShape { index, expected, found } => write!(
                f,
                "tensor {index} of the model has {found} values, the network's has {expected}: another architecture"
            ),
            ModelError::Length { expected, actual } => {
                write!(f, "model file length mismatch: the header implies {expected} bytes, the file has {actual}")
            }
            ModelError::Checksum { stored, computed } => {
                write!(f, "model file corrupt: checksum {computed:#010x}, stored {stored:#010x}")
            }
            ModelError::BufferTooSmall { needed, actual } => write!(f, "buffer of {actual} bytes for a {needed}-byte model"),
        }
    }
}

/// 32-bit FNV-1a (Fowler, Noll, Vo): a simple hash that catches flipped and shifted bytes.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h, &b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

/// Calls `f` on every tensor that a model file holds: parameters, then buffers.
fn for_each_tensor<M: Module>(model: &mut M, f: &mut dyn FnMut(&mut [f32])) {
    model.visit_params(&mut |values, _| f(values));
    model.visit_buffers(f);
}

/// (number of tensors, number of scalars) of `model`.
fn counts<M: Module>(model: &mut M) -> (usize, usize) {
    let (mut tensors, mut scalars) = (0, 0);
    for_each_tensor(model, &mut |t| {
        tensors += 1;
        scalars += t.len();
    });
    (tensors, scalars)
}

/// Bytes of `model`'s file.
pub fn encoded_len<M: Module>(model: &mut M) -> usize {
    let (tensors, scalars) = counts(model);
    HEADER_LEN + WORD * tensors + WORD * scalars + CHECKSUM_LEN
}

/// Writes `model` into `out`; returns the number of bytes written.
pub fn save<M: Module>(model: &mut M, out: &mut [u8]) -> Result<usize, ModelError> {
    let needed = encoded_len(model);
    if out.len() < needed {
        return Err(ModelError::BufferTooSmall {
            needed,
            actual: out.len(),
        });
    }
    let (tensors, scalars) = counts(model);
    out[field::MAGIC].copy_from_slice(&MAGIC);
    LittleEndian::write_u16(&mut out[field::VERSION], VERSION);
    LittleEndian::write_u16(&mut out[field::TENSORS], tensors as u16);
    LittleEndian::write_u32(&mut out[field::SCALARS], scalars as u32);
    let (mut shape_at, mut value_at) = (HEADER_LEN, HEADER_LEN + WORD * tensors);
    for_each_tensor(model, &mut |t| {
        LittleEndian::write_u32(&mut out[shape_at..shape_at + WORD], t.len() as u32);
        shape_at += WORD;
        LittleEndian::write_f32_into(t, &mut out[value_at..value_at + WORD * t.len()]);
        value_at += WORD * t.len();
    });
    let checksum = fnv1a(&out[..value_at]);
    LittleEndian::write_u32(&mut out[value_at..value_at + CHECKSUM_LEN], checksum);
    Ok(needed)
}

/// Loads `bytes` into `model` after checking magic, version, shape, length and checksum;
/// on error the model is unchanged.
pub fn load<M: Module>(model: &mut M, bytes: &[u8]) -> Result<(), ModelError> {
    let too_short = |needed: usize| ModelError::TooShort {
        needed,
        actual: bytes.len(),
    };
    if bytes.len() < HEADER_LEN {
        return Err(too_short(HEADER_LEN));
    }
    let magic: [u8; 4] = bytes[field::MAGIC].try_into().expect("4 bytes");
    if magic != MAGIC {
        return Err(ModelError::BadMagic(magic));
    }
    let version = LittleEndian::read_u16(&bytes[field::VERSION]);
    if version != VERSION {
        return Err(ModelError::UnsupportedVersion(version));
    }
    let tensors = LittleEndian::read_u16(&bytes[field::TENSORS]) as usize;
    let scalars = LittleEndian::read_u32(&bytes[field::SCALARS]) as usize;
    let (expected_tensors, expected_scalars) = counts(model);
    if tensors != expected_tensors {
        return Err(ModelError::TensorCount {
            expected: expected_tensors,
            found: tensors,
        });
    }
    let shape_end = HEADER_LEN + WORD * tensors;
    if bytes.len() < shape_end {
        return Err(too_short(shape_end));
    }
    // The shape, tensor by tensor, against the network's.
    let mut mismatch = None;
    let mut index = 0;
    for_each_tensor(model, &mut |t| {
        let at = HEADER_LEN + WORD * index;
        let found = LittleEndian::read_u32(&bytes[at..at + WORD]) as usize;
        if found != t.len() && mismatch.is_none() {
            mismatch = Some(ModelError::TensorShape {
                index,
                expected: t.len(),
                found,
            });
        }
        index += 1;
    });
    if let Some(error) = mismatch {
        return Err(error);
    }
    // With the shape equal, `scalars` must be the network's count and the length exact.
    let total = shape_end + WORD * expected_scalars + CHECKSUM_LEN;
    if scalars != expected_scalars || bytes.len() != total {
        return Err(ModelError::Length {
            expected: total,
            actual: bytes.len(),
        });
    }
    let stored = LittleEndian::read_u32(&bytes[total - CHECKSUM_LEN..]);
    let computed = fnv1a(&bytes[..total - CHECKSUM_LEN]);
    if stored != computed {
        return Err(ModelError::Checksum { stored, computed });
    }
    let mut at = shape_end;
    for_each_tensor(model, &mut |t| {
        LittleEndian::read_f32_into(&bytes[at..at + WORD * t.len()], t);
        at += WORD * t.len();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::{Batch, BatchNorm1d, Init, Linear, Relu, Seq, Tensor, Zeroable};

    type Net = Seq![Linear<3, 4, 2>, BatchNorm1d<2, 4>, Relu<Batch<2, 4>>, Linear<4, 2, 2>];
    type Other = Seq![Linear<3, 5, 2>, BatchNorm1d<2, 5>, Relu<Batch<2, 5>>, Linear<5, 2, 2>];

    fn trained() -> Net {
        let mut net = Net::zeroed();
        net.init(Init::PyTorchDefault, &mut rng(90));
        // Move the running statistics away from their initial values.
        net.forward(&[[0.3, -1.0, 2.0], [1.5, 0.2, -0.4]]);
        net
    }

    fn saved(net: &mut Net) -> std::vec::Vec<u8> {
        let mut bytes = std::vec![0u8; encoded_len(net)];
        assert_eq!(save(net, &mut bytes), Ok(bytes.len()));
        bytes
    }

    #[test]
    fn round_trip_keeps_parameters_and_statistics() {
        let mut net = trained();
        let bytes = saved(&mut net);
        // 8 tensors: 6 parameters (weights, biases, gamma, beta) then 2 running statistics.
        assert_eq!(
            bytes.len(),
            HEADER_LEN + 4 * 8 + 4 * (12 + 4 + 4 + 4 + 8 + 2 + 4 + 4) + 4
        );
        let mut copy = Net::zeroed();
        load(&mut copy, &bytes).unwrap();
        assert_eq!(copy.first.weight, net.first.weight);
        assert_eq!(copy.then.first.running_var, net.then.first.running_var);
        assert_ne!(net.then.first.running_var, [1.0; 4]);
        let x = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]];
        net.set_mode(crate::Mode::Eval);
        copy.set_mode(crate::Mode::Eval);
        assert_eq!(net.forward(&x).flat(), copy.forward(&x).flat());
    }

    #[test]
    fn every_corruption_is_a_typed_error_and_leaves_the_model_alone() {
        let mut net = trained();
        let bytes = saved(&mut net);
        let mut target = Net::zeroed();
        let mut check = |bytes: &[u8], expected: ModelError| {
            assert_eq!(load(&mut target, bytes), Err(expected));
            assert_eq!(target.first.weight, [[0.0; 4]; 3], "unchanged");
        };
        check(
            &bytes[..5],
            ModelError::TooShort {
                needed: HEADER_LEN,
                actual: 5,
            },
        );
        let mut b = bytes.clone();
        b[0] = b'X';
        check(&b, ModelError::BadMagic(*b"Xdl1"));
        let mut b = bytes.clone();
        b[4] = 2;
        check(&b, ModelError::UnsupportedVersion(2));
        let mut b = bytes.clone();
        b[6] = 7;
        check(
            &b,
            ModelError::TensorCount {
                expected: 8,
                found: 7,
            },
        );
        check(
            &bytes[..20],
            ModelError::TooShort {
                needed: HEADER_LEN + 32,
                actual: 20,
            },
        );
        let mut b = bytes.clone();
        b[HEADER_LEN] = 13;
        check(
            &b,
            ModelError::TensorShape {
                index: 0,
                expected: 12,
                found: 13,
            },
        );
        let n = bytes.len();
        check(
            &bytes[..n - 1],
            ModelError::Length {
                expected: n,
                actual: n - 1,
            },
        );
        let mut b = bytes.clone();
        b.push(0);
        check(
            &b,
            ModelError::Length {
                expected: n,
                actual: n + 1,
            },
        );
        let mut b = bytes.clone();
        b[HEADER_LEN + 32 + 5] ^= 0x10;
        assert!(matches!(
            load(&mut target, &b),
            Err(ModelError::Checksum { .. })
        ));
        // Another architecture.
        let mut other = Other::zeroed();
        assert_eq!(
            load(&mut other, &bytes),
            Err(ModelError::TensorShape {
                index: 0,
                expected: 15,
                found: 12
            })
        );
        let mut small = [0u8; 10];
        assert_eq!(
            save(&mut net, &mut small),
            Err(ModelError::BufferTooSmall {
                needed: n,
                actual: 10
            })
        );
    }
}
