//! Any bytes: `Idx::parse` returns a typed error or a view whose dimensions multiply to
//! exactly the data length; it never panics or reads out of bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use minidl::io::idx::Idx;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(idx) = Idx::parse(bytes) {
        let product = idx.dims().iter().try_fold(1usize, |p, &d| p.checked_mul(d));
        assert_eq!(product, Some(idx.data.len()));
        assert!(idx.data.len() <= bytes.len());
    }
    for rank in 0..5 {
        if let Ok(idx) = Idx::parse_rank(bytes, rank) {
            assert_eq!(idx.dims().len(), rank as usize);
        }
    }
});
