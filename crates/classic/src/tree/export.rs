//! A fitted tree as indented text (scikit-learn's `export_text` layout) or as Graphviz DOT.
//!
//! Text: one line per test, `|--- name <= threshold` for the left branch and `|--- name >
//! threshold` for the right, children indented by `|   `; a leaf prints `class: NAME` or
//! `value: [v]`. DOT: one box per node with its test, impurity, sample count and value; edges
//! labelled True / False from each test. Both cost $O(N)$ for $N$ nodes.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! use breadth_core::Fit;
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let m = DecisionTreeClassifierParams::default().max_depth(Some(1)).fit(&iris).unwrap();
//! let text = m.export_text(iris.feature_names());
//! assert!(text.starts_with("|--- petal length (cm) <= 2.45\n|   |--- class: setosa\n"));
//! assert!(m.export_dot(iris.feature_names()).starts_with("digraph Tree {"));
//! ```

use std::fmt::Write as _;

use super::model::Tree;

/// How leaves are printed.
pub(crate) enum LeafLabel<'a> {
    /// Print the class of largest value.
    Classes(&'a [String]),
    /// Print the value vector.
    Values,
}

fn leaf_text(tree: &Tree, i: usize, label: &LeafLabel<'_>, decimals: usize) -> String {
    let v = tree.value(i);
    match label {
        LeafLabel::Classes(names) => {
            let best = (0..v.len()).fold(0, |b, k| if v[k] > v[b] { k } else { b });
            format!("class: {}", names[best])
        }
        LeafLabel::Values => {
            let parts: Vec<String> = v.iter().map(|x| format!("{x:.decimals$}")).collect();
            format!("value: [{}]", parts.join(", "))
        }
    }
}

/// Indented text of the tree, with `decimals` digits for thresholds and values.
pub(crate) fn text(
    tree: &Tree,
    names: &[String],
    label: &LeafLabel<'_>,
    decimals: usize,
) -> String {
    fn walk(
        tree: &Tree,
        i: usize,
        depth: usize,
        names: &[String],
        label: &LeafLabel<'_>,
        decimals: usize,
        out: &mut String,
    ) {
        let indent = "|   ".repeat(depth) + "|---";
        let n = tree.node(i);
        if n.is_leaf() {
            let _ = writeln!(out, "{indent} {}", leaf_text(tree, i, label, decimals));
            return;
        }
        let name = names
            .get(n.feature())
            .cloned()
            .unwrap_or(format!("x{}", n.feature()));
        let t = n.threshold();
        let _ = writeln!(out, "{indent} {name} <= {t:.decimals$}");
        walk(tree, n.left(), depth + 1, names, label, decimals, out);
        let _ = writeln!(out, "{indent} {name} >  {t:.decimals$}");
        walk(tree, n.right(), depth + 1, names, label, decimals, out);
    }
    let mut out = String::new();
    walk(tree, 0, 0, names, label, decimals, &mut out);
    out
}

/// Graphviz DOT of the tree.
pub(crate) fn dot(tree: &Tree, names: &[String], label: &LeafLabel<'_>) -> String {
    let mut out = String::from("digraph Tree {\nnode [shape=box, fontname=\"helvetica\"] ;\n");
    for (i, n) in tree.nodes().iter().enumerate() {
        let stats = format!(
            "impurity = {:.4}\\nsamples = {}\\n{}",
            n.impurity(),
            n.n_samples(),
            leaf_text(tree, i, label, 4)
        );
        if n.is_leaf() {
            let _ = writeln!(out, "{i} [label=\"{stats}\"] ;");
        } else {
            let name = names
                .get(n.feature())
                .cloned()
                .unwrap_or(format!("x{}", n.feature()));
            let _ = writeln!(
                out,
                "{i} [label=\"{name} <= {:.4}\\n{stats}\"] ;",
                n.threshold()
            );
            let _ = writeln!(out, "{i} -> {} [label=\"True\"] ;", n.left());
            let _ = writeln!(out, "{i} -> {} [label=\"False\"] ;", n.right());
        }
    }
    out.push('}');
    out.push('\n');
    out
}
