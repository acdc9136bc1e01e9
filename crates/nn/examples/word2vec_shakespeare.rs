//! word2vec (skip-gram and CBOW, negative sampling) on the complete works of Shakespeare:
//! nearest neighbours of common words and a few analogies.
//!
//! `cargo run --release -p breadth-nn --example word2vec_shakespeare [-- EPOCHS]`

use breadth_nn::word2vec::{Architecture, Word2VecParams};

fn main() -> breadth_core::Result<()> {
    let epochs: usize = std::env::args()
        .nth(1)
        .map_or(5, |e| e.parse().expect("EPOCHS"));
    let text = breadth_data::datasets::shakespeare()?;
    let probes = [
        "king", "queen", "love", "death", "lord", "night", "good", "sword",
    ];
    for arch in [Architecture::SkipGram, Architecture::Cbow] {
        let p = Word2VecParams {
            architecture: arch,
            epochs,
            learning_rate: if arch == Architecture::Cbow {
                0.05
            } else {
                0.025
            },
            ..Word2VecParams::default()
        };
        let t0 = std::time::Instant::now();
        let m = p.fit(&text)?;
        println!(
            "\n{arch}: {} words, dim {}, window {}, {} negatives, sample {}, {} epochs, {:.1}s",
            m.vocab_size(),
            p.dim,
            p.window,
            p.negative,
            p.sample,
            epochs,
            t0.elapsed().as_secs_f64()
        );
        for w in probes {
            let near: Vec<String> = m
                .most_similar(w, 5)?
                .into_iter()
                .map(|(n, s)| format!("{n} {s:.2}"))
                .collect();
            println!("  {w:<6} {}", near.join(", "));
        }
        for (a, b, c) in [
            ("king", "man", "woman"),
            ("father", "son", "daughter"),
            ("he", "his", "her"),
        ] {
            let hits: Vec<String> = m.analogy(a, b, c, 3)?.into_iter().map(|(n, _)| n).collect();
            println!("  {a} - {b} + {c} = {}", hits.join(", "));
        }
    }
    Ok(())
}
