//! `breadth hmm train` / `decode` end to end.

use std::process::{Command, Output};

fn breadth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breadth"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn train_save_decode_and_refuse_unknown_symbols() {
    let dir = std::env::temp_dir().join(format!("breadth-hmm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (data, model, bad) = (dir.join("seqs.txt"), dir.join("m.hmm"), dir.join("bad.txt"));
    std::fs::write(
        &data,
        "sun sun sun rain rain rain\nsun sun rain rain rain rain\nrain rain sun sun sun\n",
    )
    .unwrap();
    std::fs::write(&bad, "sun snow\n").unwrap();
    let (d, m, b) = (
        data.to_str().unwrap(),
        model.to_str().unwrap(),
        bad.to_str().unwrap(),
    );
    let o = breadth(&[
        "hmm",
        "train",
        "--data",
        d,
        "--states",
        "2",
        "--restarts",
        "3",
        "--save",
        m,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("symbols: sun rain"));
    let o = breadth(&["hmm", "decode", "--model", m, "--data", d]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let first: Vec<&str> = out.lines().nth(1).unwrap().split('\t').collect();
    let states: Vec<&str> = first[3].split(' ').collect();
    assert_eq!(states.len(), 6);
    assert_ne!(states[0], states[5], "{out}");
    let o = breadth(&["hmm", "decode", "--model", m, "--data", b]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.txt:1: symbol `snow`"));
}
