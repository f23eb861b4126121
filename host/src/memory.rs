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

/// `bytes` in KiB or MiB, whichever reads better.
pub fn human(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
