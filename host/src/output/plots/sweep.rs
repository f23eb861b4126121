//! `host sweep`'s plot: validation (and training) error against the parameter's value.

use super::{draw_legend, legend_line, log_tick, Drawn, Plot};
use crate::sweep::SweepResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Mean validation error ± one standard deviation per value, the training error beside it;
/// a logarithmic value axis for rates and weights (evenly spaced values when one is 0).
pub(super) struct SweepPlot<'a> {
    pub(super) sweep: &'a SweepResult,
    pub(super) log_axis: bool,
}

/// Where a value sits on the horizontal axis.
#[derive(Clone, Copy)]
enum Axis {
    /// At its value.
    Value,
    /// At its position in the sweep (a geometric grid that includes 0).
    Position,
}

impl SweepPlot<'_> {
    fn draw_on<DB: DrawingBackend, X>(
        &self,
        root: &DrawingArea<DB, Shift>,
        (x_range, axis): (X, Axis),
        top: f64,
    ) -> Drawn
    where
        DB::ErrorType: 'static,
        X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
        X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
    {
        let sweep = self.sweep;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{}: error against {} ({} rounds, {})",
                    sweep.arch,
                    sweep.param,
                    sweep.rounds,
                    match sweep.folds {
                        Some(k) => format!("{k}-fold"),
                        None => "hold-out".into(),
                    }
                ),
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x_range, 0f64..top)?;
        let x_desc = match axis {
            Axis::Value => sweep.param.clone(),
            Axis::Position => format!("{} (evenly spaced; values at the points)", sweep.param),
        };
        chart
            .configure_mesh()
            .x_labels(match axis {
                Axis::Value => 10,
                Axis::Position => 0,
            })
            .x_label_formatter(&log_tick)
            .x_desc(x_desc)
            .y_desc("error (%)")
            .axis_desc_style(("sans-serif", 16))
            .draw()?;
        let x = |i: usize, value: f64| match axis {
            Axis::Value => value,
            Axis::Position => i as f64,
        };
        let finite = || {
            sweep
                .points
                .iter()
                .enumerate()
                .filter(|(_, p)| p.validation_error_mean.is_finite())
                .map(move |(i, p)| (x(i, p.value), p))
        };
        let validation = RGBColor(31, 119, 180);
        let train = RGBColor(255, 127, 14);
        chart
            .draw_series(LineSeries::new(
                finite().map(|(x, p)| (x, 100.0 * p.validation_error_mean)),
                validation.stroke_width(2),
            ))?
            .label("validation error (mean ± sd)")
            .legend(legend_line(validation.to_rgba()));
        chart.draw_series(finite().map(|(x, p)| {
            let (m, s) = (
                100.0 * p.validation_error_mean,
                100.0 * p.validation_error_std,
            );
            let s = if s.is_finite() { s } else { 0.0 };
            ErrorBar::new_vertical(x, m - s, m, m + s, validation.filled(), 8)
        }))?;
        // Each value written at its point (a log axis labels only some decades).
        chart.draw_series(finite().map(|(x, p)| {
            let y = 100.0 * (p.validation_error_mean - p.validation_error_std.max(0.0));
            Text::new(
                format!("{}", p.value),
                (x, (y - 0.04 * top).max(0.02 * top)),
                ("sans-serif", 14).into_font().color(&BLACK),
            )
        }))?;
        chart
            .draw_series(LineSeries::new(
                finite().map(|(x, p)| (x, 100.0 * p.train_error_mean)),
                train.stroke_width(2),
            ))?
            .label("training error")
            .legend(legend_line(train.to_rgba()));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)
    }
}

impl Plot for SweepPlot<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let values: Vec<f64> = self.sweep.points.iter().map(|p| p.value).collect();
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        let top = self
            .sweep
            .points
            .iter()
            .map(|p| p.validation_error_mean + p.validation_error_std.max(0.0))
            .filter(|v| v.is_finite())
            .fold(0.05f64, f64::max)
            * 100.0
            * 1.1;
        let spread_over_decades =
            values.iter().any(|&v| v > 0.0) && high / low.max(f64::MIN_POSITIVE) >= 20.0;
        if self.log_axis {
            self.draw_on(
                root,
                ((low / 1.5..high * 1.5).log_scale(), Axis::Value),
                top,
            )
        } else if low == 0.0 && spread_over_decades && values.len() > 2 {
            let n = values.len() as f64;
            self.draw_on(root, (-0.5..n - 0.5, Axis::Position), top)
        } else {
            let pad = if high > low {
                (high - low) * 0.08
            } else {
                high.abs().max(1.0) * 0.1
            };
            self.draw_on(root, (low - pad..high + pad, Axis::Value), top)
        }
    }
}
