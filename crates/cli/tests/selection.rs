//! End-to-end tests of `breadth cv` and `breadth search`.

use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn cv_scores_every_fold_with_every_metric() {
    // Stratified folds of iris hold 10 of each class, so the prior's majority guess scores 1/3.
    let out = json(&breadth(&[
        "cv",
        "dummy-classifier",
        "--data",
        "builtin:iris",
        "--json",
    ]));
    assert_eq!(out["metrics"][0], "accuracy");
    assert_eq!(out["folds"].as_array().unwrap().len(), 5);
    assert!((out["mean"][0].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);

    let out = json(&breadth(&[
        "cv",
        "dummy-regressor",
        "--data",
        "builtin:diabetes",
        "--splitter",
        "kfold",
        "--repeats",
        "2",
        "--cv",
        "3",
        "--metric",
        "r2",
        "--metric",
        "mse",
        "--train-score",
        "--json",
    ]));
    assert_eq!(out["folds"].as_array().unwrap().len(), 6);
    assert_eq!(out["metrics"], serde_json::json!(["r2", "mse"]));
    assert!(out["folds"][0]["train"].is_array());
}

#[test]
fn cv_writes_out_of_fold_predictions() {
    let path = std::env::temp_dir().join(format!("breadth-sel-oof-{}.csv", std::process::id()));
    let o = breadth(&[
        "cv",
        "dummy-regressor",
        "--data",
        "builtin:diabetes",
        "--predictions",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 443, "header and one line per row");
    assert!(String::from_utf8_lossy(&o.stdout).contains("mean"));
    std::fs::remove_file(path).unwrap();
}

#[test]
fn grid_and_random_search_rank_candidates_and_save_the_best() {
    let model = std::env::temp_dir().join(format!("breadth-sel-{}.model", std::process::id()));
    let out = json(&breadth(&[
        "search",
        "dummy-regressor",
        "--data",
        "builtin:diabetes",
        "--grid",
        "strategy=quantile:0.1,median,quantile:0.9",
        "--metric",
        "mse",
        "--save",
        model.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(out["candidates"].as_array().unwrap().len(), 3);
    assert_eq!(
        out["best"][0][1], "median",
        "the median has the lowest squared error of the three"
    );
    let o = breadth(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        "builtin:diabetes",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(model).unwrap();

    let out = json(&breadth(&[
        "search",
        "dummy-classifier",
        "--data",
        "builtin:iris",
        "--random",
        "strategy=prior,uniform,stratified",
        "--n-iter",
        "2",
        "--seed",
        "4",
        "--json",
    ]));
    assert_eq!(out["candidates"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_requests_exit_with_code_2_and_one_line() {
    for args in [
        &[
            "cv",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--cv",
            "500",
        ][..],
        &[
            "cv",
            "dummy-classifier+dummy-classifier",
            "--data",
            "builtin:iris",
        ],
        &[
            "cv",
            "dummy-classifier",
            "--data",
            "builtin:iris",
            "--metric",
            "nope",
        ],
        &["search", "dummy-classifier", "--data", "builtin:iris"],
        &[
            "search",
            "dummy-regressor",
            "--data",
            "builtin:diabetes",
            "--random",
            "strategy=uniform:2,1",
        ],
    ] {
        let o = breadth(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
