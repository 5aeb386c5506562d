//! A small SVG chart: one x axis (time), one y axis, series of points or
//! steps, a legend. Written by hand (no plotting dependency); the output is
//! plain SVG 1.1 that browsers and rsvg render alike.

use std::fmt::Write as _;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A dot per point.
    Dots,
    /// A cross per point (stands out over dots).
    Crosses,
    /// A staircase through the points (a value holding until the next).
    Steps,
}

/// One series.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

/// A chart.
#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

const W: f64 = 1000.0;
const H: f64 = 600.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 110.0;

/// Tick step of about `span / 8`, rounded to 1, 2 or 5 times a power of ten.
fn step(span: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / 8.0;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let f = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    f * p
}

fn range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    (lo, hi)
}

fn label(v: f64, step: f64) -> String {
    let digits = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.digits$}")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Chart {
    /// The SVG document.
    pub fn render(&self) -> String {
        let (x0, x1) = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
        );
        let (mut y0, y1) = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1)),
        );
        if y0 > 0.0 && y0 < (y1 - y0) * 0.2 {
            y0 = 0.0; // start at zero when it costs little room
        }
        let (xs, ys) = (step(x1 - x0), step(y1 - y0));
        let (x0, x1) = ((x0 / xs).floor() * xs, (x1 / xs).ceil() * xs);
        let (y0, y1) = ((y0 / ys).floor() * ys, (y1 / ys).ceil() * ys);
        let pw = W - LEFT - RIGHT;
        let ph = H - TOP - BOTTOM;
        let px = |x: f64| LEFT + (x - x0) / (x1 - x0) * pw;
        let py = |y: f64| TOP + ph - (y - y0) / (y1 - y0) * ph;
        let mut o = String::new();
        let _ = writeln!(
            o,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">"##
        );
        let _ = writeln!(o, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##);
        let _ = writeln!(
            o,
            r##"<text x="{LEFT}" y="28" font-size="18" font-weight="bold" fill="#222">{}</text>"##,
            esc(&self.title)
        );
        let _ = writeln!(
            o,
            r##"<text x="{LEFT}" y="50" fill="#555">{}</text>"##,
            esc(&self.subtitle)
        );
        // Grid and ticks.
        let mut x = x0;
        while x <= x1 + xs * 1e-9 {
            let gx = px(x);
            let _ = writeln!(
                o,
                r##"<line x1="{gx:.1}" y1="{TOP}" x2="{gx:.1}" y2="{:.1}" stroke="#e6e6e6"/><text x="{gx:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text>"##,
                TOP + ph,
                TOP + ph + 18.0,
                label(x, xs)
            );
            x += xs;
        }
        let mut y = y0;
        while y <= y1 + ys * 1e-9 {
            let gy = py(y);
            let _ = writeln!(
                o,
                r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{:.1}" y2="{gy:.1}" stroke="#e6e6e6"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#333">{}</text>"##,
                LEFT + pw,
                LEFT - 8.0,
                gy + 4.0,
                label(y, ys)
            );
            y += ys;
        }
        let _ = writeln!(
            o,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>"##
        );
        let _ = writeln!(
            o,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#222">{}</text>"##,
            LEFT + pw / 2.0,
            TOP + ph + 42.0,
            esc(&self.x_label)
        );
        let _ = writeln!(
            o,
            r##"<text transform="translate(22,{:.1}) rotate(-90)" text-anchor="middle" fill="#222">{}</text>"##,
            TOP + ph / 2.0,
            esc(&self.y_label)
        );
        // Series, clipped to the plot area.
        let _ = writeln!(
            o,
            r##"<clipPath id="plot"><rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}"/></clipPath><g clip-path="url(#plot)">"##
        );
        for s in &self.series {
            match s.style {
                Style::Dots => {
                    let _ = write!(o, r##"<g fill="{}">"##, s.color);
                    for &(x, y) in &s.points {
                        let _ = write!(
                            o,
                            r##"<circle cx="{:.1}" cy="{:.1}" r="2.2"/>"##,
                            px(x),
                            py(y)
                        );
                    }
                    o.push_str("</g>\n");
                }
                Style::Crosses => {
                    let _ = write!(o, r##"<g stroke="{}" stroke-width="2">"##, s.color);
                    for &(x, y) in &s.points {
                        let (gx, gy) = (px(x), py(y));
                        let _ = write!(
                            o,
                            r##"<path d="M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}"/>"##,
                            gx - 4.0,
                            gy - 4.0,
                            gx + 4.0,
                            gy + 4.0,
                            gx - 4.0,
                            gy + 4.0,
                            gx + 4.0,
                            gy - 4.0
                        );
                    }
                    o.push_str("</g>\n");
                }
                Style::Steps => {
                    if s.points.is_empty() {
                        continue;
                    }
                    let mut d = String::new();
                    let mut last: Option<(f64, f64)> = None;
                    for &(x, y) in &s.points {
                        let (gx, gy) = (px(x), py(y));
                        match last {
                            None => {
                                let _ = write!(d, "M{gx:.1} {gy:.1}");
                            }
                            Some((_, ly)) => {
                                let _ = write!(d, "L{gx:.1} {ly:.1}L{gx:.1} {gy:.1}");
                            }
                        }
                        last = Some((gx, gy));
                    }
                    let _ = writeln!(
                        o,
                        r##"<path d="{d}" fill="none" stroke="{}" stroke-width="1.6"/>"##,
                        s.color
                    );
                }
            }
        }
        o.push_str("</g>\n");
        // Legend, below the axis label.
        let mut lx = LEFT;
        let ly = H - 30.0;
        for s in self.series.iter().filter(|s| !s.points.is_empty()) {
            let mark = match s.style {
                Style::Dots => format!(
                    r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}"/>"##,
                    lx + 8.0,
                    ly - 4.0,
                    s.color
                ),
                Style::Crosses => format!(
                    r##"<path d="M{:.1} {:.1}l8 8m0 -8l-8 8" stroke="{}" stroke-width="2"/>"##,
                    lx + 4.0,
                    ly - 8.0,
                    s.color
                ),
                Style::Steps => format!(
                    r##"<line x1="{lx:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2"/>"##,
                    ly - 4.0,
                    lx + 16.0,
                    ly - 4.0,
                    s.color
                ),
            };
            let text = format!("{} ({})", s.name, s.points.len());
            let _ = writeln!(
                o,
                r##"{mark}<text x="{:.1}" y="{ly:.1}" fill="#222">{}</text>"##,
                lx + 22.0,
                esc(&text)
            );
            lx += 30.0 + 7.5 * text.chars().count() as f64;
        }
        // Axes alone would read as a plot of nothing measured as zero.
        if self.is_empty() {
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="16" fill="#555">nothing to draw: the capture has no such point for this direction</text>"##,
                LEFT + (W - LEFT - RIGHT) / 2.0,
                TOP + (H - TOP - BOTTOM) / 2.0
            );
        }
        o.push_str("</svg>\n");
        o
    }

    /// Whether no series has a point.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart of one series.
    fn chart(title: &str, style: Style, points: Vec<(f64, f64)>) -> Chart {
        Chart {
            title: title.into(),
            subtitle: String::new(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "s".into(),
                color: "#1f77b4",
                style,
                points,
            }],
        }
    }

    #[test]
    fn an_empty_chart_says_so() {
        let c = chart("t", Style::Dots, Vec::new());
        assert!(c.is_empty());
        let svg = c.render();
        assert!(svg.contains("nothing to draw") && svg.ends_with("</svg>\n"));
    }

    #[test]
    fn ticks_are_round_and_the_document_is_closed() {
        assert_eq!(step(10.0), 1.0);
        assert_eq!(step(0.35), 0.05);
        assert_eq!(step(3000.0), 500.0);
        let c = chart("t <&>", Style::Steps, vec![(0.0, 1.0), (1.0, 2.0)]);
        assert!(!c.is_empty());
        let svg = c.render();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("t &lt;&amp;&gt;"));
        assert!(!svg.contains("nothing to draw"));
    }
}
