//! Parser for the IDX files of the MNIST database, over a byte slice, so that a device can
//! read them straight from flash.
//!
//! Layout (all integers big-endian): two zero bytes, a type byte (`0x08` = unsigned byte),
//! the number of dimensions, one `u32` size per dimension, then the data in row-major order.
//! MNIST uses `0x00000801` (labels: one dimension) and `0x00000803` (images: count, rows,
//! columns).

use byteorder::{BigEndian, ByteOrder};

/// Bytes before the dimension sizes: the magic number.
pub const MAGIC_LEN: usize = 4;
/// Bytes per dimension size.
pub const DIM_LEN: usize = 4;
/// The type byte for unsigned bytes, the only type MNIST uses.
pub const TYPE_U8: u8 = 0x08;
/// Largest number of dimensions accepted.
pub const MAX_DIMS: usize = 4;

/// Why a byte slice is not a valid IDX file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdxError {
    /// Shorter than its own header.
    TruncatedHeader {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The first two bytes are not zero.
    BadMagic(u32),
    /// A data type other than unsigned byte.
    UnsupportedType(u8),
    /// Zero or more than [`MAX_DIMS`] dimensions.
    BadDimensionCount(u8),
    /// Not the number of dimensions the caller expected.
    WrongDimensions {
        /// What the caller asked for.
        expected: u8,
        /// What the file says.
        actual: u8,
    },
    /// The sizes multiply beyond the address space.
    TooLarge,
    /// The data is not as long as the sizes say.
    LengthMismatch {
        /// Data bytes the header promises.
        expected: usize,
        /// Data bytes present.
        actual: usize,
    },
}

impl core::fmt::Display for IdxError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            IdxError::TruncatedHeader { needed, actual } => {
                write!(f, "truncated IDX header: needs {needed} bytes, file has {actual}")
            }
            IdxError::BadMagic(m) => write!(f, "not an IDX file (magic number {m:#010x})"),
            IdxError::UnsupportedType(t) => write!(f, "unsupported IDX data type {t:#04x} (expected 0x08, unsigned byte)"),
            IdxError::BadDimensionCount(n) => write!(f, "IDX file with {n} dimensions (1 to {MAX_DIMS} supported)"),
            IdxError::WrongDimensions { expected, actual } => {
                write!(f, "IDX file has {actual} dimensions, expected {expected}")
            }
            IdxError::TooLarge => write!(f, "IDX dimensions too large"),
            IdxError::LengthMismatch { expected, actual } => write!(
                f,
                "IDX length mismatch: the header promises {expected} data bytes, the file has {actual}"
            ),
        }
    }
}

/// A parsed IDX file of unsigned bytes: its dimension sizes and its data, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Idx<'a> {
    dims: [usize; MAX_DIMS],
    rank: usize,
    /// The elements, row-major.
    pub data: &'a [u8],
}

impl<'a> Idx<'a> {
    /// Parses and validates `bytes` (magic, type, dimension count, total length).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, IdxError> {
        if bytes.len() < MAGIC_LEN {
            return Err(IdxError::TruncatedHeader {
                needed: MAGIC_LEN,
                actual: bytes.len(),
            });
        }
        let magic = BigEndian::read_u32(bytes);
        if bytes[0] != 0 || bytes[1] != 0 {
            return Err(IdxError::BadMagic(magic));
        }
        if bytes[2] != TYPE_U8 {
            return Err(IdxError::UnsupportedType(bytes[2]));
        }
        let rank = bytes[3] as usize;
        if rank == 0 || rank > MAX_DIMS {
            return Err(IdxError::BadDimensionCount(bytes[3]));
        }
        let header = MAGIC_LEN + DIM_LEN * rank;
        if bytes.len() < header {
            return Err(IdxError::TruncatedHeader {
                needed: header,
                actual: bytes.len(),
            });
        }
        let mut dims = [0usize; MAX_DIMS];
        let mut expected: usize = 1;
        for (k, dim) in dims.iter_mut().take(rank).enumerate() {
            let at = MAGIC_LEN + DIM_LEN * k;
            *dim = BigEndian::read_u32(&bytes[at..at + DIM_LEN]) as usize;
            expected = expected.checked_mul(*dim).ok_or(IdxError::TooLarge)?;
        }
        let data = &bytes[header..];
        if data.len() != expected {
            return Err(IdxError::LengthMismatch {
                expected,
                actual: data.len(),
            });
        }
        Ok(Self { dims, rank, data })
    }

    /// Parses `bytes` and requires exactly `rank` dimensions.
    pub fn parse_rank(bytes: &'a [u8], rank: u8) -> Result<Self, IdxError> {
        let idx = Self::parse(bytes)?;
        if idx.rank != rank as usize {
            return Err(IdxError::WrongDimensions {
                expected: rank,
                actual: idx.rank as u8,
            });
        }
        Ok(idx)
    }

    /// The size of each dimension.
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(magic: [u8; 4], dims: &[u32], data: &[u8]) -> std::vec::Vec<u8> {
        let mut v = magic.to_vec();
        dims.iter()
            .for_each(|d| v.extend_from_slice(&d.to_be_bytes()));
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parses_labels_and_images() {
        let labels = file([0, 0, 8, 1], &[3], &[5, 0, 4]);
        let idx = Idx::parse_rank(&labels, 1).unwrap();
        assert_eq!(idx.dims(), &[3]);
        assert_eq!(idx.data, &[5, 0, 4]);
        let images = file([0, 0, 8, 3], &[2, 2, 3], &[1; 12]);
        let idx = Idx::parse_rank(&images, 3).unwrap();
        assert_eq!(idx.dims(), &[2, 2, 3]);
    }

    #[test]
    fn rejects_each_kind_of_corruption() {
        assert_eq!(
            Idx::parse(&[0, 0]),
            Err(IdxError::TruncatedHeader {
                needed: 4,
                actual: 2
            })
        );
        assert_eq!(
            Idx::parse(&file([0x1f, 0x8b, 8, 0], &[], &[])),
            Err(IdxError::BadMagic(0x1f8b_0800))
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 0x0d, 1], &[1], &[0; 4])),
            Err(IdxError::UnsupportedType(0x0d))
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 8, 0], &[], &[])),
            Err(IdxError::BadDimensionCount(0))
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 8, 9], &[], &[])),
            Err(IdxError::BadDimensionCount(9))
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 8, 3], &[2, 2], &[])),
            Err(IdxError::TruncatedHeader {
                needed: 16,
                actual: 12
            })
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 8, 1], &[3], &[1, 2])),
            Err(IdxError::LengthMismatch {
                expected: 3,
                actual: 2
            })
        );
        assert_eq!(
            Idx::parse(&file([0, 0, 8, 1], &[3], &[1, 2, 3, 4])),
            Err(IdxError::LengthMismatch {
                expected: 3,
                actual: 4
            })
        );
        assert_eq!(
            Idx::parse_rank(&file([0, 0, 8, 1], &[1], &[1]), 3),
            Err(IdxError::WrongDimensions {
                expected: 3,
                actual: 1
            })
        );
        let huge = file([0, 0, 8, 4], &[u32::MAX; 4], &[]);
        assert_eq!(Idx::parse(&huge), Err(IdxError::TooLarge));
    }
}
