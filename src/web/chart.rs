//! Charts drawn on the server as inline SVG (no script): a share against its target. The
//! numbers drawn are the figure's own (`Figure::value_bp`, the basis points the API's value is
//! written from); the SVG has a text alternative.

use std::fmt::Write;

/// Width of a share bar, px.
const BAR_WIDTH: u32 = 120;
/// Height of a share bar, px.
const BAR_HEIGHT: u32 = 10;

/// A horizontal bar of a share (0–100 %) with the target as a vertical mark.
pub fn share_bar(value_bp: Option<u32>, target_bp: Option<u32>) -> String {
    let Some(value_bp) = value_bp else { return String::new() };
    let scale = |bp: u32| bp.min(10_000) * BAR_WIDTH / 10_000;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="bar" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" aria-hidden="true" focusable="false"><rect class="track" x="0" y="0" width="{BAR_WIDTH}" height="{BAR_HEIGHT}"/><rect class="fill" x="0" y="0" width="{}" height="{BAR_HEIGHT}"/>"#,
        scale(value_bp)
    );
    if let Some(target_bp) = target_bp {
        let x = scale(target_bp).min(BAR_WIDTH - 1);
        let _ = write!(
            out,
            r#"<line class="target" x1="{x}" y1="0" x2="{x}" y2="{BAR_HEIGHT}" stroke-width="2"/>"#
        );
    }
    out.push_str("</svg>");
    out
}

/// Width of a trend line, px.
const TREND_WIDTH: u32 = 120;
/// Height of a trend line, px.
const TREND_HEIGHT: u32 = 28;

/// A small line of a figure's values by year, `points` in order: (label, basis points or none),
/// scaled to the largest value; `label` (the years and values in words) is its text alternative.
pub fn trend(points: &[Option<u32>], label: &str) -> String {
    let max = points.iter().flatten().copied().max().unwrap_or(0).max(1);
    let count = u32::try_from(points.len()).unwrap_or(1).max(2);
    let step = (TREND_WIDTH - 4) / (count - 1);
    let mut path = String::new();
    let mut dots = String::new();
    for (index, point) in (0u32..).zip(points) {
        let Some(value) = point else { continue };
        let x = 2 + index * step;
        let y = TREND_HEIGHT
            - 3
            - u32::try_from(
                u64::from(*value.min(&max)) * u64::from(TREND_HEIGHT - 6) / u64::from(max),
            )
            .unwrap_or(0);
        let _ = write!(path, "{}{x},{y} ", if path.is_empty() { "M" } else { "L" });
        let _ = write!(dots, r#"<circle cx="{x}" cy="{y}" r="2"/>"#);
    }
    let escaped = label.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    format!(
        r#"<svg class="trend" width="{TREND_WIDTH}" height="{TREND_HEIGHT}" viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" role="img" aria-label="{escaped}"><title>{escaped}</title><path d="{}" fill="none" stroke-width="1.5"/>{dots}</svg>"#,
        path.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use crate::web::chart::{share_bar, trend};

    #[test]
    fn a_trend_rises_with_its_values_and_skips_undefined_years() {
        let line = trend(&[Some(0), None, Some(5_000), Some(10_000)], "динамика");
        assert!(line.contains(r#"d="M2,25 L78,14 L116,3""#), "{line}");
        assert!(line.contains("<title>динамика</title>"));
    }

    #[test]
    fn a_bar_is_as_long_as_its_share_and_marks_the_target() {
        let bar = share_bar(Some(5_000), Some(1_000));
        assert!(bar.contains(r#"class="fill" x="0" y="0" width="60""#), "{bar}");
        assert!(bar.contains(r#"x1="12""#), "{bar}");
        assert_eq!(share_bar(None, Some(1_000)), "");
        assert!(share_bar(Some(20_000), None).contains(r#"width="120" height="10"/></svg>"#));
    }
}
