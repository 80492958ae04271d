//! The cross-section drawn as SVG: ground line, the depth scale, each line as a circle (a pipe)
//! or a rectangle (a box or duct bank) at its offset and depth, its depth of top written beside
//! it. Depths and sizes are drawn to one scale, offsets to another (as survey drawings do); both
//! are printed on the drawing.

use std::fmt::Write as _;

use undermap_core::text::escape_html;

use crate::route::Size;

/// One line as it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn<'a> {
    /// Distance from the cut's start, m.
    pub offset_m: f64,
    /// Depth of its top, m (`None`: drawn at the ground as "depth unknown").
    pub top_m: Option<f64>,
    /// Its size (`None`: a small dashed mark).
    pub size: Option<Size>,
    /// Its layer's colour, `#rrggbb`.
    pub colour: &'a str,
    /// What is written above it (id, size, owner), as the caller words it.
    pub label: String,
}

const WIDTH: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 130.0;
const BOTTOM: f64 = 60.0;

/// Millimetres per pixel at 96 dpi, for the printed scales.
const MM_PER_PX: f64 = 25.4 / 96.0;

fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = span / ticks;
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// The drawing of a cut `length_m` long with `items`, under `title`.
#[must_use]
pub fn svg(length_m: f64, items: &[Drawn<'_>], title: &str) -> String {
    let deepest = items
        .iter()
        .filter_map(|d| Some(d.top_m? + d.size.map_or(0.3, |s| s.height_m)))
        .fold(2.0_f64, f64::max);
    let depth = ((deepest + 0.5) * 2.0).ceil() / 2.0;
    let v = (360.0 / depth).clamp(40.0, 200.0);
    let h = (WIDTH - LEFT - RIGHT) / length_m;
    let height = TOP + depth * v + BOTTOM;
    let x = |m: f64| LEFT + m * h;
    let y = |d: f64| TOP + d * v;
    let mut s = String::with_capacity(4096 + items.len() * 400);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height:.0}" fill="#fff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="#f3ead8"/>"##,
        WIDTH - LEFT - RIGHT,
        depth * v
    );
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="20" font-size="15" font-weight="bold">{}</text>"#,
        escape_html(title)
    );
    // The ground line and the offsets along it.
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{:.1}" y2="{TOP}" stroke="#5a4a2a" stroke-width="2"/>"##,
        x(length_m)
    );
    let step = nice_step(length_m, 8.0);
    let mut m = 0.0;
    while m <= length_m + 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#5a4a2a"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle" fill="#555">{3} m</text>"##,
            x(m),
            TOP + 5.0,
            height - BOTTOM + 18.0,
            trim(m)
        );
        m += step;
    }
    // The depth scale.
    let dstep = if depth > 6.0 { 1.0 } else { 0.5 };
    let mut d = 0.0;
    while d <= depth + 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{1:.1}" x2="{LEFT}" y2="{1:.1}" stroke="#999"/><text x="{2:.1}" y="{3:.1}" text-anchor="end" fill="#555">{4:.1} m</text>"##,
            LEFT - 5.0,
            y(d),
            LEFT - 8.0,
            y(d) + 4.0,
            d
        );
        d += dstep;
    }
    for item in items {
        let cx = x(item.offset_m);
        let colour = item.colour;
        let _ = writeln!(
            s,
            r#"<text transform="translate({cx:.1},{:.1}) rotate(-50)" fill="{colour}">{}</text>"#,
            TOP - 8.0,
            escape_html(&item.label)
        );
        match item.top_m {
            None => {
                let _ = writeln!(
                    s,
                    r#"<line x1="{cx:.1}" y1="{TOP}" x2="{cx:.1}" y2="{:.1}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" fill="{colour}">depth unknown</text>"#,
                    y(0.6),
                    cx + 4.0,
                    y(0.6)
                );
            }
            Some(top) => {
                let (w, hgt, round) = item
                    .size
                    .map_or((0.0, 0.0, true), |z| (z.width_m, z.height_m, z.round));
                let centre = y(top + hgt / 2.0);
                if item.size.is_none() {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{cx:.1}" cy="{:.1}" r="4" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="2 2"/>"#,
                        y(top)
                    );
                } else if round {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{cx:.1}" cy="{centre:.1}" r="{:.1}" fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-width="2"/>"#,
                        (w / 2.0 * v).max(2.0)
                    );
                } else {
                    let _ = writeln!(
                        s,
                        r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-width="2"/>"#,
                        cx - (w * v / 2.0).max(2.0),
                        y(top),
                        (w * v).max(4.0),
                        (hgt * v).max(4.0)
                    );
                }
                let _ = writeln!(
                    s,
                    r##"<line x1="{cx:.1}" y1="{TOP}" x2="{cx:.1}" y2="{:.1}" stroke="#888" stroke-dasharray="1 3"/><text x="{:.1}" y="{:.1}" fill="#222">{top:.2}</text>"##,
                    y(top),
                    cx + (w / 2.0 * v).max(4.0) + 3.0,
                    centre + 4.0
                );
            }
        }
    }
    let scale = |px_per_m: f64| (1000.0 / (px_per_m * MM_PER_PX)).round();
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="{:.1}" fill="#555">offsets 1:{:.0} · depths and sizes 1:{:.0} (at 96 dpi) · depth of top in m</text>"##,
        height - 12.0,
        scale(h),
        scale(v)
    );
    s.push_str("</svg>\n");
    s
}

fn trim(m: f64) -> String {
    if (m - m.round()).abs() < 1e-9 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}
