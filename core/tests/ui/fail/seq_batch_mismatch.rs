// Layers built for different batch sizes cannot be chained.
use minidl::{Linear, Seq, Zeroable};

type Net = Seq![Linear<2, 8, 4>, Linear<8, 1, 5>];

fn main() {
    let _net = Net::zeroed();
}
