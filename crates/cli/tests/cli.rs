//! End-to-end tests of the `breadth` binary: what a user types, what they get back.

use std::path::PathBuf;
use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breadth-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn fit_with_cv_then_predict_reproduces_in_process_predictions() {
    let (model, inproc, later) = (tmp("iris.model"), tmp("inproc.csv"), tmp("later.csv"));
    let o = breadth(&[
        "fit",
        "dummy-classifier",
        "--data",
        "builtin:iris",
        "--cv",
        "5",
        "--set",
        "strategy=stratified",
        "--seed",
        "3",
        "--save",
        model.to_str().unwrap(),
        "--predictions",
        inproc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("5-fold cross-validation, accuracy"),
        "{}",
        stdout(&o)
    );
    let o = breadth(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        "builtin:iris",
        "--out",
        later.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (
        std::fs::read_to_string(&inproc).unwrap(),
        std::fs::read_to_string(&later).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 151);
    assert!(a
        .lines()
        .nth(1)
        .is_some_and(|l| ["setosa", "versicolor", "virginica"].contains(&l)));
}

#[test]
fn csv_with_text_columns_round_trips_through_a_saved_model() {
    let (train, new, model) = (tmp("train.csv"), tmp("new.csv"), tmp("csv.model"));
    let mut text = String::from("size,colour,label\n");
    for i in 0..40 {
        let colour = ["red", "green", "blue"][i % 3];
        let label = if i % 2 == 0 { "yes" } else { "no" };
        text.push_str(&format!("{}.5,{colour},{label}\n", i));
    }
    std::fs::write(&train, text).unwrap();
    // New data: columns in another order, no target column, only some colours.
    std::fs::write(&new, "colour,size\nblue,1\nred,2\n").unwrap();
    let o = breadth(&[
        "fit",
        "dummy-classifier",
        "--data",
        train.to_str().unwrap(),
        "--test-size",
        "0.25",
        "--save",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["features"], 2);
    assert_eq!(report["folds"].as_array().unwrap().len(), 1);
    let o = breadth(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        new.to_str().unwrap(),
        "--proba",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "no,yes\n0.5,0.5\n0.5,0.5\n");
    std::fs::write(&new, "colour,size\npurple,1\n").unwrap();
    let o = breadth(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        new.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`purple`") && stderr(&o).contains(":2:"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let garbage = tmp("garbage.csv");
    std::fs::write(&garbage, "a,b,c\n1,2,3\n4,5\n").unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["fit", "no-such-model", "--data", "builtin:iris"],
        vec!["fit", "dummy-regressor", "--data", "builtin:iris"],
        vec!["fit", "dummy-classifier", "--data", "builtin:nope"],
        vec!["fit", "dummy-classifier", "--data", "/no/such/file.csv"],
        vec![
            "fit",
            "dummy-classifier",
            "--data",
            garbage.to_str().unwrap(),
        ],
        vec![
            "fit",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--set",
            "strategy=bogus",
        ],
        vec![
            "fit",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--set",
            "depth=3",
        ],
        vec![
            "fit",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--cv",
            "1000",
        ],
        vec![
            "fit",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--metric",
            "nope",
        ],
        vec![
            "predict",
            "--model",
            garbage.to_str().unwrap(),
            "--data",
            "builtin:iris",
        ],
    ];
    for args in cases {
        let o = breadth(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    let o = breadth(&[
        "fit",
        "dummy-classifier",
        "--data",
        garbage.to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains(":3:"),
        "the malformed line is named: {}",
        stderr(&o)
    );
}

#[test]
fn compare_ranks_every_applicable_model() {
    let o = breadth(&["compare", "--data", "builtin:wine", "--cv", "3", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let board: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let names: Vec<&str> = board["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["model"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"dummy-classifier"), "{names:?}");
    assert!(!names.contains(&"dummy-regressor"));
    let o = breadth(&["compare", "--data", "builtin:diabetes", "--cv", "3"]);
    assert!(stdout(&o).contains("dummy-regressor"));
}

#[test]
fn datasets_and_models_list_what_exists() {
    let o = breadth(&["datasets", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 7);
    let o = breadth(&["models", "--json"]);
    let models: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let dummy = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "dummy-classifier")
        .unwrap();
    assert_eq!(dummy["params"][0]["default"], "prior");
}

#[test]
fn semi_supervised_csv_fits_with_empty_target_cells() {
    let path = tmp("semi.csv");
    let mut text = String::from("a,b,label\n");
    for i in 0..60 {
        let (x, label) = if i % 2 == 0 {
            (i as f64 * 0.01, "left")
        } else {
            (5.0 + i as f64 * 0.01, "right")
        };
        let label = if i % 5 == 0 { label } else { "" };
        text.push_str(&format!("{x},{},{label}\n", x * 0.5));
    }
    std::fs::write(&path, text).unwrap();
    let o = breadth(&[
        "fit",
        "label-spreading",
        "--data",
        path.to_str().unwrap(),
        "--semi-supervised",
        "--set",
        "kernel=knn",
        "--set",
        "n_neighbors=5",
        "--cv",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        report["mean"], 1.0,
        "two far-apart groups are labelled perfectly: {report}"
    );
    let o = breadth(&["fit", "label-spreading", "--data", path.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "without --semi-supervised an empty target is an error"
    );
}

#[test]
fn generate_writes_a_csv_that_fits_back() {
    let path = tmp("moons.csv");
    let o = breadth(&[
        "generate",
        "moons",
        "--set",
        "n_samples=60",
        "--set",
        "noise=0.1",
        "--set",
        "seed=4",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().next(), Some("x0,x1,target"));
    assert_eq!(text.lines().count(), 61);
    let o = breadth(&[
        "fit",
        "dummy-classifier",
        "--data",
        path.to_str().unwrap(),
        "--task",
        "classification",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = breadth(&["generate", "moons", "--set", "nosie=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nosie"), "{}", stderr(&o));
    let o = breadth(&["generate", "--list"]);
    assert!(stdout(&o).contains("n_clusters_per_class"));
}

#[test]
fn hdbscan_and_a_dendrogram_image_from_cluster() {
    let o = breadth(&[
        "cluster",
        "hdbscan",
        "--data",
        "builtin:iris",
        "--set",
        "min_cluster_size=10",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(report["clusters"].as_u64().unwrap() >= 2, "{report}");
    for ext in ["png", "svg"] {
        let path = tmp(&format!("dendrogram.{ext}"));
        let _ = std::fs::remove_file(&path);
        let o = breadth(&[
            "cluster",
            "agglomerative",
            "--data",
            "builtin:iris",
            "--set",
            "n_clusters=3",
            "--dendrogram",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 1000, "{ext}: {} bytes", bytes.len());
        if ext == "svg" {
            // 149 merges, each one path.
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.matches("<polyline").count() + text.matches("<path").count() >= 149);
        }
    }
    let o = breadth(&[
        "cluster",
        "kmeans",
        "--data",
        "builtin:iris",
        "--dendrogram",
        tmp("no.png").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "kmeans has no merge tree");
}

#[test]
fn cluster_reduce_and_score_report_and_plot() {
    let o = breadth(&[
        "cluster",
        "kmeans",
        "--data",
        "builtin:iris",
        "--set",
        "n_clusters=3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["clusters"], 3);
    let ari = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m[0] == "adjusted_rand_index")
        .unwrap()[1]
        .as_f64()
        .unwrap();
    assert!(
        ari > 0.7,
        "k-means recovers iris's species roughly: ARI {ari}"
    );

    let plot = tmp("pca.png");
    let o = breadth(&[
        "reduce",
        "pca",
        "--data",
        "builtin:iris",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&plot).unwrap()[..4], b"\x89PNG");

    let (truth, pred) = (tmp("truth.csv"), tmp("pred.csv"));
    std::fs::write(&truth, "truth\ncat\ndog\ndog\ncat\n").unwrap();
    std::fs::write(&pred, "prediction\ncat\ndog\ncat\ncat\n").unwrap();
    let o = breadth(&[
        "score",
        "--truth",
        truth.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let accuracy = summary["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v[0] == "accuracy")
        .unwrap()[1]
        .as_f64()
        .unwrap();
    assert_eq!(accuracy, 0.75);
    let o = breadth(&["cluster", "logistic-regression", "--data", "builtin:iris"]);
    assert_eq!(o.status.code(), Some(2), "a classifier is not a clustering");
}
