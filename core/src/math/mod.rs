//! Elementary functions written so that the compiler can vectorise loops over them (no
//! calls, no data-dependent branches; `exp` hands the rare values outside its range, a
//! block at a time, to `libm::expf`), one file per function, each with its method and a
//! maximum error (for `exp`, `libm::expf`'s bits) checked by its tests.

pub mod exp;
pub mod sqrt;
pub mod tanh;
