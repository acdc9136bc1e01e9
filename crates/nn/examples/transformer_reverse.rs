//! Train the encoder-decoder transformer to reverse digit strings and report exact match on
//! held-out strings of the training lengths (3-8) and on longer ones (9-10), per length; first
//! print the effect of the 1/sqrt(d_k) scale on attention at initialisation.
//!
//! `cargo run --release -p breadth-nn --example transformer_reverse [-- KEY=VALUE ...]` with the
//! settings of `breadth nn train transformer --list` (epochs=12 n_train=10000 ...).

use breadth_core::registry::Configurable;
use breadth_nn::attention::{scale_study, scale_table};
use breadth_nn::transformer::reversal::{exact_match, reverse, ReversalParams};

fn main() -> breadth_core::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let rows = scale_study(&[16, 64, 256], 256, 32, 0)?;
    println!("Attention at initialisation: q, k ~ N(0, I), 32 keys, 256 queries");
    print!("{}", scale_table(&rows, 32));

    let mut p = ReversalParams::default();
    for kv in &args[1..] {
        let (k, v) = kv.split_once('=').expect("KEY=VALUE");
        assert!(p.set_param(k, v)?, "unknown setting {k}");
    }
    if !args.iter().any(|a| a.starts_with("lr_schedule=")) {
        p.train.schedule = breadth_nn::optim::schedule::Decay::Cosine {
            t_max: p.train.epochs,
            eta_min: 1e-5,
        };
    }
    p.train.progress = true;
    println!(
        "\ntraining: {} strings of lengths {}-{}, d_model {}, {} heads, ff {}, {}+{} layers, {} epochs",
        p.task.n_train,
        p.task.min_len,
        p.task.max_len,
        p.model.d_model,
        p.model.heads,
        p.model.ff,
        p.model.layers,
        p.model.layers,
        p.train.epochs
    );
    let t0 = std::time::Instant::now();
    let run = p.fit()?;
    println!(
        "trained in {:.1}s; loss {:.4} -> {:.4}",
        t0.elapsed().as_secs_f64(),
        run.history.train_loss[0],
        run.history.train_loss.last().copied().unwrap_or(f64::NAN)
    );
    let test = exact_match(&run.model, &run.split.test, 256)?;
    let long = exact_match(&run.model, &run.split.long, 256)?;
    println!(
        "exact match, held-out same lengths ({}): {test:.4}",
        run.split.test.len()
    );
    println!(
        "exact match, longer strings 9-10 ({}): {long:.4}",
        run.split.long.len()
    );
    let all: Vec<&String> = run.split.test.iter().chain(&run.split.long).collect();
    for len in 3..=10 {
        let of_len: Vec<String> = all
            .iter()
            .filter(|s| s.len() == len)
            .map(|s| s.to_string())
            .collect();
        if !of_len.is_empty() {
            println!(
                "  length {len:>2}: {:.4} ({} strings)",
                exact_match(&run.model, &of_len, 256)?,
                of_len.len()
            );
        }
    }
    for s in run
        .split
        .test
        .iter()
        .take(3)
        .chain(run.split.long.iter().take(3))
    {
        println!("  {s} -> {}", reverse(&run.model, s)?);
    }
    Ok(())
}
