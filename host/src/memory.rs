//! Memory: what the core needs for a model, from its types, and what the process used.

/// Bytes the core needs to train one model, from the types alone (no allocation happens
/// during training, so this is exact for the model's own state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ModelMemory {
    /// The trainable parameters.
    pub parameters: usize,
    /// Their gradients.
    pub gradients: usize,
    /// The optimiser's state (momentum or Adam's two moments).
    pub optimizer: usize,
    /// Everything else the model keeps at its batch size: layer outputs, the gradients
    /// between layers, pooling winners, dropout masks, transposed weights.
    pub activations: usize,
    /// The sum of the above.
    pub total: usize,
}

impl ModelMemory {
    /// The memory of a model of type `M` trained by an optimiser of type `O`.
    pub const fn of<M: minidl::Module, O>() -> Self {
        let parameters = M::PARAMS * std::mem::size_of::<f32>();
        let model = std::mem::size_of::<M>();
        let optimizer = std::mem::size_of::<O>();
        Self {
            parameters,
            gradients: parameters,
            optimizer,
            activations: model - 2 * parameters,
            total: model + optimizer,
        }
    }
}

/// The peak resident memory of this process so far (`VmHWM`), where the system reports it.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Has the allocator give every large block back to the system when it is freed (glibc
/// on Linux; elsewhere this does nothing). Call it once, before any thread starts.
///
/// Every round allocates its network, optimiser state and input afresh (megabytes, aligned
/// to 64 bytes since the layers start on cache lines) and frees them when it ends. By
/// default glibc raises its threshold for giving blocks their own mapping to the largest
/// block freed so far, after which blocks that size come from the heap, where the aligned
/// ones left gaps the heap could not return. Measured on AMD EPYC Zen 3, peak resident
/// memory of the default run at `--rounds 4`: 105.5 MiB before the layers were aligned,
/// 148.6 after; `p1 --rounds 4 --epochs 1 --threads 1` 93.4 and 109.4, and 93.4 with the
/// threshold fixed at glibc's initial 128 KiB, which this sets.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// glibc's parameter number for the mapping threshold (`malloc.h`).
        const M_MMAP_THRESHOLD: i32 = -3;
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: `mallopt` only sets an allocator parameter; glibc takes its lock.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        }
    }
}

/// `bytes` in KiB or MiB, whichever reads better.
pub fn human(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
