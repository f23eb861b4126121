// A network whose shapes chain, with an optimiser of the right size: compiles and runs.
use minidl::{Batch, Linear, Module, Optimizer, Relu, Seq, Sgd, SgdConfig, Zeroable};

type Net = Seq![Linear<2, 8, 4>, Relu<Batch<4, 8>>, Linear<8, 1, 4>];

fn main() {
    let mut net = Net::zeroed();
    let mut optimizer = Sgd::<{ <Net as Module>::PARAMS }>::new(SgdConfig::plain(0.1));
    net.forward(&[[1.0, 2.0]; 4]);
    net.backward(&[[1.0, 2.0]; 4], &[[1.0]; 4], None);
    optimizer.step(&mut net);
}
