//! Heap placement of the core's fixed-size values without a stack copy.

use minidl::{zeroed_in_place, Zeroable};

/// A zeroed `T` on the heap, built in place: a network of several megabytes never passes
/// through the stack (a thread's stack is 2 MiB by default).
pub fn boxed_zeroed<T: Zeroable>() -> Box<T> {
    let mut slot = Box::<T>::new_uninit();
    zeroed_in_place(&mut slot);
    // SAFETY: `zeroed_in_place` initialised the slot.
    unsafe { slot.assume_init() }
}
