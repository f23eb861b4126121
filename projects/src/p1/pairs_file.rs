//! The file of pairs a device works on: the pairs with their targets and digit classes,
//! the standardisation of the round's training pairs, and the host's own prediction and
//! logits for every pair, so that the device can compare its answers with the host's one by
//! one. The `p1-inference` firmware checks a host-trained model on such a file; the
//! `digits` firmware trains on one and tests on another.
//!
//! Layout, all numbers little-endian:
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 4 | magic [`MAGIC`] (`b"prs2"`) |
//! | 4 | 4 | number of pairs `N` (u32) |
//! | 8 | 4 | pixel mean (f32) of the [`PixelStandardise`] |
//! | 12 | 4 | pixel standard deviation (f32) |
//! | 16 | `N` x [`RECORD_LEN`] | the records |
//!
//! A record: 2 x 14 x 14 pixels as u16, each 4 x the pooled value (exact: a pooled value
//! is the mean of four bytes), then the target (u8, 0 or 1), the host's prediction (u8, 0
//! or 1), the host's two logits (f32) and the two digit classes (u8, 0 to 9).
//! [`PairsFile::parse`] checks all of it before anything is read; every failure is a
//! [`PairsFileError`]. (`prs1` files, without the classes, are no longer read.)

use super::{PairImage, PixelStandardise, SIDE};
use byteorder::{ByteOrder, LittleEndian};

/// First four bytes of a pairs file.
pub const MAGIC: [u8; 4] = *b"prs2";

/// Byte ranges of the header and of a record.
pub mod field {
    /// A byte range.
    pub type Field = core::ops::Range<usize>;
    /// Header: the magic.
    pub const MAGIC: Field = 0..4;
    /// Header: the number of pairs (u32).
    pub const COUNT: Field = 4..8;
    /// Header: the pixel mean (f32).
    pub const MEAN: Field = 8..12;
    /// Header: the pixel standard deviation (f32).
    pub const STD: Field = 12..16;
    /// Record: the pixels, u16 each.
    pub const PIXELS: Field = 0..2 * 2 * super::SIDE * super::SIDE;
    /// Record: the target.
    pub const TARGET: usize = PIXELS.end;
    /// Record: the host's prediction.
    pub const PREDICTION: usize = TARGET + 1;
    /// Record: the host's two logits (f32).
    pub const LOGITS: Field = PREDICTION + 1..PREDICTION + 9;
    /// Record: the two digit classes.
    pub const CLASSES: Field = LOGITS.end..LOGITS.end + 2;
}

/// Bytes before the first record.
pub const HEADER_LEN: usize = field::STD.end;
/// Bytes of one record.
pub const RECORD_LEN: usize = field::CLASSES.end;

/// Why a pairs file was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairsFileError {
    /// Shorter than the header.
    TooShort {
        /// Bytes present.
        actual: usize,
    },
    /// Not a pairs file.
    BadMagic([u8; 4]),
    /// The length is not the header's plus the records the header announces.
    Length {
        /// Bytes the header implies.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The standardisation is not usable (a standard deviation that is not positive and
    /// finite, or a mean that is not finite).
    Standardisation,
    /// A record's target or prediction is not 0 or 1, or a digit class is above 9.
    Record {
        /// The record's position.
        index: usize,
    },
}

impl core::fmt::Display for PairsFileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            PairsFileError::TooShort { actual } => {
                write!(
                    f,
                    "pairs file truncated: {actual} bytes, the header alone is {HEADER_LEN}"
                )
            }
            PairsFileError::BadMagic(m) => write!(f, "not a pairs file (starts with {m:02x?})"),
            PairsFileError::Length { expected, actual } => {
                write!(f, "pairs file length mismatch: the header implies {expected} bytes, the file has {actual}")
            }
            PairsFileError::Standardisation => {
                write!(
                    f,
                    "pairs file has an unusable pixel mean or standard deviation"
                )
            }
            PairsFileError::Record { index } => {
                write!(
                    f,
                    "pair {index} of the pairs file has a target or prediction other than 0 or 1, or a digit class above 9"
                )
            }
        }
    }
}

/// One pair with the host's answer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    /// The two images, raw pooled values.
    pub pair: PairImage,
    /// 1 if the first digit is <= the second.
    pub target: u8,
    /// The host's prediction.
    pub prediction: u8,
    /// The host's two target logits.
    pub logits: [f32; 2],
    /// The digits of the two images.
    pub classes: [u8; 2],
}

impl Record {
    /// Reads a record (already validated by [`PairsFile::parse`]).
    fn read(bytes: &[u8]) -> Self {
        let mut pair: PairImage = [[[0.0; SIDE]; SIDE]; 2];
        let pixels = &bytes[field::PIXELS];
        for (p, v) in pair.iter_mut().flatten().flatten().enumerate() {
            *v = LittleEndian::read_u16(&pixels[2 * p..]) as f32 / 4.0;
        }
        Self {
            pair,
            target: bytes[field::TARGET],
            prediction: bytes[field::PREDICTION],
            logits: [
                LittleEndian::read_f32(&bytes[field::LOGITS][..4]),
                LittleEndian::read_f32(&bytes[field::LOGITS][4..]),
            ],
            classes: [bytes[field::CLASSES][0], bytes[field::CLASSES][1]],
        }
    }

    /// Writes the record into `out`.
    pub fn write(&self, out: &mut [u8; RECORD_LEN]) {
        let pixels = &mut out[field::PIXELS];
        for (p, &v) in self.pair.iter().flatten().flatten().enumerate() {
            LittleEndian::write_u16(&mut pixels[2 * p..2 * p + 2], (v * 4.0) as u16);
        }
        out[field::TARGET] = self.target;
        out[field::PREDICTION] = self.prediction;
        LittleEndian::write_f32_into(&self.logits, &mut out[field::LOGITS]);
        out[field::CLASSES].copy_from_slice(&self.classes);
    }
}

/// Writes the header of a file of `count` pairs standardised with `norm`.
pub fn write_header(out: &mut [u8; HEADER_LEN], count: u32, norm: PixelStandardise) {
    out[field::MAGIC].copy_from_slice(&MAGIC);
    LittleEndian::write_u32(&mut out[field::COUNT], count);
    LittleEndian::write_f32(&mut out[field::MEAN], norm.mean);
    LittleEndian::write_f32(&mut out[field::STD], norm.std);
}

/// A validated pairs file, read in place.
#[derive(Clone, Copy, Debug)]
pub struct PairsFile<'a> {
    /// The standardisation the model was trained with.
    pub norm: PixelStandardise,
    records: &'a [u8],
}

impl<'a> PairsFile<'a> {
    /// Checks `bytes` whole: magic, length, standardisation, every record's target,
    /// prediction and classes.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PairsFileError> {
        if bytes.len() < HEADER_LEN {
            return Err(PairsFileError::TooShort {
                actual: bytes.len(),
            });
        }
        let magic: [u8; 4] = bytes[field::MAGIC].try_into().expect("4 bytes");
        if magic != MAGIC {
            return Err(PairsFileError::BadMagic(magic));
        }
        let count = LittleEndian::read_u32(&bytes[field::COUNT]) as usize;
        let expected = count
            .checked_mul(RECORD_LEN)
            .and_then(|r| r.checked_add(HEADER_LEN));
        if expected != Some(bytes.len()) {
            return Err(PairsFileError::Length {
                expected: expected.unwrap_or(usize::MAX),
                actual: bytes.len(),
            });
        }
        let norm = PixelStandardise {
            mean: LittleEndian::read_f32(&bytes[field::MEAN]),
            std: LittleEndian::read_f32(&bytes[field::STD]),
        };
        if !(norm.mean.is_finite() && norm.std.is_finite() && norm.std > 0.0) {
            return Err(PairsFileError::Standardisation);
        }
        let records = &bytes[HEADER_LEN..];
        for (index, r) in records.chunks_exact(RECORD_LEN).enumerate() {
            if r[field::TARGET] > 1
                || r[field::PREDICTION] > 1
                || r[field::CLASSES].iter().any(|&c| c > 9)
            {
                return Err(PairsFileError::Record { index });
            }
        }
        Ok(Self { norm, records })
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.records.len() / RECORD_LEN
    }

    /// Whether the file has no pairs.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record `index` (panics if there is no such record).
    pub fn record(&self, index: usize) -> Record {
        Record::read(&self.records[index * RECORD_LEN..(index + 1) * RECORD_LEN])
    }

    /// The records, in file order.
    pub fn records(&self) -> impl Iterator<Item = Record> + 'a {
        self.records.chunks_exact(RECORD_LEN).map(Record::read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(k: usize) -> Record {
        Record {
            pair: core::array::from_fn(|c| {
                core::array::from_fn(|y| {
                    core::array::from_fn(|x| ((k + c * 7 + y * 14 + x) % 1021) as f32 / 4.0)
                })
            }),
            target: (k % 2) as u8,
            prediction: ((k / 2) % 2) as u8,
            logits: [k as f32 * 0.5, -1.25],
            classes: [(k % 10) as u8, ((k * 3) % 10) as u8],
        }
    }

    fn file(count: usize, out: &mut [u8]) -> usize {
        let norm = PixelStandardise {
            mean: 33.0,
            std: 80.5,
        };
        write_header(
            (&mut out[..HEADER_LEN]).try_into().unwrap(),
            count as u32,
            norm,
        );
        for k in 0..count {
            let at = HEADER_LEN + k * RECORD_LEN;
            record(k).write((&mut out[at..at + RECORD_LEN]).try_into().unwrap());
        }
        HEADER_LEN + count * RECORD_LEN
    }

    #[test]
    fn written_records_read_back_exactly() {
        let mut bytes = [0u8; HEADER_LEN + 3 * RECORD_LEN];
        let len = file(3, &mut bytes);
        let parsed = PairsFile::parse(&bytes[..len]).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            parsed.norm,
            PixelStandardise {
                mean: 33.0,
                std: 80.5
            }
        );
        for (k, r) in parsed.records().enumerate() {
            assert_eq!(r, record(k));
        }
    }

    #[test]
    fn every_malformation_is_a_typed_error() {
        let mut bytes = [0u8; HEADER_LEN + 2 * RECORD_LEN];
        let len = file(2, &mut bytes);
        assert_eq!(
            PairsFile::parse(&bytes[..10]).unwrap_err(),
            PairsFileError::TooShort { actual: 10 }
        );
        assert!(matches!(
            PairsFile::parse(&bytes[..len - 1]),
            Err(PairsFileError::Length { .. })
        ));
        let mut bad = bytes;
        bad[0] = b'x';
        assert!(matches!(
            PairsFile::parse(&bad),
            Err(PairsFileError::BadMagic(_))
        ));
        let mut bad = bytes;
        bad[field::STD].copy_from_slice(&0.0f32.to_le_bytes());
        assert_eq!(
            PairsFile::parse(&bad).unwrap_err(),
            PairsFileError::Standardisation
        );
        let mut bad = bytes;
        bad[HEADER_LEN + RECORD_LEN + field::TARGET] = 2;
        assert_eq!(
            PairsFile::parse(&bad).unwrap_err(),
            PairsFileError::Record { index: 1 }
        );
        let mut bad = bytes;
        bad[HEADER_LEN + field::CLASSES.start + 1] = 10;
        assert_eq!(
            PairsFile::parse(&bad).unwrap_err(),
            PairsFileError::Record { index: 0 }
        );
        let mut bad = bytes;
        bad[field::COUNT].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            PairsFile::parse(&bad),
            Err(PairsFileError::Length { .. })
        ));
    }
}
