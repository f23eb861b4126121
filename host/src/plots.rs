//! The plots of a run, each drawn twice with plotters: SVG (sharp, for the web) and PNG
//! (for viewers that do not show SVG). PNG text uses the DejaVu Sans font shipped in
//! `host/assets/`, so nothing depends on the system's fonts.

use crate::results::{ArchResult, ProjectResults, RoundResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

type Drawn = Result<(), Box<dyn std::error::Error>>;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const SIZE: (u32, u32) = (900, 560);

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// A plot that can be drawn on any backend.
trait Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

/// Draws `plot` to `dir/name.svg` and `dir/name.png`.
fn render(dir: &Path, name: &str, size: (u32, u32), plot: &impl Plot) -> Result<(), String> {
    register_font();
    let svg = dir.join(format!("{name}.svg"));
    let png = dir.join(format!("{name}.png"));
    let err = |e: Box<dyn std::error::Error>| format!("{name}: {e}");
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        plot.draw(&root).map_err(err)?;
        root.present()
            .map_err(|e| format!("{}: {e}", svg.display()))?;
    }
    let root = BitMapBackend::new(&png, size).into_drawing_area();
    plot.draw(&root).map_err(err)?;
    root.present()
        .map_err(|e| format!("{}: {e}", png.display()))?;
    Ok(())
}

/// Draws every plot the results allow; returns their names (without extension).
pub fn draw_all(
    dir: &Path,
    report: &BTreeMap<&str, ProjectResults>,
) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    if let Some(p1) = report.get("p1") {
        render(dir, "p1_test_error", SIZE, &TestErrorBars(&p1.results))?;
        names.push("p1_test_error".to_string());
        render(
            dir,
            "p1_learning_curves",
            (1100, 520),
            &LearningCurves(&p1.results),
        )?;
        names.push("p1_learning_curves".to_string());
    }
    if let Some(arch) = report.get("p2").and_then(|p| p.results.first()) {
        if let Some(round) = arch.rounds.iter().find(|r| !r.test_predictions.is_empty()) {
            render(dir, "p2_disk", (620, 620), &Disk(round))?;
            names.push("p2_disk".to_string());
        }
        if !mean_curve(arch, |r| &r.epoch_losses).is_empty() {
            render(dir, "p2_loss", SIZE, &Loss(arch))?;
            names.push("p2_loss".to_string());
        }
    }
    Ok(names)
}

/// Project 1: test error per architecture, mean with ± one standard deviation.
struct TestErrorBars<'a>(&'a [ArchResult]);

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

/// Picks one per-epoch series out of a round.
type Series = fn(&RoundResult) -> &[f32];

/// Mean over the rounds that did not diverge of a per-epoch series.
fn mean_curve(arch: &ArchResult, series: Series) -> Vec<f64> {
    let rounds: Vec<&[f32]> = arch
        .rounds
        .iter()
        .filter(|r| r.diverged_at.is_none())
        .map(series)
        .collect();
    let epochs = rounds.iter().map(|s| s.len()).min().unwrap_or(0);
    (0..epochs)
        .map(|e| rounds.iter().map(|s| s[e] as f64).sum::<f64>() / rounds.len() as f64)
        .collect()
}

/// Project 1: mean train and test error per epoch, one line per architecture.
struct LearningCurves<'a>(&'a [ArchResult]);

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
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .label_font(("sans-serif", 15))
                .draw()?;
        }
        Ok(())
    }
}

/// Project 2: the test points of one round coloured by predicted class, mistakes
/// circled, and the true boundary.
struct Disk<'a>(&'a RoundResult);

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
            .filter(|(x, p)| minidl::disk::label(*x) != *p);
        chart
            .draw_series(
                mistakes.map(|(x, _)| {
                    Circle::new((x[0] as f64, x[1] as f64), 7, BLACK.stroke_width(2))
                }),
            )?
            .label("misclassified")
            .legend(|(x, y)| Circle::new((x + 10, y), 6, BLACK.stroke_width(2)));
        let radius = (minidl::disk::RADIUS_SQUARED as f64).sqrt();
        let circle = (0..=200).map(|k| {
            let t = std::f64::consts::TAU * k as f64 / 200.0;
            (0.5 + radius * t.cos(), 0.5 + radius * t.sin())
        });
        chart
            .draw_series(LineSeries::new(circle, BLACK.stroke_width(2)))?
            .label("true boundary")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 14))
            .draw()?;
        Ok(())
    }
}

/// Project 2: training loss per epoch, mean over rounds, log scale.
struct Loss<'a>(&'a ArchResult);

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
