//! End-to-end tests of `breadth outliers` and `breadth drift`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breadth-outliers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// 60 rows on a grid plus two far rows; column `y` marks them.
fn table(path: &PathBuf, shift: f64) {
    let mut csv = String::from("a,b,y\n");
    for i in 0..60 {
        let (a, b) = ((i % 10) as f64 + shift, (i / 10) as f64);
        writeln!(csv, "{a},{b},0").unwrap();
    }
    csv.push_str("40,40,1\n-30,25,1\n");
    std::fs::write(path, csv).unwrap();
}

#[test]
fn outliers_flags_the_far_rows_and_reports_auc() {
    let data = tmp("o.csv");
    table(&data, 0.0);
    let scores = tmp("scores.csv");
    for algo in [
        "isolation-forest",
        "lof",
        "zscore",
        "iqr",
        "elliptic-envelope",
    ] {
        let o = breadth(&[
            "outliers",
            algo,
            "--data",
            data.to_str().unwrap(),
            "--target",
            "y",
            "--json",
            "--out",
            scores.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{algo}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["rows"], 62);
        assert!(v["roc_auc"].as_f64().unwrap() > 0.95, "{algo}: {v}");
        let written = std::fs::read_to_string(&scores).unwrap();
        assert_eq!(written.lines().count(), 63);
    }
    let bad = breadth(&["outliers", "nope", "--data", data.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn drift_flags_the_shifted_column() {
    let (a, b) = (tmp("ref.csv"), tmp("cur.csv"));
    table(&a, 0.0);
    table(&b, 6.0);
    let o = breadth(&[
        "drift",
        "--reference",
        a.to_str().unwrap(),
        "--current",
        b.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let flags: Vec<bool> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["drifted"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, vec![true, false, false]);
    assert!(v["adversarial_auc"].as_f64().unwrap() > 0.8);
}
