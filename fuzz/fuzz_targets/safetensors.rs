//! Any bytes as a PyTorch-layout safetensors file (`host --load`): loading them into a small
//! network either fails with a message and leaves the network unchanged, or succeeds, and
//! then saving and loading again gives the same parameters and buffers, bit for bit.
#![no_main]
use host::models::{load_safetensors, safetensors_bytes};
use libfuzzer_sys::fuzz_target;
use minidl::{Batch, BatchNorm1d, Linear, Module, Relu, Seq, Zeroable};

type Net = Seq![Linear<3, 4, 2>, BatchNorm1d<2, 4>, Relu<Batch<2, 4>>, Linear<4, 2, 2>];

fn bits(net: &mut Net) -> Vec<u32> {
    let mut all = Vec::new();
    net.visit_params(&mut |p, _| all.extend(p.iter().map(|v| v.to_bits())));
    net.visit_buffers(&mut |b| all.extend(b.iter().map(|v| v.to_bits())));
    all
}

fuzz_target!(|bytes: &[u8]| {
    let mut net = Net::zeroed();
    match load_safetensors(&mut net, bytes) {
        Err(message) => {
            assert!(!message.is_empty() && !message.contains('\n'), "one line");
            assert!(
                bits(&mut net).iter().all(|&b| b == 0),
                "a rejected file changed the network"
            );
        }
        Ok(()) => {
            let saved = safetensors_bytes(&mut net);
            let mut again = Net::zeroed();
            load_safetensors(&mut again, &saved).expect("a saved file loads");
            assert_eq!(bits(&mut net), bits(&mut again));
        }
    }
});
