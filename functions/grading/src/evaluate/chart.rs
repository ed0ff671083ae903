//! The chart: rolling MAE (top panel) and rolling hit rate (bottom panel) per
//! system over the evaluated dates, as a PNG.
//!
//! Drawn by hand on an RGB buffer and encoded with the `png` crate: no font stack
//! (plotters' text needs a TTF renderer and a bundled font, a much longer build on
//! shared cores), so the chart carries no text. Its legend (system → colour) and
//! axes are written into the report's JSON (`chart`), and the legend's colour
//! swatches are drawn top-right in the same order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use chrono::NaiveDate;

use crate::evaluate::report::{BREAK_EVEN, ChartInfo, EvaluationReport, LegendEntry};

const WIDTH: u32 = 960;
const PANEL_HEIGHT: u32 = 300;
const HEIGHT: u32 = PANEL_HEIGHT * 2;
const MARGIN: u32 = 30;
const PALETTE: &[[u8; 3]] = &[
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];
const GRID: [u8; 3] = [225, 225, 225];
const AXIS: [u8; 3] = [90, 90, 90];
const BREAK_EVEN_COLOR: [u8; 3] = [200, 0, 0];

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new() -> Self {
        Canvas {
            pixels: vec![255; (WIDTH * HEIGHT * 3) as usize],
        }
    }

    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x < 0 || y < 0 || x >= i64::from(WIDTH) || y >= i64::from(HEIGHT) {
            return;
        }
        let i = ((y as u32 * WIDTH + x as u32) * 3) as usize;
        self.pixels[i..i + 3].copy_from_slice(&c);
    }

    /// Bresenham, `thick` pixels wide (vertically).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3], thick: i64) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            for t in 0..thick {
                self.set(x, y + t, c);
            }
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    fn hline(&mut self, y: i64, c: [u8; 3], dashed: bool) {
        for x in i64::from(MARGIN)..i64::from(WIDTH - MARGIN) {
            if !dashed || (x / 6) % 2 == 0 {
                self.set(x, y, c);
            }
        }
    }

    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, c);
            }
        }
    }
}

/// One panel: maps (date index, value) into its box.
struct Panel {
    top: u32,
    lo: f64,
    hi: f64,
    n: usize,
}

impl Panel {
    fn point(&self, i: usize, v: f64) -> (i64, i64) {
        let w = f64::from(WIDTH - 2 * MARGIN);
        let h = f64::from(PANEL_HEIGHT - 2 * MARGIN);
        let x = f64::from(MARGIN)
            + if self.n > 1 {
                w * i as f64 / (self.n - 1) as f64
            } else {
                0.0
            };
        let frac = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        let y = f64::from(self.top + PANEL_HEIGHT - MARGIN) - h * frac;
        (x.round() as i64, y.round() as i64)
    }

    fn y(&self, v: f64) -> i64 {
        self.point(0, v).1
    }
}

/// Renders the report's rolling series to `path`.
pub fn render(report: &EvaluationReport, path: &Path) -> anyhow::Result<ChartInfo> {
    let dates: Vec<NaiveDate> = {
        let mut d: Vec<NaiveDate> = report.series.iter().map(|p| p.date).collect();
        d.sort();
        d.dedup();
        d
    };
    let index: BTreeMap<NaiveDate, usize> = dates.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let max_mae = report
        .series
        .iter()
        .filter_map(|p| p.rolling_mae)
        .fold(1.0_f64, f64::max);
    let mae_hi = (max_mae / 2.0).ceil() * 2.0;
    let panels = [
        Panel {
            top: 0,
            lo: 0.0,
            hi: mae_hi,
            n: dates.len(),
        },
        Panel {
            top: PANEL_HEIGHT,
            lo: 0.0,
            hi: 1.0,
            n: dates.len(),
        },
    ];
    let mut canvas = Canvas::new();
    // Grid: every 2 points of MAE; hit rate every 10 %, break-even dashed red.
    let mut v = 0.0;
    while v <= mae_hi {
        canvas.hline(panels[0].y(v), GRID, false);
        v += 2.0;
    }
    for tenth in 0..=10 {
        canvas.hline(panels[1].y(f64::from(tenth) / 10.0), GRID, false);
    }
    canvas.hline(panels[1].y(BREAK_EVEN), BREAK_EVEN_COLOR, true);
    for p in &panels {
        canvas.hline(p.y(p.lo), AXIS, false);
        let (x, _) = p.point(0, p.lo);
        canvas.line((x, p.y(p.hi)), (x, p.y(p.lo)), AXIS, 1);
    }
    let systems: Vec<String> = report.systems.iter().map(|s| s.system_id.clone()).collect();
    let mut legend = Vec::new();
    for (k, system) in systems.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        legend.push(LegendEntry {
            system_id: system.clone(),
            color: format!("#{:02x}{:02x}{:02x}", color[0], color[1], color[2]),
        });
        let series: Vec<_> = report.series.iter().filter(|p| &p.system_id == system).collect();
        for (panel, value) in [
            (
                &panels[0],
                (|p: &crate::evaluate::report::SeriesPoint| p.rolling_mae) as fn(&_) -> _,
            ),
            (&panels[1], |p: &crate::evaluate::report::SeriesPoint| {
                p.rolling_hit_rate
            }),
        ] {
            let mut prev: Option<(i64, i64)> = None;
            for p in &series {
                let Some(v) = value(p) else {
                    prev = None;
                    continue;
                };
                let here = panel.point(index[&p.date], v);
                canvas.line(prev.unwrap_or(here), here, color, 2);
                prev = Some(here);
            }
        }
        // Legend swatch, top-right, in legend order.
        let x = i64::from(WIDTH - MARGIN) - 24;
        canvas.rect(x, 6 + 10 * k as i64, 20, 6, color);
    }
    let file = BufWriter::new(File::create(path)?);
    let mut encoder = png::Encoder::new(file, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&canvas.pixels)?;
    writer.finish()?;
    Ok(ChartInfo {
        path: path.display().to_string(),
        legend,
        panels: vec![
            format!(
                "top: rolling MAE ({}-date window), y 0..{mae_hi} points, gridlines every 2",
                report_window(report)
            ),
            "bottom: rolling hit rate on actionable picks, y 0..100%, gridlines every 10%, dashed red = 52.4% break-even"
                .into(),
            format!(
                "x: {} evaluated dates, {} .. {}",
                dates.len(),
                dates.first().map(ToString::to_string).unwrap_or_default(),
                dates.last().map(ToString::to_string).unwrap_or_default()
            ),
        ],
    })
}

fn report_window(report: &EvaluationReport) -> String {
    report.rolling_window.to_string()
}
