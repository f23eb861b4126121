// An optimiser sized for 3 parameters cannot step a layer that has 2.
use minidl::{Linear, Optimizer, Sgd, SgdConfig, Zeroable};

fn main() {
    let mut layer = Linear::<1, 1, 1>::zeroed();
    let mut optimizer = Sgd::<3>::new(SgdConfig::plain(0.1));
    optimizer.step(&mut layer);
}
