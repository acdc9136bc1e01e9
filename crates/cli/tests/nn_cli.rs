//! `breadth nn train|eval` and `breadth embed` end to end, at tiny settings.

use std::path::PathBuf;
use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("breadth-nn-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn mlp_train_with_checkpoint_then_eval() {
    let d = dir("mlp");
    let (model, ck) = (d.join("mlp.model"), d.join("ck"));
    let out = ok(&breadth(&[
        "nn",
        "train",
        "mlp",
        "--data",
        "builtin:iris",
        "--set",
        "epochs=3",
        "--set",
        "hidden_layer_sizes=8",
        "--checkpoint",
        ck.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["train_loss"].as_array().unwrap().len(), 3);
    assert!(ck.join("mlp.safetensors").exists());
    let out = ok(&breadth(&[
        "nn",
        "eval",
        model.to_str().unwrap(),
        "--data",
        "builtin:iris",
    ]));
    assert!(out.contains("accuracy"), "{out}");
    // The saved file is an ordinary breadth model: `breadth predict` reads it too.
    let pred = ok(&breadth(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--data",
        "builtin:iris",
    ]));
    assert_eq!(pred.lines().count(), 151);
}

#[test]
fn transformer_train_and_eval() {
    let d = dir("tf");
    let model = d.join("rev.model");
    let out = ok(&breadth(&[
        "nn",
        "train",
        "transformer",
        "--set",
        "n_train=64",
        "--set",
        "n_test=8",
        "--set",
        "n_long=4",
        "--set",
        "epochs=1",
        "--set",
        "d_model=16",
        "--set",
        "ff=16",
        "--set",
        "layers=1",
        "--set",
        "heads=2",
        "--out",
        model.to_str().unwrap(),
    ]));
    assert!(out.contains("exact match, held-out same lengths"), "{out}");
    let out = ok(&breadth(&["nn", "eval", model.to_str().unwrap(), "--json"]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["scores"].as_array().unwrap().len(), 2);
}

#[test]
fn word2vec_train_then_embed_queries() {
    let d = dir("w2v");
    let (text, model) = (d.join("corpus.txt"), d.join("w.model"));
    std::fs::write(
        &text,
        "the king and the queen rode out. the man and the woman walked. ".repeat(50),
    )
    .unwrap();
    ok(&breadth(&[
        "nn",
        "train",
        "word2vec",
        "--data",
        text.to_str().unwrap(),
        "--set",
        "dim=8",
        "--set",
        "min_count=1",
        "--set",
        "epochs=1",
        "--out",
        model.to_str().unwrap(),
    ]));
    let m = model.to_str().unwrap();
    let out = ok(&breadth(&[
        "embed",
        "--model",
        m,
        "-k",
        "3",
        "neighbors",
        "king",
    ]));
    assert_eq!(out.lines().count(), 3, "{out}");
    let out = ok(&breadth(&[
        "embed", "--model", m, "--json", "analogy", "king", "man", "woman",
    ]));
    let hits: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(hits.as_array().unwrap().iter().all(|h| h[0] != "king"));
    let bad = breadth(&["embed", "--model", m, "neighbors", "zebra"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("zebra"));
}

#[test]
fn unknown_model_and_settings_are_refused() {
    let o = breadth(&["nn", "train", "gpt5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("transformer"));
    let o = breadth(&["nn", "train", "transformer", "--set", "heads=3"]);
    assert_eq!(o.status.code(), Some(2));
    let list = ok(&breadth(&["nn", "train", "word2vec", "--list"]));
    assert!(list.contains("negative"), "{list}");
}

#[test]
fn seq2seq_train_writes_attention_heat_map() {
    let d = dir("seq2seq");
    let png = d.join("attention.png");
    let out = ok(&breadth(&[
        "nn",
        "train",
        "seq2seq",
        "--set",
        "attention=luong",
        "--set",
        "steps=3",
        "--set",
        "batch=8",
        "--set",
        "eval_per_length=4",
        "--out",
        png.to_str().unwrap(),
        "--json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["train_loss"].as_array().unwrap().len(), 3);
    assert_eq!(report["scores"].as_array().unwrap().len(), 4);
    assert!(std::fs::metadata(&png).unwrap().len() > 0);
    let bad = breadth(&["nn", "train", "seq2seq", "--set", "attention=cosine"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn lstm_delayed_recall_reports_gradient_norms() {
    let out = ok(&breadth(&[
        "nn", "train", "lstm", "--set", "length=8", "--set", "hidden=4", "--set", "steps=2",
    ]));
    assert!(out.contains("accuracy"), "{out}");
    assert!(out.contains("distance   5"), "{out}");
    let bad = breadth(&["nn", "train", "gru", "--set", "width=3"]);
    assert_eq!(bad.status.code(), Some(2));
}
