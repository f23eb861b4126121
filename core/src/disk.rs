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

/// Per-coordinate standardisation with statistics of the training points only: the
/// network sees `(x - mean) / std`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standardise {
    /// Mean of each coordinate.
    pub mean: [f32; 2],
    /// Standard deviation of each coordinate (divides by n).
    pub std: [f32; 2],
}

impl Standardise {
    /// The statistics of `points`.
    pub fn fit(points: &[[f32; 2]]) -> Self {
        let n = points.len() as f32;
        let mut mean = [0.0; 2];
        let mut std = [0.0; 2];
        for k in 0..2 {
            mean[k] = points.iter().map(|p| p[k]).sum::<f32>() / n;
            let squares = points
                .iter()
                .map(|p| (p[k] - mean[k]) * (p[k] - mean[k]))
                .sum::<f32>();
            std[k] = libm::sqrtf(squares / n);
        }
        Self { mean, std }
    }

    /// `point` standardised.
    pub fn apply(&self, point: [f32; 2]) -> [f32; 2] {
        [
            (point[0] - self.mean[0]) / self.std[0],
            (point[1] - self.mean[1]) / self.std[1],
        ]
    }
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

    #[test]
    fn standardised_points_have_zero_mean_and_unit_variance() {
        let points = [[0.0, 1.0], [1.0, 3.0], [2.0, 5.0], [3.0, 7.0]];
        let s = Standardise::fit(&points);
        assert_eq!(s.mean, [1.5, 4.0]);
        let z: [[f32; 2]; 4] = core::array::from_fn(|i| s.apply(points[i]));
        for k in 0..2 {
            let mean: f32 = z.iter().map(|p| p[k]).sum::<f32>() / 4.0;
            let var: f32 = z.iter().map(|p| p[k] * p[k]).sum::<f32>() / 4.0;
            assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
        }
    }
}
