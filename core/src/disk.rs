//! The data of Project 2, shared by the host and the microcontroller firmware so that the
//! same seed draws the same points on both: points uniform in `[0,1]^2`, label 1 inside the
//! disk of radius `1/sqrt(2 pi)` centred at `(0.5, 0.5)` (area 1/2, balanced classes).

use crate::init::unit;
use rand_core::Rng;

/// Centre of the disk (both coordinates).
pub const CENTRE: f32 = 0.5;
/// Squared radius of the disk, `1 / (2 pi)`.
pub const RADIUS_SQUARED: f32 = 1.0 / (2.0 * core::f32::consts::PI);

/// A point uniform in `[0, 1)^2`.
pub fn sample_point<R: Rng + ?Sized>(rng: &mut R) -> [f32; 2] {
    [unit(rng), unit(rng)]
}

/// 1 inside the disk, 0 outside.
pub fn label(point: [f32; 2]) -> usize {
    let (dx, dy) = (point[0] - CENTRE, point[1] - CENTRE);
    usize::from(dx * dx + dy * dy < RADIUS_SQUARED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_has_area_one_half() {
        assert!((core::f32::consts::PI * RADIUS_SQUARED - 0.5).abs() < 1e-7);
        assert_eq!(label([0.5, 0.5]), 1);
        assert_eq!(label([0.0, 0.0]), 0);
        let r = RADIUS_SQUARED.sqrt();
        assert_eq!(label([0.5 + 0.99 * r, 0.5]), 1);
        assert_eq!(label([0.5, 0.5 - 1.01 * r]), 0);
    }
}
