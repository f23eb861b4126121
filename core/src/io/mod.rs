//! Bytes in and out, parsed from and written to slices (no files, no allocation): the MNIST
//! file format ([`idx`]) and the model file that carries a trained network between host and
//! device ([`model_file`]). Both parsers have fuzz targets in `fuzz/`. [`names`] gives
//! every tensor of a network the name and layout PyTorch gives it, for files PyTorch reads.

pub mod idx;
pub mod model_file;
pub mod names;
