//! Trains the Project 2 network for a few steps on a bare Cortex-M: no allocator, no
//! runtime crate, every buffer in `.bss`. If `minidl` used `alloc` anywhere, this would not
//! link ("no global memory allocator found").
#![no_std]
#![no_main]

use core::mem::MaybeUninit;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro128PlusPlus;
use minidl::{init::unit, zeroed_in_place, Batch, Init, Linear, Module, MseLoss, Optimizer, Seq};
use minidl::{Sgd, SgdConfig, Tanh};

const B: usize = 10;
type Net = Seq![
    Linear<2, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 2, B>,
];

static mut NET: MaybeUninit<Net> = MaybeUninit::uninit();
static mut OPTIMIZER: MaybeUninit<Sgd<{ <Net as Module>::PARAMS }>> = MaybeUninit::uninit();

fn train() -> f32 {
    // SAFETY: single-threaded firmware; these are the only references to the statics.
    let (net, optimizer) = unsafe { (&mut *(&raw mut NET), &mut *(&raw mut OPTIMIZER)) };
    let net = zeroed_in_place(net);
    let optimizer = zeroed_in_place(optimizer);
    optimizer.reset(SgdConfig { lr: 0.05, momentum: 0.9, weight_decay: 0.0 });
    let mut rng = Xoshiro128PlusPlus::seed_from_u64(0);
    net.init(Init::XavierUniform, &mut rng);
    let mut loss = MseLoss::<Batch<B, 2>>::new();
    let (mut input, mut target) = ([[0.0f32; 2]; B], [[0.0f32; 2]; B]);
    let mut last = 0.0;
    for _ in 0..100 {
        for (x, t) in input.iter_mut().zip(&mut target) {
            *x = [unit(&mut rng), unit(&mut rng)];
            let (dx, dy) = (x[0] - 0.5, x[1] - 0.5);
            let inside = dx * dx + dy * dy < 1.0 / (2.0 * core::f32::consts::PI);
            *t = if inside { [0.0, 1.0] } else { [1.0, 0.0] };
        }
        net.zero_grad();
        let out = net.forward(&input);
        last = loss.forward(out, &target);
        net.backward(&input, loss.grad(), None);
        optimizer.step(net);
    }
    last
}

/// Entry point: sets up `.data` and `.bss` as a C runtime would, then trains.
#[no_mangle]
pub unsafe extern "C" fn reset() -> ! {
    extern "C" {
        static mut __data_start: u32;
        static mut __data_end: u32;
        static __data_load: u32;
        static mut __bss_start: u32;
        static mut __bss_end: u32;
    }
    let mut bss = &raw mut __bss_start;
    while bss < &raw mut __bss_end {
        bss.write_volatile(0);
        bss = bss.add(1);
    }
    let (mut data, mut load) = (&raw mut __data_start, &raw const __data_load);
    while data < &raw mut __data_end {
        data.write_volatile(load.read());
        data = data.add(1);
        load = load.add(1);
    }
    let loss = train();
    core::hint::black_box(loss);
    loop {}
}

#[link_section = ".vector_table.reset"]
#[no_mangle]
pub static RESET_VECTOR: unsafe extern "C" fn() -> ! = reset;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
