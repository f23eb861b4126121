// A reshape must keep the number of elements.
fn main() {
    let x = [[0.0f32; 3]; 2];
    let _y: &[f32; 5] = minidl::reshape(&x);
}
