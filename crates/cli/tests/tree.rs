//! End-to-end tests of `breadth tree export`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breadth-tree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn fit(model: &str, data: &str, path: &Path, sets: &[&str]) {
    let mut args = vec![
        "fit",
        model,
        "--data",
        data,
        "--save",
        path.to_str().unwrap(),
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = breadth(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn exports_a_saved_tree_forest_and_gbdt() {
    let tree = tmp("tree.model");
    fit(
        "decision-tree-classifier",
        "builtin:iris",
        &tree,
        &["max_depth=2"],
    );
    let o = breadth(&["tree", "export", tree.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    // The training column names come from the model file's record of them.
    assert!(
        text.starts_with("|--- petal length (cm) <= 2.4500\n"),
        "{text}"
    );
    assert!(text.contains("class: setosa"), "{text}");

    let forest = tmp("forest.model");
    fit(
        "random-forest-classifier",
        "builtin:iris",
        &forest,
        &["n_estimators=4", "max_depth=2"],
    );
    let dot = tmp("t.dot");
    let o = breadth(&[
        "tree",
        "export",
        forest.to_str().unwrap(),
        "--format",
        "dot",
        "--tree-index",
        "3",
        "--out",
        dot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let g = std::fs::read_to_string(&dot).unwrap();
    assert!(
        g.starts_with("digraph Tree {") && g.contains("[label=\"True\"]"),
        "{g}"
    );
    // DOT holds one tree: without --tree-index a forest is refused with exit code 2.
    let o = breadth(&[
        "tree",
        "export",
        forest.to_str().unwrap(),
        "--format",
        "dot",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tree-index"));

    let gbdt = tmp("gbdt.model");
    fit(
        "gbdt-regressor",
        "builtin:diabetes",
        &gbdt,
        &["n_estimators=3"],
    );
    let o = breadth(&["tree", "export", gbdt.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.matches("# tree ").count(), 3, "{text}");
    assert!(text.contains("value: ["), "{text}");
}

#[test]
fn refuses_a_non_tree_model() {
    let nb = tmp("nb.model");
    fit("gaussian-nb", "builtin:iris", &nb, &[]);
    let o = breadth(&["tree", "export", nb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("gaussian-nb") && err.lines().count() == 1,
        "{err}"
    );
}
