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

#[cfg(test)]
mod tests {
    use crate::web::chart::share_bar;

    #[test]
    fn a_bar_is_as_long_as_its_share_and_marks_the_target() {
        let bar = share_bar(Some(5_000), Some(1_000));
        assert!(bar.contains(r#"class="fill" x="0" y="0" width="60""#), "{bar}");
        assert!(bar.contains(r#"x1="12""#), "{bar}");
        assert_eq!(share_bar(None, Some(1_000)), "");
        assert!(share_bar(Some(20_000), None).contains(r#"width="120" height="10"/></svg>"#));
    }
}
