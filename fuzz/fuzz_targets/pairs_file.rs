//! Any bytes: parsing them as a pairs file either fails with a typed error, or succeeds and
//! every record reads back and re-encodes to exactly its bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use projects::p1::pairs_file::{PairsFile, HEADER_LEN, RECORD_LEN};

fuzz_target!(|bytes: &[u8]| {
    let Ok(file) = PairsFile::parse(bytes) else {
        return;
    };
    assert_eq!(bytes.len(), HEADER_LEN + file.len() * RECORD_LEN);
    for (k, record) in file.records().enumerate() {
        let mut again = [0u8; RECORD_LEN];
        record.write(&mut again);
        let at = HEADER_LEN + k * RECORD_LEN;
        assert_eq!(&again[..], &bytes[at..at + RECORD_LEN]);
    }
});
