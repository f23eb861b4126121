//! Any bytes: loading them into a small network either fails with a typed error and leaves
//! the network unchanged, or succeeds and saving gives back exactly the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use minidl::io::model_file;
use minidl::{Batch, BatchNorm1d, Linear, Relu, Seq, Tensor, Zeroable};

type Net = Seq![Linear<3, 4, 2>, BatchNorm1d<2, 4>, Relu<Batch<2, 4>>, Linear<4, 2, 2>];

fuzz_target!(|bytes: &[u8]| {
    let mut net = Net::zeroed();
    match model_file::load(&mut net, bytes) {
        Err(_) => {
            assert!(
                net.first.weight.flat().iter().all(|&w| w == 0.0),
                "a rejected file changed the network"
            );
        }
        Ok(()) => {
            let mut out = vec![0u8; model_file::encoded_len(&mut net)];
            model_file::save(&mut net, &mut out).unwrap();
            assert_eq!(
                &out[..],
                bytes,
                "a loaded file saves back to the same bytes"
            );
        }
    }
});
