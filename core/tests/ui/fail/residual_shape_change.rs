// A skip connection needs the branch's output to have its input's shape: 3 -> 2 does not
// compile inside `Residual`.
use minidl::{Linear, Residual, Zeroable};

fn main() {
    let _block = Residual::<Linear<3, 2, 1>>::zeroed();
}
