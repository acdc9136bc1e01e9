//! Plots of evaluation results as PNG or SVG (chosen by the file extension): ROC curves with
//! their AUC in the legend, precision-recall curves with their average precision, calibration
//! (reliability) curves against the diagonal of perfect calibration, and a confusion-matrix heat
//! map with the count (or rate) printed in every cell.
//!
//! Each curve plot draws the polyline of its points over the unit square with labelled axes; the ROC
//! plot adds the chance diagonal $\mathrm{TPR} = \mathrm{FPR}$, the PR plot the step curve
//! $(R_j, P_j)$. Text is rendered with the embedded DejaVu Sans font
//! (`assets/DejaVuSans.ttf`, Bitstream Vera license beside it), so plots look the same on a
//! machine without system fonts. $O(\#\text{points})$ drawing.
//! Reference: Fawcett (2006); Niculescu-Mizil & Caruana (2005) for reliability diagrams.
//!
//! ```no_run
//! use breadth_metrics::{curves::roc_curve, plot::plot_roc};
//! use ndarray::array;
//! let roc = roc_curve(array![0, 0, 1, 1].view(), array![0.1, 0.4, 0.35, 0.8].view(), true).unwrap();
//! plot_roc(&[("model", &roc)], std::path::Path::new("roc.png")).unwrap();
//! ```

use std::path::Path;
use std::sync::Once;

use breadth_core::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::classification::{ConfusionMatrix, Normalize};
use crate::curves::{auc, CalibrationCurve, PrCurve, RocCurve};

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The embedded bytes are a valid TrueType font; a failure here is a build defect.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::numerical(format!("plot {}", path.display()), e.to_string())
}

const SIZE: (u32, u32) = (800, 700);
/// matplotlib's tab10 colours, so up to ten series (the digits' classes, the optimizers) stay distinct.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Render `draw` to `path` as PNG or SVG according to its extension.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl Fn(DrawingArea<BitMapBackend<'_>, Shift>) -> std::result::Result<(), String>,
    draw_svg: impl Fn(DrawingArea<SVGBackend<'_>, Shift>) -> std::result::Result<(), String>,
) -> Result<()> {
    register_font();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png") => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(root).map_err(|e| plot_err(path, e))
        }
        Some("svg") => {
            let root = SVGBackend::new(path, size).into_drawing_area();
            draw_svg(root).map_err(|e| plot_err(path, e))
        }
        _ => Err(Error::param(
            "plot",
            format!("{}: the file name must end in .png or .svg", path.display()),
        )),
    }
}

/// One curve of an x-y plot: legend label and points.
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

fn draw_curves<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    diagonal: Option<&str>,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 28))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(65)
        .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(("sans-serif", 22))
        .label_style(("sans-serif", 16))
        .draw()
        .map_err(|x| e(&x))?;
    if let Some(name) = diagonal {
        chart
            .draw_series(LineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                ShapeStyle::from(&RGBColor(150, 150, 150)).stroke_width(1),
            ))
            .map_err(|x| e(&x))?
            .label(name)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 24, y)], RGBColor(150, 150, 150)));
    }
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                color.stroke_width(3),
            ))
            .map_err(|x| e(&x))?
            .label(s.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 20))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

fn curves_to(
    path: &Path,
    title: &str,
    x: &str,
    y: &str,
    series: Vec<Series>,
    diagonal: Option<&str>,
) -> Result<()> {
    render(
        path,
        SIZE,
        |root| draw_curves(root, title, x, y, &series, diagonal),
        |root| draw_curves(root, title, x, y, &series, diagonal),
    )
}

/// ROC curves, one per `(label, curve)`, with "label (AUC = ...)" in the legend.
pub fn plot_roc(curves: &[(&str, &RocCurve)], path: &Path) -> Result<()> {
    let series = curves
        .iter()
        .map(|(label, c)| {
            Ok(Series {
                label: format!("{label} (AUC = {:.3})", auc(c.fpr.view(), c.tpr.view())?),
                points: c.fpr.iter().copied().zip(c.tpr.iter().copied()).collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    curves_to(
        path,
        "ROC curve",
        "False positive rate",
        "True positive rate",
        series,
        Some("chance"),
    )
}

/// Precision-recall curves with "label (AP = ...)" in the legend.
pub fn plot_precision_recall(curves: &[(&str, &PrCurve)], path: &Path) -> Result<()> {
    let series = curves
        .iter()
        .map(|(label, c)| {
            let n = c.recall.len();
            let ap = -(0..n - 1)
                .map(|i| (c.recall[i + 1] - c.recall[i]) * c.precision[i])
                .sum::<f64>();
            // A step curve: precision holds until recall reaches the next point.
            let mut pts = Vec::with_capacity(2 * n);
            for i in (0..n).rev() {
                if let Some(&(_, prev_p)) = pts.last() {
                    pts.push((c.recall[i], prev_p));
                }
                pts.push((c.recall[i], c.precision[i]));
            }
            Series {
                label: format!("{label} (AP = {ap:.3})"),
                points: pts,
            }
        })
        .collect();
    curves_to(
        path,
        "Precision-recall curve",
        "Recall",
        "Precision",
        series,
        None,
    )
}

/// Calibration curves (fraction of positives against mean predicted probability).
pub fn plot_calibration(curves: &[(&str, &CalibrationCurve)], path: &Path) -> Result<()> {
    let series = curves
        .iter()
        .map(|(label, c)| Series {
            label: (*label).to_string(),
            points: c
                .prob_pred
                .iter()
                .copied()
                .zip(c.prob_true.iter().copied())
                .collect(),
        })
        .collect();
    curves_to(
        path,
        "Calibration curve",
        "Mean predicted probability",
        "Fraction of positives",
        series,
        Some("perfectly calibrated"),
    )
}

fn draw_confusion<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    cm: &ConfusionMatrix,
    names: &[String],
    normalize: Option<Normalize>,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let k = cm.labels.len();
    let values = normalize.map_or_else(|| cm.counts.clone(), |n| cm.normalized(n));
    let max = values
        .iter()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let title = match normalize {
        None => "Confusion matrix (counts)",
        Some(Normalize::True) => "Confusion matrix (normalized by true class)",
        Some(Normalize::Pred) => "Confusion matrix (normalized by prediction)",
        Some(Normalize::All) => "Confusion matrix (fraction of all)",
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(110)
        // A segmented range a..b has b - a + 1 segments: 0..k-1 gives one per class.
        .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())
        .map_err(|x| e(&x))?;
    // Segment centres carry the class names; row 0 is drawn at the top, as in a printed matrix.
    let name_at = |v: &SegmentValue<usize>, flip: bool| match v {
        SegmentValue::CenterOf(i) if *i < k => {
            let l = if flip { k - 1 - i } else { *i };
            names.get(l).cloned().unwrap_or_else(|| l.to_string())
        }
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("Predicted label")
        .y_desc("True label")
        .axis_desc_style(("sans-serif", 22))
        .label_style(("sans-serif", 18))
        .x_labels(k + 1)
        .y_labels(k + 1)
        .x_label_formatter(&|v| name_at(v, false))
        .y_label_formatter(&|v| name_at(v, true))
        .draw()
        .map_err(|x| e(&x))?;
    let cells = || (0..k).flat_map(|a| (0..k).map(move |b| (a, b)));
    chart
        .draw_series(cells().map(|(a, b)| {
            let t = values[[a, b]] / max;
            let shade = (255.0 * (1.0 - 0.85 * t)) as u8;
            Rectangle::new(
                [
                    (SegmentValue::Exact(b), SegmentValue::Exact(k - 1 - a)),
                    (SegmentValue::Exact(b + 1), SegmentValue::Exact(k - a)),
                ],
                RGBColor(shade, shade, 255).filled(),
            )
        }))
        .map_err(|x| e(&x))?;
    chart
        .draw_series(cells().map(|(a, b)| {
            let v = values[[a, b]];
            let text = if normalize.is_some() {
                format!("{v:.2}")
            } else {
                format!("{v}")
            };
            let color: &'static RGBColor = if v / max > 0.6 { &WHITE } else { &BLACK };
            let style = TextStyle::from(("sans-serif", 26).into_font())
                .color(color)
                .pos(Pos::new(HPos::Center, VPos::Center));
            Text::new(
                text,
                (SegmentValue::CenterOf(b), SegmentValue::CenterOf(k - 1 - a)),
                style,
            )
        }))
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// Confusion-matrix heat map; `names[l]` labels class `l` (numbers when absent).
pub fn plot_confusion_matrix(
    cm: &ConfusionMatrix,
    names: &[String],
    normalize: Option<Normalize>,
    path: &Path,
) -> Result<()> {
    let names: Vec<String> = cm
        .labels
        .iter()
        .map(|&l| names.get(l).cloned().unwrap_or_else(|| l.to_string()))
        .collect();
    render(
        path,
        SIZE,
        |root| draw_confusion(root, cm, &names, normalize),
        |root| draw_confusion(root, cm, &names, normalize),
    )
}

/// Ten distinguishable colours for scatter groups (matplotlib's `tab10`).
const TAB10: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn draw_scatter<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64)],
    groups: &[usize],
    names: &[String],
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let span = |f: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = points
            .iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (lo - pad)..(hi + pad)
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 28))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(65)
        .build_cartesian_2d(span(|p| p.0), span(|p| p.1))
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc(axes.0)
        .y_desc(axes.1)
        .axis_desc_style(("sans-serif", 22))
        .label_style(("sans-serif", 16))
        .draw()
        .map_err(|x| e(&x))?;
    for (g, name) in names.iter().enumerate() {
        let color = TAB10[g % TAB10.len()];
        let members = points
            .iter()
            .zip(groups)
            .filter(|(_, &k)| k == g)
            .map(|(p, _)| *p);
        chart
            .draw_series(members.map(|p| Circle::new(p, 3, color.mix(0.75).filled())))
            .map_err(|x| e(&x))?
            .label(name.as_str())
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
    }
    if names.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(("sans-serif", 18))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}

/// Scatter plot of 2-D points coloured by group (`groups[i]` indexes `names`; one group named
/// `""` draws without a legend), for embeddings such as PCA or t-SNE.
pub fn plot_scatter(
    points: &[(f64, f64)],
    groups: &[usize],
    names: &[String],
    title: &str,
    axes: (&str, &str),
    path: &Path,
) -> Result<()> {
    if points.is_empty() || points.len() != groups.len() {
        return Err(Error::shape(
            "scatter points and groups",
            points.len(),
            groups.len(),
        ));
    }
    if let Some(&g) = groups.iter().find(|&&g| g >= names.len()) {
        return Err(Error::param(
            "groups",
            format!("group {g} has no name ({} names)", names.len()),
        ));
    }
    if points.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
        return Err(Error::param("points", "a point is not finite"));
    }
    render(
        path,
        SIZE,
        |root| draw_scatter(root, title, axes, points, groups, names),
        |root| draw_scatter(root, title, axes, points, groups, names),
    )
}

/// A dendrogram from its layout (SciPy's `dendrogram` coordinates): merge `m` is the "⊓"
/// through the four points `(icoord[m][p], dcoord[m][p])`; leaf `t` sits at $x = 5 + 10t$ and
/// is labelled `leaf_labels[t]` (labels are thinned out when there are many leaves).
pub fn plot_dendrogram(
    icoord: &[[f64; 4]],
    dcoord: &[[f64; 4]],
    leaf_labels: &[String],
    title: &str,
    path: &Path,
) -> Result<()> {
    if icoord.len() != dcoord.len() || icoord.len() + 1 != leaf_labels.len().max(1) {
        return Err(Error::shape(
            "dendrogram merges and leaves",
            icoord.len() + 1,
            leaf_labels.len(),
        ));
    }
    if dcoord.iter().flatten().any(|h| !h.is_finite()) {
        return Err(Error::param("dendrogram", "a merge height is not finite"));
    }
    render(
        path,
        (1000, 600),
        |root| draw_dendrogram(root, title, icoord, dcoord, leaf_labels),
        |root| draw_dendrogram(root, title, icoord, dcoord, leaf_labels),
    )
}

fn draw_dendrogram<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    icoord: &[[f64; 4]],
    dcoord: &[[f64; 4]],
    leaf_labels: &[String],
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let n = leaf_labels.len().max(1);
    let top = dcoord.iter().flatten().copied().fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 26))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(65)
        .build_cartesian_2d(0.0..10.0 * n as f64, 0.0..top)
        .map_err(|x| e(&x))?;
    // At most about 60 leaf labels fit; show every k-th.
    let every = n.div_ceil(60);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("merge distance")
        .x_labels(n.min(60))
        .x_label_formatter(&|x| {
            let t = ((x - 5.0) / 10.0).round();
            if t >= 0.0
                && (t as usize) < n
                && (t as usize).is_multiple_of(every)
                && (x - 5.0 - 10.0 * t).abs() < 1.0
            {
                leaf_labels.get(t as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|x| e(&x))?;
    chart
        .draw_series(icoord.iter().zip(dcoord).map(|(xs, ys)| {
            PathElement::new(
                (0..4).map(|p| (xs[p], ys[p])).collect::<Vec<_>>(),
                PALETTE[0].stroke_width(2),
            )
        }))
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}

/// Line plot of several series against their index (iteration $0, 1, \dots$), one colour and
/// legend entry per `(label, values)`, with a logarithmic y axis when `log_y` (values at or below
/// zero are then drawn at the smallest positive value), e.g. optimizers' loss trajectories.
pub fn plot_lines(
    series: &[(&str, &[f64])],
    title: &str,
    axes: (&str, &str),
    log_y: bool,
    path: &Path,
) -> Result<()> {
    let values = || series.iter().flat_map(|(_, v)| v.iter().copied());
    if series.is_empty() || values().next().is_none() {
        return Err(Error::param("series", "nothing to plot"));
    }
    if values().any(|v| !v.is_finite()) {
        return Err(Error::param("series", "a value is not finite"));
    }
    let floor = values().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
    if log_y && !floor.is_finite() {
        return Err(Error::param("series", "no positive value for a log scale"));
    }
    let lines: Vec<Series> = series
        .iter()
        .map(|(label, v)| Series {
            label: label.to_string(),
            points: v
                .iter()
                .enumerate()
                .map(|(i, &y)| (i as f64, if log_y { y.max(floor) } else { y }))
                .collect(),
        })
        .collect();
    let x_max = series
        .iter()
        .map(|(_, v)| v.len())
        .max()
        .unwrap_or(1)
        .max(2) as f64
        - 1.0;
    let (lo, hi) = lines
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else if log_y {
        (lo / 2.0, hi * 2.0)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    render(
        path,
        SIZE,
        |root| draw_lines(root, title, axes, &lines, x_max, (lo, hi), log_y),
        |root| draw_lines(root, title, axes, &lines, x_max, (lo, hi), log_y),
    )
}

fn draw_lines<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    axes: (&str, &str),
    series: &[Series],
    x_max: f64,
    (lo, hi): (f64, f64),
    log_y: bool,
) -> std::result::Result<(), String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 28))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(85);
    // The two axis types differ, so each branch draws its own chart.
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(axes.0)
                .y_desc(axes.1)
                .axis_desc_style(("sans-serif", 22))
                .label_style(("sans-serif", 16))
                .y_label_formatter(&|v| format!("{v:.3e}"))
                .draw()
                .map_err(|x| e(&x))?;
            for (i, s) in series.iter().enumerate() {
                let color = PALETTE[i % PALETTE.len()];
                chart
                    .draw_series(LineSeries::new(
                        s.points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(|x| e(&x))?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 24, y)], color.stroke_width(3))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", 18))
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .draw()
                .map_err(|x| e(&x))?;
        }};
    }
    if log_y {
        finish!(builder
            .build_cartesian_2d(0.0..x_max, (lo..hi).log_scale())
            .map_err(|x| e(&x))?);
    } else {
        finish!(builder
            .build_cartesian_2d(0.0..x_max, lo..hi)
            .map_err(|x| e(&x))?);
    }
    root.present().map_err(|x| e(&x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classification::confusion_matrix;
    use crate::curves::{calibration_curve, precision_recall_curve, roc_curve, BinStrategy};
    use ndarray::array;

    #[test]
    fn plots_are_written_as_png_and_svg() {
        let dir = std::env::temp_dir().join(format!("breadth-plot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (y, s) = (
            array![0, 0, 1, 1, 0, 1, 1, 0],
            array![0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7],
        );
        let roc = roc_curve(y.view(), s.view(), true).unwrap();
        let pr = precision_recall_curve(y.view(), s.view()).unwrap();
        let cal = calibration_curve(y.view(), s.view(), 4, BinStrategy::Uniform).unwrap();
        let cm = confusion_matrix(
            y.view(),
            s.mapv(|v| usize::from(v >= 0.5)).view(),
            None,
            None,
        )
        .unwrap();
        for ext in ["png", "svg"] {
            let p = |n: &str| dir.join(format!("{n}.{ext}"));
            plot_roc(&[("model", &roc)], &p("roc")).unwrap();
            plot_precision_recall(&[("model", &pr)], &p("pr")).unwrap();
            plot_calibration(&[("model", &cal)], &p("cal")).unwrap();
            plot_confusion_matrix(&cm, &["no".into(), "yes".into()], None, &p("cm")).unwrap();
            for n in ["roc", "pr", "cal", "cm"] {
                assert!(std::fs::metadata(p(n)).unwrap().len() > 1000, "{n}.{ext}");
            }
        }
        let svg = std::fs::read_to_string(dir.join("roc.svg")).unwrap();
        assert!(
            svg.contains("AUC = 0.81"),
            "the legend carries the AUC (13 of 16 pairs ordered)"
        );
        assert!(plot_roc(&[("m", &roc)], &dir.join("roc.gif")).is_err());
        let (a, b) = ([4.0, 1.0, 0.25, 0.0], [3.0, 2.0, 1.5, 1.25]);
        for ext in ["png", "svg"] {
            let p = dir.join(format!("lines.{ext}"));
            plot_lines(
                &[("gd", &a), ("adam", &b)],
                "loss",
                ("iteration", "f"),
                true,
                &p,
            )
            .unwrap();
            assert!(std::fs::metadata(&p).unwrap().len() > 1000, "lines.{ext}");
        }
        let svg = std::fs::read_to_string(dir.join("lines.svg")).unwrap();
        assert!(
            svg.contains("adam") && svg.contains("gd"),
            "one legend entry per series"
        );
        assert!(plot_lines(
            &[("z", &[0.0, -1.0])],
            "t",
            ("i", "f"),
            true,
            &dir.join("z.svg")
        )
        .is_err());
        assert!(plot_lines(&[], "t", ("i", "f"), false, &dir.join("z.svg")).is_err());
        if std::env::var_os("BREADTH_KEEP_PLOTS").is_none() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
