//! A minimal runtime for Cortex-M4F firmware: the vector table, a reset handler that sets up
//! memory and the FPU, and the semihosting calls a debugger or QEMU answers (console output
//! and exit status).
//!
//! A firmware crate links this crate, provides `memory.x` (its board's FLASH and RAM
//! regions) and defines `#[no_mangle] extern "C" fn firmware_main() -> u32`, whose return
//! value becomes the exit status. There is no heap: nothing here or in `minidl` allocates.
#![no_std]

use core::fmt::{self, Write};

/// Semihosting operation: write a NUL-terminated string to the host's console.
const SYS_WRITE0: u32 = 0x04;
/// Semihosting operation: stop the program with a reason code.
const SYS_EXIT: u32 = 0x18;
/// `SYS_EXIT` reason for a normal exit (QEMU then exits with status 0).
const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x2_0026;
/// `SYS_EXIT` reason for a failure (QEMU then exits with status 1).
const ADP_STOPPED_RUN_TIME_ERROR: u32 = 0x2_0023;
/// Coprocessor Access Control Register: bits 20-23 grant access to the FPU (CP10, CP11).
const CPACR: *mut u32 = 0xE000_ED88 as *mut u32;

/// One semihosting call: `bkpt 0xAB` with the operation in r0 and its argument in r1.
fn semihosting(operation: u32, argument: usize) -> u32 {
    #[cfg(target_arch = "arm")]
    {
        let result: u32;
        // SAFETY: the breakpoint is answered by the debugger/emulator, which reads r0/r1 and
        // the memory r1 points to, and returns in r0.
        unsafe {
            core::arch::asm!("bkpt #0xab", inout("r0") operation => result, in("r1") argument, options(nostack));
        }
        result
    }
    #[cfg(not(target_arch = "arm"))]
    {
        let _ = (operation, argument);
        0
    }
}

/// The host's console, through semihosting.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // SYS_WRITE0 wants a NUL-terminated string: send the text in chunks through a buffer.
        let mut buffer = [0u8; 129];
        for chunk in text.as_bytes().chunks(128) {
            buffer[..chunk.len()].copy_from_slice(chunk);
            buffer[chunk.len()] = 0;
            semihosting(SYS_WRITE0, buffer.as_ptr() as usize);
        }
        Ok(())
    }
}

/// Prints to the host's console, like `std::println!`.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let _ = writeln!($crate::Console, $($arg)*);
    }};
}

/// Prints the final line of a training firmware, `train error X.XX%, test error Y.YY%`,
/// and a verdict; returns the exit status: 0 iff the test error is at most `target`.
pub fn verdict(train_error: f32, test_error: f32, target: f32) -> u32 {
    println!(
        "train error {:.2}%, test error {:.2}%",
        100.0 * train_error,
        100.0 * test_error
    );
    if test_error <= target {
        println!("PASS: test error <= {:.0}%", 100.0 * target);
        0
    } else {
        println!("FAIL: test error above {:.0}%", 100.0 * target);
        1
    }
}

/// Ends the program: status 0 means success, anything else failure (QEMU exits with 1).
pub fn exit(status: u32) -> ! {
    let reason = if status == 0 {
        ADP_STOPPED_APPLICATION_EXIT
    } else {
        ADP_STOPPED_RUN_TIME_ERROR
    };
    loop {
        semihosting(SYS_EXIT, reason as usize);
    }
}

extern "C" {
    /// Provided by the firmware crate; its return value is the exit status.
    fn firmware_main() -> u32;
    static mut __data_start: u32;
    static mut __data_end: u32;
    static __data_load: u32;
    static mut __bss_start: u32;
    static mut __bss_end: u32;
    static mut __stack_bottom: u32;
    static mut _stack_top: u32;
}

/// Written over the stack at reset, so that [`stack_used`] can tell how deep it went.
const STACK_PAINT: u32 = 0x5A5A_5A5A;
/// The top of the stack that reset itself may be using while it paints.
const RESET_FRAME: usize = 256;

/// The deepest the stack has been since reset, in bytes: the painted words (see
/// [`reset`]) that were overwritten.
pub fn stack_used() -> usize {
    // SAFETY: reads of the stack region below the current frame (painted words the
    // program no longer uses, or words it used); the linker script defines both symbols.
    unsafe {
        let (bottom, top) = (&raw const __stack_bottom, &raw const _stack_top);
        let mut word = bottom;
        while word < top && word.read_volatile() == STACK_PAINT {
            word = word.add(1);
        }
        top as usize - word as usize
    }
}

/// Entry point after reset: paint the stack, zero `.bss`, copy `.data` from flash, enable
/// the FPU, run.
///
/// # Safety
/// Only the hardware calls this, once, with the stack pointer from the vector table.
#[no_mangle]
pub unsafe extern "C" fn reset() -> ! {
    unsafe {
        // Paint the stack below reset's own frame (see `stack_used`).
        let mut word = &raw mut __stack_bottom;
        let painted_top = (&raw mut _stack_top).byte_sub(RESET_FRAME);
        while word < painted_top {
            word.write_volatile(STACK_PAINT);
            word = word.add(1);
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
        // Full access to CP10 and CP11 (the FPU), then make sure it is on before any float
        // instruction runs.
        CPACR.write_volatile(CPACR.read_volatile() | (0xF << 20));
        #[cfg(target_arch = "arm")]
        core::arch::asm!("dsb", "isb", options(nostack, preserves_flags));
        exit(firmware_main())
    }
}

/// Any other exception: a fault in the firmware. Report it and fail.
unsafe extern "C" fn fault() -> ! {
    println!("firmware fault (hard fault or another exception)");
    exit(2)
}

/// SysTick's control and status register: bit 0 enables the counter, bit 1 its interrupt
/// on every wrap, bit 2 selects the processor clock.
const SYST_CSR: *mut u32 = 0xE000_E010 as *mut u32;
/// SysTick's reload value: the counter counts down from it to 0, then reloads.
const SYST_RVR: *mut u32 = 0xE000_E014 as *mut u32;
/// SysTick's current value.
const SYST_CVR: *mut u32 = 0xE000_E018 as *mut u32;
/// The counter is 24 bits wide.
const SYST_RELOAD: u32 = 0x00FF_FFFF;

/// Wraps of the SysTick counter since [`clock::start`], counted by its interrupt.
static WRAPS: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0);

/// The SysTick interrupt: one more wrap of the 24-bit counter.
unsafe extern "C" fn systick() {
    WRAPS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

/// The processor's clock as SysTick sees it, extended to 64 bits by counting its wraps.
///
/// QEMU models no cycles, but run with `-icount shift=0` its virtual clock advances one
/// nanosecond per instruction executed, and SysTick ticks at the board's clock frequency
/// of that virtual time. [`clock::instructions_per_tick`] measures the ratio with a loop
/// of known length, so [`clock::instructions`] turns a tick count into instructions on
/// any board. Without `-icount` the ticks follow the host's real time and mean nothing.
pub mod clock {
    use super::*;

    /// Starts the counter from its reload value, with its wrap interrupt.
    pub fn start() {
        // SAFETY: SysTick's registers exist on every Cortex-M4; nothing else uses them.
        unsafe {
            SYST_CSR.write_volatile(0);
            SYST_RVR.write_volatile(SYST_RELOAD);
            SYST_CVR.write_volatile(0);
            SYST_CSR.write_volatile(0b111);
            // The counter reads 0 until its first tick loads the reload value.
            while SYST_CVR.read_volatile() == 0 {}
        }
        WRAPS.store(0, core::sync::atomic::Ordering::Relaxed);
    }

    /// Ticks since [`start`].
    pub fn ticks() -> u64 {
        loop {
            let before = WRAPS.load(core::sync::atomic::Ordering::Relaxed);
            // SAFETY: a read of SysTick's current value.
            let value = unsafe { SYST_CVR.read_volatile() } & SYST_RELOAD;
            if WRAPS.load(core::sync::atomic::Ordering::Relaxed) == before {
                return before as u64 * (SYST_RELOAD as u64 + 1) + (SYST_RELOAD - value) as u64;
            }
        }
    }

    /// Instructions per tick, measured: a loop of `2 x 2^22` instructions (a subtract and
    /// a branch per iteration), timed in ticks.
    pub fn instructions_per_tick() -> f64 {
        const ITERATIONS: u32 = 1 << 22;
        let start = ticks();
        #[cfg(target_arch = "arm")]
        // SAFETY: a register-only loop.
        unsafe {
            core::arch::asm!(
                "2:",
                "subs {n}, {n}, #1",
                "bne 2b",
                n = inout(reg) ITERATIONS => _,
                options(nostack, nomem),
            );
        }
        let elapsed = (ticks() - start).max(1);
        (2 * ITERATIONS) as f64 / elapsed as f64
    }

    /// `ticks` as instructions, at `per_tick` instructions a tick.
    pub fn instructions(ticks: u64, per_tick: f64) -> u64 {
        (ticks as f64 * per_tick + 0.5) as u64
    }
}

/// An entry of the vector table: a handler that returns (an interrupt) or one that never
/// does (reset, faults).
#[derive(Clone, Copy)]
pub union Vector {
    returns: unsafe extern "C" fn(),
    diverges: unsafe extern "C" fn() -> !,
}

/// The vector table after the initial stack pointer (which the linker script writes):
/// reset, then NMI, HardFault, MemManage, BusFault, UsageFault, four reserved, SVCall,
/// DebugMonitor, one reserved, PendSV, SysTick.
#[link_section = ".vector_table.exceptions"]
#[no_mangle]
#[used]
pub static EXCEPTIONS: [Vector; 15] = {
    let mut table = [Vector { diverges: fault }; 15];
    table[0] = Vector { diverges: reset };
    table[14] = Vector { returns: systick };
    table
};

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("firmware panicked: {info}");
    exit(101)
}
