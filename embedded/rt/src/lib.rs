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
}

/// Entry point after reset: zero `.bss`, copy `.data` from flash, enable the FPU, run.
///
/// # Safety
/// Only the hardware calls this, once, with the stack pointer from the vector table.
#[no_mangle]
pub unsafe extern "C" fn reset() -> ! {
    unsafe {
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

/// The vector table after the initial stack pointer (which the linker script writes):
/// reset, then NMI, HardFault, MemManage, BusFault, UsageFault, four reserved, SVCall,
/// DebugMonitor, one reserved, PendSV, SysTick.
#[link_section = ".vector_table.exceptions"]
#[no_mangle]
#[used]
pub static EXCEPTIONS: [unsafe extern "C" fn() -> !; 15] = [
    reset, fault, fault, fault, fault, fault, fault, fault, fault, fault, fault, fault, fault,
    fault, fault,
];

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("firmware panicked: {info}");
    exit(101)
}
