//! Charts as inline SVG, drawn on the server: no chart library, no script. Each chart is an
//! `<svg role="img">` with a title and description for screen readers, and the teams page
//! puts the numbers beside it in a table. Colours come from CSS classes (`c0`…`c7`, and one
//! per job state), so the stylesheet decides contrast.

use super::html::escape;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One series of a chart: a name (legend), a CSS class (colour) and one value per label.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) class: String,
    pub(crate) values: Vec<Option<f64>>,
}

/// A "nice" axis maximum at or above `max`: 1, 2, 4 or 5 times a power of ten.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 4.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= max * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// How many grid steps divide `0..=max` (from [`nice_max`]) into round numbers: quarters of
/// 2 and 4, fifths of 1 and 5.
fn divisions(max: f64) -> u32 {
    let leading = (max / 10f64.powf(max.log10().floor())).round();
    if leading == 2.0 || leading == 4.0 {
        4
    } else {
        5
    }
}

fn open(title: &str, description: &str, id: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         preserveAspectRatio=\"xMidYMid meet\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(description)
    )
}

/// Horizontal grid lines and y labels for `0..=max`, and x labels under the plot.
fn axes(max: f64, labels: &[String], unit: &str) -> String {
    let mut out = String::new();
    let plot_h = HEIGHT - TOP - BOTTOM;
    let steps = divisions(max);
    for i in 0..=steps {
        let share = f64::from(i) / f64::from(steps);
        let value = max * share;
        let y = TOP + plot_h - plot_h * share;
        out.push_str(&format!(
            "<line class=\"gridline\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"axis\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}{unit}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            format_value(value)
        ));
    }
    let step = slot(labels.len());
    // At most about eight labels, so they never overlap.
    let every = labels.len().div_ceil(8).max(1);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = LEFT + step * (i as f64 + 0.5);
        out.push_str(&format!(
            "<text class=\"axis\" x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            HEIGHT - 8.0,
            escape(label)
        ));
    }
    out
}

fn slot(count: usize) -> f64 {
    (WIDTH - LEFT - RIGHT) / count.max(1) as f64
}

fn format_value(value: f64) -> String {
    if value >= 10.0 || value == value.trunc() {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Stacked bars: one bar per label, one segment per series.
pub(crate) fn stacked_bars(id: &str, title: &str, labels: &[String], series: &[Series]) -> String {
    let totals: Vec<f64> = (0..labels.len())
        .map(|i| {
            series
                .iter()
                .filter_map(|s| s.values.get(i).copied().flatten())
                .sum()
        })
        .collect();
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = slot(labels.len());
    let mut out = open(
        title,
        &format!("Stacked bars over {} days", labels.len()),
        id,
    );
    out.push_str(&axes(max, labels, ""));
    for (i, label) in labels.iter().enumerate() {
        let mut base = TOP + plot_h;
        for s in series {
            let Some(value) = s.values.get(i).copied().flatten().filter(|v| *v > 0.0) else {
                continue;
            };
            let h = plot_h * value / max;
            base -= h;
            out.push_str(&format!(
                "<rect class=\"{}\" x=\"{:.1}\" y=\"{base:.1}\" width=\"{:.1}\" height=\"{h:.1}\">\
                 <title>{}: {} {}</title></rect>",
                s.class,
                LEFT + step * i as f64 + step * 0.15,
                step * 0.7,
                escape(label),
                format_value(value),
                escape(&s.name)
            ));
        }
    }
    out.push_str("</svg>");
    out.push_str(&legend(series));
    out
}

/// Lines, one per series; a missing value breaks the line.
pub(crate) fn lines(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    max: f64,
) -> String {
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = slot(labels.len());
    let mut out = open(
        title,
        &format!("{} lines over {} days", series.len(), labels.len()),
        id,
    );
    out.push_str(&axes(max, labels, ""));
    for s in series {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in s.values.iter().enumerate() {
            let Some(value) = value else {
                pen_down = false;
                continue;
            };
            let x = LEFT + step * (i as f64 + 0.5);
            let y = TOP + plot_h - plot_h * value.min(max) / max;
            path.push_str(&format!(
                "{}{x:.1},{y:.1} ",
                if pen_down { "L" } else { "M" }
            ));
            pen_down = true;
            out.push_str(&format!(
                "<circle class=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\"><title>{} {}: {}</title></circle>",
                s.class,
                escape(&s.name),
                escape(&labels[i]),
                format_value(*value)
            ));
        }
        if !path.is_empty() {
            out.push_str(&format!(
                "<path class=\"line {}\" d=\"{}\"/>",
                s.class,
                path.trim_end()
            ));
        }
    }
    out.push_str("</svg>");
    out.push_str(&legend(series));
    out
}

/// Horizontal bars, one per row, labelled on the left, value at the end.
pub(crate) fn hbars(id: &str, title: &str, rows: &[(String, f64, String)], unit: &str) -> String {
    let row_h = 26.0;
    let height = TOP + row_h * rows.len().max(1) as f64 + 4.0;
    let label_w = 190.0;
    let max = nice_max(rows.iter().map(|r| r.1).fold(0.0, f64::max));
    let bar_w = WIDTH - label_w - 70.0;
    let mut out = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-t\">\
         <title id=\"{id}-t\">{}</title>",
        escape(title)
    );
    for (i, (label, value, class)) in rows.iter().enumerate() {
        let y = TOP + row_h * i as f64;
        let w = (bar_w * value / max).max(1.0);
        let short: String = label.chars().take(28).collect();
        out.push_str(&format!(
            "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{class}\" x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\"><title>{}: {}{unit}</title></rect>\
             <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\">{}{unit}</text>",
            label_w - 8.0,
            y + 15.0,
            escape(&short),
            row_h - 8.0,
            escape(label),
            format_value(*value),
            label_w + w + 6.0,
            y + 15.0,
            format_value(*value)
        ));
    }
    out.push_str("</svg>");
    out
}

fn legend(series: &[Series]) -> String {
    let items = series
        .iter()
        .map(|s| {
            format!(
                "<li><svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect class=\"{}\" width=\"12\" height=\"12\"/></svg> {}</li>",
                s.class,
                escape(&s.name)
            )
        })
        .collect::<String>();
    format!("<ul class=\"legend\">{items}</ul>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(240.0), 400.0);
        assert_eq!(nice_max(450.0), 500.0);
        assert_eq!(nice_max(100.0), 100.0);
        assert_eq!(nice_max(3.0), 4.0);
        for (max, steps) in [(1.0, 5), (4.0, 4), (5.0, 5), (20.0, 4), (100.0, 5)] {
            assert_eq!(divisions(max), steps, "{max}");
        }
    }

    #[test]
    fn labels_and_names_are_escaped_in_svg() {
        let series = [Series {
            name: "<b>svc</b>".into(),
            class: "c0".into(),
            values: vec![Some(2.0), None],
        }];
        let svg = stacked_bars("x", "t", &["a&b".into(), "c".into()], &series);
        assert!(svg.contains("&lt;b&gt;svc&lt;/b&gt;") && svg.contains("a&amp;b"));
        assert_eq!(svg.matches("<rect class=\"c0\" x=").count(), 1);
        let line = lines("y", "t", &["d1".into(), "d2".into()], &series, 100.0);
        assert!(line.contains("d=\"M"));
    }
}
