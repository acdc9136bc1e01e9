//! `breadth optim` end to end.

use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn compares_optimizers_prints_losses_and_plots() {
    let dir = std::env::temp_dir().join(format!("breadth-optim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plot = dir.join("loss.svg");
    let o = breadth(&[
        "optim",
        "--problem",
        "quadratic",
        "--dim",
        "4",
        "--methods",
        "gd,adam,lbfgs",
        "--iters",
        "20",
        "--plot",
        plot.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let finals: Vec<(String, f64)> = out
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_string(), cells[1].parse().unwrap())
        })
        .collect();
    let names: Vec<&str> = finals.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["sgd", "adam", "lbfgs"], "{out}");
    // f(0) = ½ Σ λ_i = ½ (1 + 4.64 + 21.5 + 100) ≈ 63.6 here; every method ends below it and
    // L-BFGS (exact on 4 variables) below plain gradient descent.
    assert!(finals.iter().all(|(_, f)| *f < 63.0), "{out}");
    assert!(finals[2].1 < finals[0].1, "{out}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(
        svg.contains("lbfgs") && svg.contains("adam"),
        "legend names each optimizer"
    );

    let o = breadth(&[
        "optim",
        "--problem",
        "logistic:builtin:iris",
        "--methods",
        "momentum,lbfgs",
        "--iters",
        "5",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["losses"].as_array().unwrap().len(), 6);

    let o = breadth(&["optim", "--problem", "himmelblau"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown problem"));
    let o = breadth(&["optim", "--problem", "rosenbrock", "--methods", "newton"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown optimizer"));
    std::fs::remove_dir_all(&dir).unwrap();
}
