//! End-to-end tests of `breadth tokenize`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breadth-tokenize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn train_encode_decode_and_stats() {
    let corpus = tmp("corpus.txt");
    let shakespeare = breadth_data::datasets::shakespeare().unwrap();
    std::fs::write(&corpus, &shakespeare[..50_000]).unwrap();
    let tok = tmp("tok.json");
    let (c, t) = (corpus.to_str().unwrap(), tok.to_str().unwrap());
    let o = breadth(&[
        "tokenize",
        "train",
        "--corpus",
        c,
        "--vocab-size",
        "400",
        "--out",
        t,
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert!(
        text(&o).0.contains("bpe tokenizer with 400 ids"),
        "{}",
        text(&o).0
    );

    let o = breadth(&[
        "tokenize",
        "encode",
        "--tokenizer",
        t,
        "--text",
        "To be, or not to be",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let ids = text(&o).0.trim().to_string();
    assert!(ids.split(' ').count() < 19);
    let o = breadth(&["tokenize", "decode", "--tokenizer", t, "--ids", &ids]);
    assert_eq!(text(&o).0, "To be, or not to be");

    let o = breadth(&[
        "tokenize",
        "stats",
        "--tokenizer",
        t,
        "--corpus",
        c,
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let v: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(v[0]["stats"]["bytes_per_token"].as_f64().unwrap() > 1.5);

    let o = breadth(&["tokenize", "decode", "--tokenizer", t, "--ids", "1 x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("`x` is not a token id"));
    let o = breadth(&["tokenize", "encode", "--tokenizer", c, "--text", "a"]);
    assert_eq!(o.status.code(), Some(2), "a text file is not a tokenizer");
}
