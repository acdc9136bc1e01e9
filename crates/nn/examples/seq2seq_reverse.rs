//! Seq2seq reversal of digit strings with and without attention (see `breadth_nn::seq2seq`).
//!
//! Usage: cargo run --release -p breadth-nn --example seq2seq_reverse [STEPS] [OUT_DIR] [KINDS]
//!   KINDS: comma-separated from bahdanau,luong,none (default all three).
//! Trains on lengths 3-8, evaluates exact match (greedy and beam width 4) on held-out strings of
//! lengths 3-8 and on longer strings of lengths 9-10, and writes attention heat maps
//! (OUT_DIR/attention_<kind>.svg and .png, default bench/out/seq2seq).

use std::path::PathBuf;

use breadth_nn::seq2seq::model::{AttentionKind, Seq2SeqConfig};
use breadth_nn::seq2seq::reversal::{
    attention_heatmap, train_reversal, ReversalConfig, ReversalReport,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = args.get(1).map_or(Ok(3000), |a| a.parse())?;
    let out = PathBuf::from(args.get(2).map_or("bench/out/seq2seq", String::as_str));
    let kinds = args.get(3).map_or("bahdanau,luong,none", String::as_str);
    std::fs::create_dir_all(&out)?;
    for name in kinds.split(',') {
        let attention = match name {
            "bahdanau" => AttentionKind::Bahdanau,
            "luong" => AttentionKind::Luong,
            "none" => AttentionKind::None,
            other => return Err(format!("unknown attention {other}").into()),
        };
        let cfg = ReversalConfig {
            model: Seq2SeqConfig {
                attention,
                ..Seq2SeqConfig::default()
            },
            steps,
            ..ReversalConfig::default()
        };
        let t0 = std::time::Instant::now();
        let run = train_reversal(&cfg, |step, loss| {
            if step % 500 == 0 {
                eprintln!("  {name} step {step}: loss {loss:.4}");
            }
        })?;
        let r = &run.report;
        println!(
            "{name:9} ({steps} steps, {:.0} s): held-out lengths {}-{}: greedy {:.3}, beam {:.3} | longer {}-{}: greedy {:.3}, beam {:.3}",
            t0.elapsed().as_secs_f64(),
            cfg.train_lengths.0,
            cfg.train_lengths.1,
            ReversalReport::mean_greedy(&r.same_length),
            ReversalReport::mean_beam(&r.same_length),
            cfg.test_lengths.0,
            cfg.test_lengths.1,
            ReversalReport::mean_greedy(&r.longer),
            ReversalReport::mean_beam(&r.longer),
        );
        for s in r.same_length.iter().chain(&r.longer) {
            println!(
                "    length {:2}: greedy exact {:.3}, beam exact {:.3}, token accuracy {:.3}",
                s.length, s.greedy_exact, s.beam_exact, s.token_accuracy
            );
        }
        let (src, outp, att) = &r.example;
        println!("    example {src:?} -> {outp:?}");
        if !att.is_empty() {
            for ext in ["svg", "png"] {
                let p = out.join(format!("attention_{name}.{ext}"));
                attention_heatmap(att, src, outp, &p)?;
                println!("    wrote {}", p.display());
            }
        }
    }
    Ok(())
}
