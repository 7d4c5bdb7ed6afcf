//! Charts drawn on the server as inline SVG (no script): a share against its target, a small
//! trend, and a figure's values over the years with a target line per act. The numbers drawn
//! are the figure's own (`Figure::value_bp`, the basis points the API's value is written
//! from); every SVG has a text alternative, and the pages print the same numbers as a table.

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
    let escaped = escape(label);
    format!(
        r#"<svg class="trend" width="{TREND_WIDTH}" height="{TREND_HEIGHT}" viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" role="img" aria-label="{escaped}"><title>{escaped}</title><path d="{}" fill="none" stroke-width="1.5"/>{dots}</svg>"#,
        path.trim_end()
    )
}

/// Width of a chart over the years, px.
const YEARS_WIDTH: u32 = 640;
/// Height of a chart over the years, px.
const YEARS_HEIGHT: u32 = 260;
/// Margins of a chart over the years: left (the axis labels), right (the acts' labels), top,
/// bottom (the years), px.
const YEARS_MARGINS: (u32, u32, u32, u32) = (64, 96, 12, 28);
/// Target lines drawn, at most (each its own dash pattern).
pub const TARGET_LINES_MAX: usize = 6;
const DASHES: [&str; TARGET_LINES_MAX] = ["6 3", "2 3", "10 3 2 3", "1 2", "12 4", "4 2 1 2"];

/// One act's target over the years: its label on the chart (`A1`…), the years it was in force
/// with its value in basis points.
pub struct TargetLine {
    /// Short label drawn at the line's end (the page's legend names the act).
    pub label: String,
    /// (year, basis points) where the act's target was in force.
    pub points: Vec<(i32, u32)>,
}

/// A figure's values by year (`values`: year and basis points, none when undefined) with a
/// dashed line per act's target (conflicting acts both drawn, each labelled at its end);
/// `axis` writes a value in basis points as the axis shows it; `label` is the text
/// alternative.
pub fn years(
    values: &[(i32, Option<u32>)],
    targets: &[TargetLine],
    axis: &dyn Fn(u32) -> String,
    label: &str,
) -> String {
    let (left, right, top, bottom) = YEARS_MARGINS;
    let plot_width = YEARS_WIDTH - left - right;
    let plot_height = YEARS_HEIGHT - top - bottom;
    let highest = values
        .iter()
        .filter_map(|(_, value)| *value)
        .chain(targets.iter().flat_map(|line| line.points.iter().map(|(_, bp)| *bp)))
        .max()
        .unwrap_or(0)
        .max(1);
    // Headroom of a tenth above the highest value, so a target line never sits on the frame.
    let top_value = u64::from(highest) + u64::from(highest) / 10;
    let first_year = values.first().map_or(0, |(year, _)| *year);
    let count = u32::try_from(values.len()).unwrap_or(1).max(2);
    let x_of = |year: i32| {
        let index = u32::try_from(year.saturating_sub(first_year)).unwrap_or(0);
        left + index * plot_width / (count - 1)
    };
    let y_of = |bp: u32| {
        let scaled = u64::from(bp) * u64::from(plot_height) / top_value.max(1);
        top + plot_height - u32::try_from(scaled).unwrap_or(plot_height).min(plot_height)
    };
    let escaped = escape(label);
    let mut out = format!(
        r#"<svg class="years" width="{YEARS_WIDTH}" height="{YEARS_HEIGHT}" viewBox="0 0 {YEARS_WIDTH} {YEARS_HEIGHT}" role="img" aria-label="{escaped}"><title>{escaped}</title>"#
    );
    for step in 0..=4u64 {
        let bp = u32::try_from(top_value * step / 4).unwrap_or(u32::MAX);
        let y = y_of(bp);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{left}" y1="{y}" x2="{}" y2="{y}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
            left + plot_width,
            left - 6,
            y + 4,
            escape(&axis(bp))
        );
    }
    for (year, _) in values {
        let _ = write!(
            out,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{year}</text>"#,
            x_of(*year),
            YEARS_HEIGHT - 6
        );
    }
    for (line, dash) in targets.iter().zip(DASHES) {
        let Some(&(last_year, last_bp)) = line.points.last() else { continue };
        let mut path = String::new();
        for (year, bp) in &line.points {
            let _ = write!(
                path,
                "{}{},{} ",
                if path.is_empty() { "M" } else { "L" },
                x_of(*year),
                y_of(*bp)
            );
        }
        if line.points.len() == 1 {
            // A target of one year is drawn as a short level mark around that year.
            let _ = write!(
                path,
                "M{},{} L{},{}",
                x_of(last_year).saturating_sub(12),
                y_of(last_bp),
                x_of(last_year) + 12,
                y_of(last_bp)
            );
        }
        let _ = write!(
            out,
            r#"<path class="target" d="{}" fill="none" stroke-dasharray="{dash}" stroke-width="2"/><text class="target-label" x="{}" y="{}">{}</text>"#,
            path.trim_end(),
            x_of(last_year) + 16,
            y_of(last_bp) + 4,
            escape(&line.label)
        );
    }
    let mut path = String::new();
    let mut dots = String::new();
    for (year, value) in values {
        let Some(bp) = value else {
            // An undefined year breaks the line.
            path.push(' ');
            continue;
        };
        let (x, y) = (x_of(*year), y_of(*bp));
        let pen = if path.is_empty() || path.ends_with(' ') { "M" } else { "L" };
        let _ = write!(path, "{pen}{x},{y}");
        let _ = write!(dots, r#"<circle class="value" cx="{x}" cy="{y}" r="4"/>"#);
    }
    let _ = write!(
        out,
        r#"<path class="value" d="{}" fill="none" stroke-width="2.5"/>{dots}</svg>"#,
        path.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use crate::web::chart::{share_bar, trend, years, TargetLine};

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

    #[test]
    fn a_chart_over_the_years_draws_each_acts_target_and_breaks_at_undefined_years() {
        let values = [(2022, Some(1_000)), (2023, None), (2024, Some(2_000)), (2025, Some(3_000))];
        let targets = [
            TargetLine { label: "А1".into(), points: vec![(2024, 2_500), (2025, 2_500)] },
            TargetLine { label: "А2".into(), points: vec![(2025, 3_000)] },
        ];
        let svg = years(&values, &targets, &|bp| format!("{} %", bp / 100), "значения");
        // Highest 3000 bp, headroom to 3300: the axis reads 0, 825…3300 bp.
        assert!(svg.contains(">33 %</text>"), "{svg}");
        assert_eq!(svg.matches(r#"class="target""#).count(), 2, "{svg}");
        assert!(svg.contains(">А1</text>") && svg.contains(">А2</text>"), "{svg}");
        // 2023 undefined: the value line starts again at 2024.
        let value_path = svg.split(r#"<path class="value" d=""#).nth(1).unwrap();
        assert_eq!(value_path.split('"').next().unwrap().matches('M').count(), 2, "{svg}");
        assert_eq!(svg.matches(r#"<circle class="value""#).count(), 3);
    }
}
