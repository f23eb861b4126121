//! The plots of a run, each drawn twice with plotters: SVG (sharp, for the web) and PNG
//! (for viewers that do not show SVG). PNG text uses the DejaVu Sans font shipped in
//! `host/assets/`, so nothing depends on the system's fonts.

use crate::results::{ArchResult, ProjectResults, RoundResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

mod p1;
mod p2;
mod sweep;

use p1::{GradNorms, LearningCurves, TestErrorBars};
use p2::{Disk, Loss};

type Drawn = Result<(), Box<dyn std::error::Error>>;

const FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
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

/// The legend every plot draws: the series' labels in a framed box at `position`.
fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Drawn
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", font_size))
        .draw()?;
    Ok(())
}

/// A tick label of a logarithmic axis: two significant digits, no float noise
/// (`0.6000000000000001` is `0.6`).
fn log_tick(v: &f64) -> String {
    if *v <= 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (1 - v.log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A legend entry: a short thick line of `color`.
fn legend_line(color: RGBAColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
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
        for arch in &p1.results {
            let plot = GradNorms(arch);
            if plot.curves().iter().any(|(_, c)| !c.is_empty()) {
                let name = grad_norms_plot(&arch.arch);
                render(dir, &name, SIZE, &plot)?;
                names.push(name);
            }
        }
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

/// Draws a sweep's plot to `dir/name.svg` and `.png`.
pub fn draw_sweep(
    dir: &Path,
    name: &str,
    sweep: &crate::sweep::SweepResult,
    log_axis: bool,
) -> Result<(), String> {
    render(dir, name, SIZE, &sweep::SweepPlot { sweep, log_axis })
}

/// The name of the gradient-norm plot of architecture `arch` (without extension).
pub fn grad_norms_plot(arch: &str) -> String {
    format!("p1_grad_norms_{arch}")
}

/// Picks one per-epoch series out of a round.
pub(super) type Series = fn(&RoundResult) -> &[f32];

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

#[cfg(test)]
mod tests {
    #[test]
    fn log_ticks_have_two_significant_digits_and_no_float_noise() {
        let ticks = [
            0.6000000000000001,
            0.00030000000000000003,
            2.0,
            25.0,
            0.016,
            0.0,
        ];
        let text: Vec<String> = ticks.iter().map(super::log_tick).collect();
        assert_eq!(text, ["0.6", "0.0003", "2", "25", "0.016", "0"]);
    }
}
