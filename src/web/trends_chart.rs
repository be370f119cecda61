//! The trend chart: a [`Trend`] laid out as an SVG line chart (axes, ticks, one coloured line
//! per query) for `templates/trends.html`.
//!
//! This file owns the chart's geometry and labels only: plain numbers and strings, which the
//! template escapes. It must never produce markup or run a search.

use crate::search::trends::{Period, Trend};

/// A tick on an axis: position and label.
pub struct Tick {
    /// Position in SVG units.
    pub at: f64,
    /// Text.
    pub label: String,
}

/// One series in the chart.
pub struct Line {
    /// The query.
    pub label: String,
    /// Stroke colour.
    pub color: &'static str,
    /// `x,y x,y …` for `<polyline points>`.
    pub points: String,
    /// Each point, for the markers.
    pub dots: Vec<(f64, f64)>,
    /// Sum over all periods.
    pub total: u64,
}

/// Geometry and content of the SVG chart.
pub struct Chart {
    /// SVG width.
    pub width: f64,
    /// SVG height.
    pub height: f64,
    /// Left edge of the plot area.
    pub left: f64,
    /// Right edge of the plot area.
    pub right: f64,
    /// Top edge of the plot area.
    pub top: f64,
    /// Bottom edge of the plot area (the x axis).
    pub bottom: f64,
    /// Value ticks.
    pub y_ticks: Vec<Tick>,
    /// Period ticks.
    pub x_ticks: Vec<Tick>,
    /// The series.
    pub lines: Vec<Line>,
    /// Accessible description.
    pub description: String,
}

const PALETTE: [&str; 8] = [
    "#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b",
];

impl Chart {
    /// Lays out `trend` as a line chart.
    pub fn new(trend: &Trend) -> Chart {
        let (width, height) = (640.0, 300.0);
        let (left, right, top, bottom) = (52.0, 612.0, 16.0, 250.0);
        let n = trend.periods.len();
        let max = trend
            .series
            .iter()
            .flat_map(|s| s.counts.iter().copied())
            .max()
            .unwrap_or(0);
        let top_value = nice_ceiling(max);
        let x = |i: usize| {
            if n <= 1 {
                (left + right) / 2.0
            } else {
                left + (right - left) * i as f64 / (n - 1) as f64
            }
        };
        let y = |v: u64| bottom - (bottom - top) * v as f64 / top_value as f64;
        let y_ticks = (0..=4)
            .map(|k| {
                let v = top_value * k / 4;
                Tick {
                    at: round1(y(v)),
                    label: v.to_string(),
                }
            })
            .collect();
        let step = n.div_ceil(10).max(1);
        let x_ticks = (0..n)
            .step_by(step)
            .map(|i| Tick {
                at: round1(x(i)),
                label: trend.period.label(trend.periods[i]),
            })
            .collect();
        let lines = trend
            .series
            .iter()
            .zip(PALETTE.iter().cycle())
            .map(|(s, color)| {
                let dots: Vec<(f64, f64)> = s
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (round1(x(i)), round1(y(*v))))
                    .collect();
                Line {
                    label: s.label.clone(),
                    color,
                    points: dots
                        .iter()
                        .map(|(x, y)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    dots: if n <= 60 { dots } else { Vec::new() },
                    total: s.counts.iter().sum(),
                }
            })
            .collect();
        let description = format!(
            "Artikel pro {} für {}",
            if trend.period == Period::Week {
                "Woche"
            } else {
                "Monat"
            },
            trend
                .series
                .iter()
                .map(|s| s.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        Chart {
            width,
            height,
            left,
            right,
            top,
            bottom,
            y_ticks,
            x_ticks,
            lines,
            description,
        }
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The smallest of 4, 8, 20, 40, 80, 200, … (a multiple of 4 so the ticks are whole) ≥ `max`.
fn nice_ceiling(max: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [4, 8, 20] {
            let v = base.saturating_mul(m);
            if v >= max {
                return v;
            }
        }
        base = base.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceiling_has_whole_quarter_ticks() {
        for (max, want) in [
            (0, 4),
            (3, 4),
            (5, 8),
            (9, 20),
            (21, 40),
            (150, 200),
            (801, 2000),
        ] {
            assert_eq!(nice_ceiling(max), want, "{max}");
            assert_eq!(nice_ceiling(max) % 4, 0);
        }
    }
}
