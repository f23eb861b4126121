//! The Project 1 plots: test error per architecture, learning curves.

use super::{draw_legend, legend_line, log_tick, mean_curve, Drawn, Plot, Series};
use crate::results::{ArchResult, RoundResult};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Project 1: test error per architecture, mean with ± one standard deviation.
pub(super) struct TestErrorBars<'a>(pub(super) &'a [ArchResult]);

impl Plot for TestErrorBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let results = self.0;
        let top = results
            .iter()
            .map(|r| 100.0 * (r.test_error_mean + r.test_error_std))
            .filter(|v| v.is_finite())
            .fold(1.0f64, f64::max)
            * 1.2;
        let rounds = results.first().map_or(0, |r| r.rounds.len());
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Project 1: test error, mean ± std over {rounds} rounds"),
                ("sans-serif", 24),
            )
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (0..results.len().saturating_sub(1)).into_segmented(),
                0f64..top,
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(results.len())
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => {
                    results.get(*i).map(|r| r.arch.clone()).unwrap_or_default()
                }
                _ => String::new(),
            })
            .x_label_style(("sans-serif", 16))
            .y_desc("test error (%)")
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        let blue = RGBColor(31, 119, 180);
        for (i, r) in results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.test_error_mean.is_finite())
        {
            let (mean, std) = (100.0 * r.test_error_mean, 100.0 * r.test_error_std);
            let x = SegmentValue::CenterOf(i);
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), mean),
                ],
                blue.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                x.clone(),
                (mean - std).max(0.0),
                mean,
                mean + std,
                BLACK.stroke_width(2),
                16,
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{mean:.2}"),
                (x, mean + std + top * 0.02),
                ("sans-serif", 16).into_font().color(&BLACK),
            )))?;
        }
        Ok(())
    }
}

/// Project 1: mean train and test error per epoch, one line per architecture.
pub(super) struct LearningCurves<'a>(pub(super) &'a [ArchResult]);

impl Plot for LearningCurves<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let (width, _) = root.dim_in_pixel();
        let (left, right) = root.split_horizontally(width / 2);
        let panels: [(&DrawingArea<DB, Shift>, &str, Series); 2] = [
            (&left, "training error (running, while training)", |r| {
                &r.epoch_train_error
            }),
            (&right, "test error (first 100 test pairs)", |r| {
                &r.epoch_test_error
            }),
        ];
        for (area, title, series) in panels {
            let curves: Vec<(String, Vec<f64>)> = self
                .0
                .iter()
                .map(|a| (a.arch.clone(), mean_curve(a, series)))
                .collect();
            let epochs = curves
                .iter()
                .map(|(_, c)| c.len())
                .max()
                .unwrap_or(1)
                .max(2);
            let top = curves
                .iter()
                .flat_map(|(_, c)| c.iter())
                .fold(0.05f64, |m, &v| m.max(v))
                * 100.0
                * 1.05;
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 20))
                .margin(15)
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d(1f64..epochs as f64, 0f64..top)?;
            chart
                .configure_mesh()
                .x_desc("epoch")
                .y_desc("error (%)")
                .axis_desc_style(("sans-serif", 16))
                .draw()?;
            for (i, (name, curve)) in curves.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                let points = curve
                    .iter()
                    .enumerate()
                    .map(|(e, &v)| ((e + 1) as f64, 100.0 * v));
                chart
                    .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                    .label(name.clone())
                    .legend(legend_line(color));
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
        }
        Ok(())
    }
}

/// Project 1, one architecture: the mean (over rounds) L2 norm of each weight tensor's
/// gradient per epoch, one line per layer, log scale (the student project's plot).
pub(super) struct GradNorms<'a>(pub(super) &'a ArchResult);

impl GradNorms<'_> {
    /// `(layer name, mean norm per epoch)` of every weight tensor (biases left out).
    pub(super) fn curves(&self) -> Vec<(String, Vec<f64>)> {
        let arch = self.0;
        let rounds: Vec<&RoundResult> = arch
            .rounds
            .iter()
            .filter(|r| r.diverged_at.is_none() && !r.grad_norms.is_empty())
            .collect();
        let epochs = rounds.iter().map(|r| r.grad_norms.len()).min().unwrap_or(0);
        arch.grad_norm_names
            .iter()
            .enumerate()
            .filter(|(_, name)| name.ends_with("weight"))
            .map(|(t, name)| {
                let curve = (0..epochs)
                    .map(|e| {
                        let sum: f64 = rounds.iter().map(|r| r.grad_norms[e][t] as f64).sum();
                        sum / rounds.len() as f64
                    })
                    .collect();
                (name.trim_end_matches(".weight").to_string(), curve)
            })
            .collect()
    }
}

impl Plot for GradNorms<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let curves = self.curves();
        let epochs = curves
            .iter()
            .map(|(_, c)| c.len())
            .max()
            .unwrap_or(1)
            .max(2);
        let positive = || {
            curves
                .iter()
                .flat_map(|(_, c)| c)
                .copied()
                .filter(|&v| v > 0.0)
        };
        // The axis is log10 of the norm, labelled with the norm: even ticks at any range
        // (plotters' own log scale leaves some decades unlabelled).
        let low = positive()
            .fold(f64::INFINITY, f64::min)
            .min(1.0)
            .log10()
            .floor();
        let high = positive().fold(0.0, f64::max).log10().max(low + 1.0) + 0.15;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{}: gradient L2 norm per layer (mean over the epoch's batches and the rounds)",
                    self.0.arch
                ),
                ("sans-serif", 18),
            )
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..epochs as f64, low..high)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("gradient norm (log)")
            .y_label_formatter(&|y| log_tick(&10f64.powf(*y)))
            .axis_desc_style(("sans-serif", 16))
            .draw()?;
        for (i, (name, curve)) in curves.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let points = curve
                .iter()
                .enumerate()
                .filter(|(_, &v)| v > 0.0)
                .map(|(e, &v)| ((e + 1) as f64, v.log10()));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))?
                .label(format!("layer {name}"))
                .legend(legend_line(color));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}
