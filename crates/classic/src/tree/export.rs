//! A fitted tree as indented text (scikit-learn's `export_text` layout) or as Graphviz DOT.
//!
//! Text: one line per test, `|--- name <= threshold` for the left branch and `|--- name >
//! threshold` for the right, children indented by `|   `; a leaf prints `class: NAME` or
//! `value: [v]`. DOT: one box per node with its test, impurity, sample count and value; edges
//! labelled True / False from each test. Both cost $O(N)$ for $N$ nodes.
//!
//! [`export_model`] reads a saved model file of any tree model (decision tree, random forest,
//! extra trees, histogram GBDT) and prints one tree or all of them; a GBDT tree's leaves print
//! their raw score contribution (`value: [v]`, already scaled by the learning rate).
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

use breadth_core::{model_file, Classifier, Error, Result};

use super::model::Tree;
use super::{DecisionTreeClassifier, DecisionTreeRegressor};
use crate::ensemble::forest::{ForestClassifier, ForestRegressor};
use crate::gbdt::{GbdtClassifier, GbdtRegressor};

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

/// Output format of [`export_model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Indented text.
    Text,
    /// Graphviz DOT (one tree per file).
    Dot,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "text" => Ok(ExportFormat::Text),
            "dot" => Ok(ExportFormat::Dot),
            _ => Err("expected text or dot".into()),
        }
    }
}

/// The trees of a saved model with the labels their leaves print, and a title per tree.
struct Forest<'a> {
    trees: Vec<(&'a Tree, String)>,
    label: LeafLabel<'a>,
}

/// Every model kind [`export_model`] reads, decoded.
enum Saved {
    TreeClassifier(DecisionTreeClassifier),
    TreeRegressor(DecisionTreeRegressor),
    ForestClassifier(ForestClassifier),
    ForestRegressor(ForestRegressor),
    GbdtClassifier(GbdtClassifier),
    GbdtRegressor(GbdtRegressor),
}

impl Saved {
    fn decode(kind: &str, body: &[u8], source: &str) -> Result<Saved> {
        Ok(match kind {
            "decision-tree-classifier" => {
                Saved::TreeClassifier(model_file::decode_body(body, kind, source)?)
            }
            "decision-tree-regressor" => {
                Saved::TreeRegressor(model_file::decode_body(body, kind, source)?)
            }
            "random-forest-classifier" | "extra-trees-classifier" => {
                Saved::ForestClassifier(model_file::decode_body(body, kind, source)?)
            }
            "random-forest-regressor" | "extra-trees-regressor" => {
                Saved::ForestRegressor(model_file::decode_body(body, kind, source)?)
            }
            "gbdt-classifier" => {
                Saved::GbdtClassifier(model_file::decode_body(body, kind, source)?)
            }
            "gbdt-regressor" => Saved::GbdtRegressor(model_file::decode_body(body, kind, source)?),
            other => {
                return Err(Error::ModelFile {
                    path: source.into(),
                    reason: format!(
                        "holds a `{other}` model; tree export reads decision trees, random \
                         forests, extra trees and gbdt models"
                    ),
                })
            }
        })
    }

    fn forest(&self) -> Forest<'_> {
        match self {
            Saved::TreeClassifier(m) => Forest {
                trees: vec![(m.tree(), "tree 0".into())],
                label: LeafLabel::Classes(m.class_names()),
            },
            Saved::TreeRegressor(m) => Forest {
                trees: vec![(m.tree(), "tree 0".into())],
                label: LeafLabel::Values,
            },
            Saved::ForestClassifier(m) => Forest {
                trees: numbered(m.trees()),
                label: LeafLabel::Classes(m.class_names()),
            },
            Saved::ForestRegressor(m) => Forest {
                trees: numbered(m.trees()),
                label: LeafLabel::Values,
            },
            Saved::GbdtClassifier(m) => gbdt_forest(m.booster()),
            Saved::GbdtRegressor(m) => gbdt_forest(m.booster()),
        }
    }
}

fn numbered(trees: &[Tree]) -> Vec<(&Tree, String)> {
    trees
        .iter()
        .enumerate()
        .map(|(i, t)| (t, format!("tree {i}")))
        .collect()
}

fn gbdt_forest(b: &crate::gbdt::Booster) -> Forest<'_> {
    let k = b.n_outputs();
    Forest {
        trees: b
            .trees()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let title = if k == 1 {
                    format!("tree {i} (round {i})")
                } else {
                    format!("tree {i} (round {}, class {})", i / k, i % k)
                };
                (t, title)
            })
            .collect(),
        label: LeafLabel::Values,
    }
}

/// Export the trees of model-file `bytes` (`source` names the file in errors).
///
/// `tree_index` picks one tree (round-major for a GBDT: tree `m * K + c` is round `m`, class
/// `c`); without it text prints every tree under a `# tree i` line, and DOT, which holds one
/// graph, needs it unless the model has a single tree. Features without a name print as `x{j}`.
pub fn export_model(
    bytes: &[u8],
    source: &str,
    format: ExportFormat,
    tree_index: Option<usize>,
    feature_names: &[String],
) -> Result<String> {
    let (header, body) = model_file::read_header(bytes, source)?;
    let saved = Saved::decode(&header.kind, body, source)?;
    let forest = saved.forest();
    let n = forest.trees.len();
    let picked: Vec<&(&Tree, String)> = match tree_index {
        Some(i) if i >= n => {
            return Err(Error::param(
                "tree-index",
                format!("the model has {n} trees (indices 0..{n}), got {i}"),
            ))
        }
        Some(i) => vec![&forest.trees[i]],
        None if format == ExportFormat::Dot && n > 1 => {
            return Err(Error::param(
                "tree-index",
                format!("DOT holds one tree and the model has {n}: pick one in 0..{n}"),
            ))
        }
        None => forest.trees.iter().collect(),
    };
    let mut out = String::new();
    for (tree, title) in &picked {
        match format {
            ExportFormat::Dot => out.push_str(&dot(tree, feature_names, &forest.label)),
            ExportFormat::Text => {
                if picked.len() > 1 {
                    let _ = writeln!(out, "# {title}");
                }
                out.push_str(&text(tree, feature_names, &forest.label, 4));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ensemble::forest::RandomForestClassifierParams;
    use crate::gbdt::GbdtClassifierParams;
    use breadth_core::estimator::Fitted;
    use breadth_core::Fit;

    fn file<M: Fitted + serde::Serialize>(m: &M) -> Vec<u8> {
        model_file::to_bytes(m.model_name(), m).unwrap()
    }

    #[test]
    fn exports_forest_and_gbdt_files() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let names = iris.feature_names().to_vec();
        let rf = RandomForestClassifierParams::default()
            .n_estimators(3)
            .max_depth(Some(2))
            .fit(&iris)
            .unwrap();
        let bytes = file(&rf);
        let all = export_model(&bytes, "rf", ExportFormat::Text, None, &names).unwrap();
        assert_eq!(all.matches("# tree ").count(), 3);
        assert!(all.contains("class: "));
        let one = export_model(&bytes, "rf", ExportFormat::Text, Some(1), &names).unwrap();
        assert_eq!(
            one,
            text(
                &rf.trees()[1],
                &names,
                &LeafLabel::Classes(rf.class_names()),
                4
            )
        );
        let dot1 = export_model(&bytes, "rf", ExportFormat::Dot, Some(2), &names).unwrap();
        assert!(dot1.starts_with("digraph Tree {") && dot1.ends_with("}\n"));
        assert!(export_model(&bytes, "rf", ExportFormat::Dot, None, &names).is_err());
        assert!(export_model(&bytes, "rf", ExportFormat::Text, Some(3), &names).is_err());

        let gb = GbdtClassifierParams::default()
            .n_estimators(2)
            .num_leaves(3)
            .fit(&iris)
            .unwrap();
        let g = export_model(&file(&gb), "gb", ExportFormat::Text, None, &[]).unwrap();
        assert_eq!(g.matches("# tree ").count(), 6);
        assert!(g.contains("# tree 5 (round 1, class 2)"));
        assert!(g.contains("value: [") && g.contains("x2 <= "));
    }

    #[test]
    fn refuses_other_models_and_bad_files() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let nb = crate::bayes::GaussianNbParams::default()
            .fit(&iris)
            .unwrap();
        let err = export_model(&file(&nb), "nb", ExportFormat::Text, None, &[]).unwrap_err();
        assert!(err.to_string().contains("gaussian-nb"), "{err}");
        assert!(export_model(b"junk", "junk", ExportFormat::Text, None, &[]).is_err());
    }
}
