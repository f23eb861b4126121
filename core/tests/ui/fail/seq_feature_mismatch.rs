// The second layer expects 9 features but the first produces 8.
use minidl::{Batch, Linear, Relu, Seq, Zeroable};

type Net = Seq![Linear<2, 8, 4>, Relu<Batch<4, 9>>];

fn main() {
    let _net = Net::zeroed();
}
