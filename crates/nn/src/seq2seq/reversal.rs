//! The digit-reversal task: train a [`Seq2Seq`] model to reverse strings of digits, measure exact
//! match on held-out strings of the training lengths and on longer ones, and draw the attention.
//!
//! A source is $x = d_1 \dots d_S$ with digits $d_i \in \{0..9\}$; the target is
//! $d_S \dots d_1 \langle eos \rangle$. Output position $t$ needs exactly source position
//! $S + 1 - t$, so an attention model can align one to one (the heat map is an anti-diagonal),
//! while a fixed-context model must squeeze the whole string into one vector.
//!
//! Held-out strings: a string is *test* when a hash of it is divisible by 10; training batches
//! never contain test strings, and the same-length evaluation uses only test strings (so none of
//! them was seen in training). Longer strings (lengths above the training range) were never seen
//! either. Training batches hold strings of one length (drawn uniformly per step), so no padding
//! is needed. Exact match: the decoded string equals the reversal, with $\langle eos \rangle$ at
//! the right place.
//!
//! Cost: `steps` forward and backward passes of $B$ strings; evaluation decodes every test string
//! greedily and with a beam. Reference: D. Bahdanau, K. Cho, Y. Bengio (ICLR 2015) and M.-T. Luong,
//! H. Pham, C. Manning (EMNLP 2015), who both use toy copy/reversal alignments to show attention.
//!
//! ```
//! use breadth_nn::seq2seq::reversal::{reversal_batch, BOS, EOS, VOCAB};
//! use breadth_core::seeded_rng;
//! let (src, tgt) = reversal_batch(4, 2, &mut seeded_rng(0), false);
//! let mut rev = src[0].clone();
//! rev.reverse();
//! rev.push(EOS);
//! assert_eq!(tgt[0], rev);
//! assert!(src.concat().iter().all(|&d| d < 10) && BOS < VOCAB as u32);
//! ```

use std::path::Path;
use std::sync::Once;

use breadth_core::{seeded_rng, Error, Result, Rng};
use candle_core::{Device, Tensor};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::decode::{beam_search, greedy};
use super::model::{Seq2Seq, Seq2SeqConfig};
use crate::clip::Clip;
use crate::loss::CrossEntropy;
use crate::optim::{Optimizer, OptimizerKind};
use crate::params::Params;

/// Begin-of-sequence token (digits are 0..=9).
pub const BOS: u32 = 10;
/// End-of-sequence token.
pub const EOS: u32 = 11;
/// Vocabulary size: ten digits, BOS, EOS.
pub const VOCAB: usize = 12;

/// True for the strings held out of training.
fn is_test(digits: &[u32]) -> bool {
    // FNV-1a over the digits and the length.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &d in digits
        .iter()
        .chain(std::iter::once(&(digits.len() as u32 + 100)))
    {
        h ^= u64::from(d);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(10)
}

/// `batch` random digit strings of length `len` and their reversals (followed by [`EOS`]);
/// held-out strings only when `test`, never held-out ones otherwise.
pub fn reversal_batch(
    len: usize,
    batch: usize,
    rng: &mut Rng,
    test: bool,
) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let mut src = Vec::with_capacity(batch);
    while src.len() < batch {
        let s: Vec<u32> = (0..len).map(|_| rng.random_range(0..10)).collect();
        if is_test(&s) == test {
            src.push(s);
        }
    }
    let tgt = src
        .iter()
        .map(|s| {
            s.iter()
                .rev()
                .copied()
                .chain(std::iter::once(EOS))
                .collect()
        })
        .collect();
    (src, tgt)
}

/// Settings of a reversal training run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReversalConfig {
    /// Model sizes and attention (the vocabulary is forced to [`VOCAB`]).
    pub model: Seq2SeqConfig,
    /// Shortest and longest training length.
    pub train_lengths: (usize, usize),
    /// Shortest and longest length of the longer test strings.
    pub test_lengths: (usize, usize),
    /// Optimizer steps (one batch of one length each).
    pub steps: usize,
    /// Strings per batch.
    pub batch: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Probability of feeding the true previous token.
    pub teacher_forcing: f64,
    /// Gradient clipping by global norm.
    pub clip_norm: f64,
    /// Beam width for beam-search evaluation.
    pub beam_width: usize,
    /// Test strings per length for greedy evaluation (beam search uses a quarter).
    pub eval_per_length: usize,
    /// Seed of weights, data and teacher-forcing draws.
    pub seed: u64,
}

impl Default for ReversalConfig {
    fn default() -> Self {
        ReversalConfig {
            model: Seq2SeqConfig::default(),
            train_lengths: (3, 8),
            test_lengths: (9, 10),
            steps: 3000,
            batch: 64,
            lr: 2e-3,
            teacher_forcing: 1.0,
            clip_norm: 1.0,
            beam_width: 4,
            eval_per_length: 400,
            seed: 0,
        }
    }
}

/// Scores on test strings of one length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthScore {
    /// String length.
    pub length: usize,
    /// Exact-match rate of greedy decoding.
    pub greedy_exact: f64,
    /// Exact-match rate of beam search (on the first quarter of the strings).
    pub beam_exact: f64,
    /// Fraction of output positions right under greedy decoding (missing positions count wrong).
    pub token_accuracy: f64,
}

/// What a reversal run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReversalReport {
    /// The settings.
    pub config: ReversalConfig,
    /// Training loss of every step.
    pub losses: Vec<f64>,
    /// Held-out strings of the training lengths.
    pub same_length: Vec<LengthScore>,
    /// Longer strings than any seen in training.
    pub longer: Vec<LengthScore>,
    /// An example source (longest test length), its greedy output and attention (rows: output
    /// steps including EOS, columns: source positions; empty without attention).
    pub example: (Vec<u32>, Vec<u32>, Vec<Vec<f32>>),
}

impl ReversalReport {
    /// Mean greedy exact match over a set of lengths.
    pub fn mean_greedy(scores: &[LengthScore]) -> f64 {
        scores.iter().map(|s| s.greedy_exact).sum::<f64>() / scores.len().max(1) as f64
    }

    /// Mean beam exact match over a set of lengths.
    pub fn mean_beam(scores: &[LengthScore]) -> f64 {
        scores.iter().map(|s| s.beam_exact).sum::<f64>() / scores.len().max(1) as f64
    }
}

/// A trained model with its variables and the report.
pub struct ReversalRun {
    /// The model.
    pub model: Seq2Seq,
    /// Its variables.
    pub params: Params,
    /// The measurements.
    pub report: ReversalReport,
}

fn validate(cfg: &ReversalConfig) -> Result<()> {
    let (a, b) = cfg.train_lengths;
    let (c, d) = cfg.test_lengths;
    if a == 0 || a > b || c == 0 || c > d {
        return Err(Error::param(
            "lengths",
            format!("need 1 <= min <= max, got train {a}..{b}, test {c}..{d}"),
        ));
    }
    if cfg.steps == 0 || cfg.batch == 0 || cfg.beam_width == 0 || cfg.eval_per_length < 4 {
        return Err(Error::param(
            "reversal",
            "steps, batch and beam width must be positive and eval_per_length at least 4",
        ));
    }
    breadth_core::validate::in_range("teacher_forcing", cfg.teacher_forcing, 0.0, 1.0)?;
    breadth_core::validate::positive("clip_norm", cfg.clip_norm)
}

fn ids(rows: &[Vec<u32>]) -> Result<Tensor> {
    Tensor::from_vec(rows.concat(), (rows.len(), rows[0].len()), &Device::Cpu)
        .map_err(crate::tensor_err("reversal batch"))
}

/// Score `model` on `n` held-out strings (`test` set) of length `len`.
pub fn evaluate_length(
    model: &Seq2Seq,
    len: usize,
    n: usize,
    beam_width: usize,
    rng: &mut Rng,
) -> Result<LengthScore> {
    let (src, tgt) = reversal_batch(len, n, rng, true);
    let out = greedy(model, &src, BOS, EOS, len + 2)?;
    let (mut exact, mut tokens) = (0usize, 0usize);
    for (o, t) in out.iter().zip(&tgt) {
        let want = &t[..len];
        exact += usize::from(o.tokens == want);
        tokens += want
            .iter()
            .zip(o.tokens.iter().chain(std::iter::repeat(&EOS)))
            .filter(|(a, b)| a == b)
            .count();
    }
    let n_beam = (n / 4).max(1);
    let mut beam_hits = 0usize;
    for (s, t) in src.iter().zip(&tgt).take(n_beam) {
        let d = beam_search(model, s, BOS, EOS, beam_width, len + 2)?;
        beam_hits += usize::from(d.tokens == t[..len]);
    }
    Ok(LengthScore {
        length: len,
        greedy_exact: exact as f64 / n as f64,
        beam_exact: beam_hits as f64 / n_beam as f64,
        token_accuracy: tokens as f64 / (n * len) as f64,
    })
}

/// Train on reversal and evaluate on held-out strings of the training lengths and of longer
/// ones; `progress` is called with (step, loss) every 100 steps.
pub fn train_reversal(
    cfg: &ReversalConfig,
    mut progress: impl FnMut(usize, f64),
) -> Result<ReversalRun> {
    validate(cfg)?;
    let mut model_cfg = cfg.model;
    model_cfg.vocab = VOCAB;
    let mut rng = seeded_rng(cfg.seed);
    let mut params = Params::new();
    let model = Seq2Seq::new(&mut params, &model_cfg, &mut rng)?;
    let vars = params.trainable();
    let mut opt = Optimizer::new(OptimizerKind::adam(), cfg.lr, vars.clone())?;
    let ce = CrossEntropy {
        label_smoothing: 0.0,
        ignore_index: None,
    };
    let terr = crate::tensor_err("reversal training");
    let mut losses = Vec::with_capacity(cfg.steps);
    for step in 0..cfg.steps {
        let len = rng.random_range(cfg.train_lengths.0..=cfg.train_lengths.1);
        let (src, tgt) = reversal_batch(len, cfg.batch, &mut rng, false);
        let (src, tgt) = (ids(&src)?, ids(&tgt)?);
        let out = model
            .forward(&src, &tgt, BOS, cfg.teacher_forcing, Some(&mut rng))
            .map_err(&terr)?;
        let loss = out
            .logits
            .reshape(((), VOCAB))
            .and_then(|z| ce.apply(&z, &tgt.flatten_all()?))
            .map_err(&terr)?;
        let mut grads = loss.backward().map_err(&terr)?;
        Clip::Norm(cfg.clip_norm)
            .apply(&mut grads, &vars)
            .map_err(&terr)?;
        opt.step(&grads)?;
        let l = loss.to_scalar::<f32>().map_err(&terr)? as f64;
        if !l.is_finite() {
            return Err(Error::numerical(
                "reversal training",
                format!("loss {l} at step {step}"),
            ));
        }
        losses.push(l);
        if step % 100 == 99 {
            progress(step + 1, l);
        }
    }
    let mut eval_rng = seeded_rng(cfg.seed ^ 0xe7a1);
    let score = |lens: (usize, usize), rng: &mut Rng| -> Result<Vec<LengthScore>> {
        (lens.0..=lens.1)
            .map(|len| evaluate_length(&model, len, cfg.eval_per_length, cfg.beam_width, rng))
            .collect()
    };
    let same_length = score(cfg.train_lengths, &mut eval_rng)?;
    let longer = score(cfg.test_lengths, &mut eval_rng)?;
    let (src, _) = reversal_batch(cfg.test_lengths.1, 1, &mut eval_rng, true);
    let ex = greedy(&model, &src, BOS, EOS, cfg.test_lengths.1 + 2)?.remove(0);
    let report = ReversalReport {
        config: *cfg,
        losses,
        same_length,
        longer,
        example: (src[0].clone(), ex.tokens, ex.attention),
    };
    Ok(ReversalRun {
        model,
        params,
        report,
    })
}

static FONT: &[u8] = include_bytes!("../../../metrics/assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn token_name(t: u32) -> String {
    match t {
        BOS => "<bos>".into(),
        EOS => "<eos>".into(),
        d => d.to_string(),
    }
}

/// Draw attention weights (rows: output tokens, columns: source tokens) as a heat map, PNG or
/// SVG by the extension of `path`; darker is more weight. `output` may be one shorter than the
/// rows (the last row is then labelled `<eos>`).
pub fn attention_heatmap(
    weights: &[Vec<f32>],
    source: &[u32],
    output: &[u32],
    path: &Path,
) -> Result<()> {
    if weights.is_empty() || weights.iter().any(|r| r.len() != source.len()) {
        return Err(Error::shape(
            "attention weights",
            format!("rows of {} source positions", source.len()),
            format!("{} rows", weights.len()),
        ));
    }
    REGISTER.call_once(|| {
        // The embedded bytes are a valid TrueType font; a failure is a build defect.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let rows: Vec<String> = (0..weights.len())
        .map(|i| output.get(i).map_or("<eos>".into(), |&t| token_name(t)))
        .collect();
    let cols: Vec<String> = source.iter().map(|&t| token_name(t)).collect();
    let cell = 40u32;
    let size = (
        120 + cell * cols.len() as u32,
        120 + cell * rows.len() as u32,
    );
    let err = |e: String| Error::numerical(format!("heat map {}", path.display()), e);
    fn draw<DB: DrawingBackend>(
        root: DrawingArea<DB, Shift>,
        weights: &[Vec<f32>],
        rows: &[String],
        cols: &[String],
        cell: i32,
    ) -> std::result::Result<(), String> {
        let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(e)?;
        let (x0, y0) = (90, 60);
        let font = ("sans-serif", 16).into_font();
        root.draw(&Text::new("source", (x0, 20), font.clone()))
            .map_err(e)?;
        for (j, c) in cols.iter().enumerate() {
            let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new(
                c.clone(),
                (x0 + cell * j as i32 + cell / 2, y0 - 15),
                style,
            ))
            .map_err(e)?;
        }
        for (i, (r, w)) in rows.iter().zip(weights).enumerate() {
            let y = y0 + cell * i as i32;
            let style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(r.clone(), (x0 - 10, y + cell / 2), style))
                .map_err(e)?;
            for (j, &a) in w.iter().enumerate() {
                let x = x0 + cell * j as i32;
                let v = (255.0 * (1.0 - a.clamp(0.0, 1.0))) as u8;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    RGBColor(v, v, 255).filled(),
                ))
                .map_err(e)?;
            }
        }
        root.present().map_err(e)
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png") => draw(
            BitMapBackend::new(path, size).into_drawing_area(),
            weights,
            &rows,
            &cols,
            cell as i32,
        )
        .map_err(err),
        Some("svg") => draw(
            SVGBackend::new(path, size).into_drawing_area(),
            weights,
            &rows,
            &cols,
            cell as i32,
        )
        .map_err(err),
        _ => Err(Error::param(
            "plot",
            format!("{}: the file name must end in .png or .svg", path.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq2seq::model::AttentionKind;

    #[test]
    fn test_strings_never_reach_training() {
        let mut rng = seeded_rng(0);
        let (train, _) = reversal_batch(3, 500, &mut rng, false);
        let (test, _) = reversal_batch(3, 50, &mut rng, true);
        assert!(train.iter().all(|s| !is_test(s)));
        assert!(test.iter().all(|s| is_test(s)));
        // About a tenth of the 1000 strings of length 3 are held out.
        let n = (0..1000u32)
            .filter(|v| is_test(&[v / 100, v / 10 % 10, v % 10]))
            .count();
        assert!((60..=140).contains(&n), "{n}");
    }

    /// A tiny model learns to reverse strings of length 2 in a few hundred steps (well above
    /// the 1% chance of an exact match) and the report is complete.
    #[test]
    fn tiny_run_learns_and_plots() {
        let cfg = ReversalConfig {
            model: Seq2SeqConfig {
                embed: 8,
                encoder_hidden: 12,
                decoder_hidden: 16,
                attention_dim: 8,
                attention: AttentionKind::Bahdanau,
                ..Seq2SeqConfig::default()
            },
            train_lengths: (2, 2),
            test_lengths: (3, 3),
            steps: 150,
            batch: 32,
            lr: 0.01,
            eval_per_length: 40,
            ..ReversalConfig::default()
        };
        let run = train_reversal(&cfg, |_, _| {}).unwrap();
        let r = &run.report;
        assert!(r.losses[149] < 0.5 * r.losses[0], "{:?}", &r.losses[140..]);
        assert!(r.same_length[0].token_accuracy > 0.5, "{:?}", r.same_length);
        assert_eq!(r.example.2[0].len(), 3);
        let dir = std::env::temp_dir().join(format!("breadth-heatmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for ext in ["svg", "png"] {
            let p = dir.join(format!("a.{ext}"));
            attention_heatmap(&r.example.2, &r.example.0, &r.example.1, &p).unwrap();
            assert!(std::fs::metadata(&p).unwrap().len() > 100);
        }
        assert!(attention_heatmap(&r.example.2, &[1], &[], &dir.join("a.svg")).is_err());
        assert!(attention_heatmap(&r.example.2, &r.example.0, &[], &dir.join("a.txt")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
