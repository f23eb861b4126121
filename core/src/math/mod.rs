//! Elementary functions written so that the compiler can vectorise loops over them (no
//! calls, no data-dependent branches), one file per function, each with its method and a
//! maximum error checked by its tests.

pub mod exp;
pub mod sqrt;
pub mod tanh;
