//! The Project 2 plots: the test points of a round, and the training loss.

use super::{draw_legend, mean_curve, Drawn, Plot};
use crate::results::{ArchResult, RoundResult};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Project 2: the test points of one round coloured by predicted class, mistakes
/// circled, and the true boundary.
pub(super) struct Disk<'a>(pub(super) &'a RoundResult);

impl Plot for Disk<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let round = self.0;
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Project 2: test points by predicted class (seed {})",
                    round.seed
                ),
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
        chart.configure_mesh().disable_mesh().draw()?;
        let inside = RGBColor(31, 119, 180);
        let outside = RGBColor(255, 127, 14);
        for (class, color, name) in [
            (1, inside, "predicted inside"),
            (0, outside, "predicted outside"),
        ] {
            let points = round.test_predictions.iter().filter(|(_, p)| *p == class);
            chart
                .draw_series(
                    points.map(|(x, _)| Circle::new((x[0] as f64, x[1] as f64), 3, color.filled())),
                )?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        let mistakes = round
            .test_predictions
            .iter()
            .filter(|(x, p)| projects::p2::label(*x) != *p);
        chart
            .draw_series(
                mistakes.map(|(x, _)| {
                    Circle::new((x[0] as f64, x[1] as f64), 7, BLACK.stroke_width(2))
                }),
            )?
            .label("misclassified")
            .legend(|(x, y)| Circle::new((x + 10, y), 6, BLACK.stroke_width(2)));
        let radius = (projects::p2::RADIUS_SQUARED as f64).sqrt();
        let circle = (0..=200).map(|k| {
            let t = std::f64::consts::TAU * k as f64 / 200.0;
            (0.5 + radius * t.cos(), 0.5 + radius * t.sin())
        });
        chart
            .draw_series(LineSeries::new(circle, BLACK.stroke_width(2)))?
            .label("true boundary")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 14)
    }
}

/// Project 2: training loss per epoch, mean over rounds, log scale.
pub(super) struct Loss<'a>(pub(super) &'a ArchResult);

impl Plot for Loss<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        let curve = mean_curve(self.0, |r| &r.epoch_losses);
        let epochs = curve.len().max(2);
        let low = curve
            .iter()
            .cloned()
            .fold(f64::INFINITY, f64::min)
            .max(1e-6)
            * 0.8;
        let high = curve.iter().cloned().fold(0.0, f64::max).max(low * 10.0) * 1.25;
        let rounds = self
            .0
            .rounds
            .iter()
            .filter(|r| r.diverged_at.is_none())
            .count();
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Project 2: training loss (MSE) per epoch, mean over {rounds} rounds"),
                ("sans-serif", 22),
            )
            .margin(20)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(1f64..epochs as f64, (low..high).log_scale())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .y_labels(8)
            .light_line_style(WHITE)
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .axis_desc_style(("sans-serif", 16))
            .draw()?;
        let points = curve.iter().enumerate().map(|(e, &v)| ((e + 1) as f64, v));
        chart.draw_series(LineSeries::new(
            points,
            RGBColor(31, 119, 180).stroke_width(2),
        ))?;
        Ok(())
    }
}
