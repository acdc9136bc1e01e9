//! Sequences from text, and training / decoding as `breadth hmm` does.
//!
//! The format: one sequence per line, observations separated by whitespace; blank lines and
//! lines starting with `#` are skipped. With [`EmissionKind::Categorical`] each distinct token
//! is a symbol (numbered in order of first appearance; the vocabulary is saved with the
//! model); with [`EmissionKind::Gaussian`] every token must be a number and each line is a
//! one-dimensional real sequence.
//!
//! [`train`] fits a model with [`BaumWelch`] and returns a [`TrainedHmm`] (serializable, to be
//! written with `breadth_core::model_file` under the kind `"hmm"`); [`TrainedHmm::decode`] gives
//! each line's Viterbi path, its log-probability and the sequence log-likelihood. Errors name
//! the source, line and token.
//!
//! ```
//! use breadth_classic::hmm::text::{train, EmissionKind};
//! use breadth_classic::hmm::BaumWelch;
//! let text = "a a a b b b\na a b b b b\nb b a a a a\n";
//! let (model, _) = train(text, "seqs.txt", EmissionKind::Categorical, &BaumWelch::default().n_states(2).n_init(3)).unwrap();
//! let decoded = model.decode("a a b b\n", "new.txt").unwrap();
//! assert_eq!(decoded[0].states.len(), 4);
//! assert_ne!(decoded[0].states[0], decoded[0].states[3]);
//! assert!(model.decode("a z\n", "new.txt").unwrap_err().to_string().contains("new.txt:1"));
//! ```

use std::collections::HashMap;
use std::str::FromStr;

use breadth_core::{Error, Result};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::{BaumWelch, CategoricalEmission, FitReport, GaussianEmission, Hmm};

/// What the observations are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmissionKind {
    /// Tokens from a finite vocabulary.
    Categorical,
    /// Real numbers, normal within each state.
    Gaussian,
}

impl FromStr for EmissionKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "categorical" => Ok(Self::Categorical),
            "gaussian" => Ok(Self::Gaussian),
            _ => Err("expected categorical or gaussian".into()),
        }
    }
}

/// The non-blank, non-comment lines with their one-based line numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| (n, l.split_whitespace().collect()))
}

fn no_sequences(source: &str) -> Error {
    Error::Parse {
        source_name: source.into(),
        line: 0,
        reason: "holds no sequence (one per line, observations separated by spaces)".into(),
    }
}

/// Symbol sequences and their vocabulary (tokens numbered by first appearance).
pub fn read_symbols(text: &str, source: &str) -> Result<(Vec<Vec<usize>>, Vec<String>)> {
    let mut vocabulary: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let seqs: Vec<Vec<usize>> = lines(text)
        .map(|(_, tokens)| {
            tokens
                .into_iter()
                .map(|t| {
                    *index.entry(t.to_string()).or_insert_with(|| {
                        vocabulary.push(t.to_string());
                        vocabulary.len() - 1
                    })
                })
                .collect()
        })
        .collect();
    if seqs.is_empty() {
        return Err(no_sequences(source));
    }
    Ok((seqs, vocabulary))
}

/// One-dimensional real sequences (`T x 1` each).
pub fn read_numbers(text: &str, source: &str) -> Result<Vec<Array2<f64>>> {
    let seqs = lines(text)
        .map(|(line, tokens)| {
            let values = tokens
                .iter()
                .map(|t| match t.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(Error::Parse {
                        source_name: source.into(),
                        line,
                        reason: format!("`{t}` is not a finite number"),
                    }),
                })
                .collect::<Result<Vec<f64>>>()?;
            Ok(Array2::from_shape_vec((values.len(), 1), values).expect("n x 1"))
        })
        .collect::<Result<Vec<_>>>()?;
    if seqs.is_empty() {
        return Err(no_sequences(source));
    }
    Ok(seqs)
}

/// A trained model with what it needs to read new text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrainedHmm {
    /// Symbols, with the vocabulary seen in training.
    Categorical {
        /// Token of each symbol number.
        vocabulary: Vec<String>,
        /// The model.
        hmm: Hmm<CategoricalEmission>,
    },
    /// One-dimensional real observations.
    Gaussian {
        /// The model.
        hmm: Hmm<GaussianEmission>,
    },
}

/// One decoded line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decoded {
    /// One-based line number in the source.
    pub line: usize,
    /// The Viterbi state path.
    pub states: Vec<usize>,
    /// $\log p(o, s^*)$ of that path.
    pub path_log_prob: f64,
    /// $\log p(o)$ of the sequence.
    pub log_likelihood: f64,
}

/// Train on the sequences of `text`.
pub fn train(
    text: &str,
    source: &str,
    kind: EmissionKind,
    bw: &BaumWelch,
) -> Result<(TrainedHmm, FitReport)> {
    Ok(match kind {
        EmissionKind::Categorical => {
            let (seqs, vocabulary) = read_symbols(text, source)?;
            let (hmm, report) = bw.fit::<CategoricalEmission>(&seqs)?;
            (TrainedHmm::Categorical { vocabulary, hmm }, report)
        }
        EmissionKind::Gaussian => {
            let seqs = read_numbers(text, source)?;
            let (hmm, report) = bw.fit::<GaussianEmission>(&seqs)?;
            (TrainedHmm::Gaussian { hmm }, report)
        }
    })
}

impl TrainedHmm {
    /// Decode every sequence of `text` (same format as for training).
    pub fn decode(&self, text: &str, source: &str) -> Result<Vec<Decoded>> {
        let decode_one =
            |line: usize, path: Result<(f64, Vec<usize>)>, ll: Result<f64>| -> Result<Decoded> {
                let at_line = |e: Error| Error::Parse {
                    source_name: source.into(),
                    line,
                    reason: e.to_string(),
                };
                let (path_log_prob, states) = path.map_err(at_line)?;
                Ok(Decoded {
                    line,
                    states,
                    path_log_prob,
                    log_likelihood: ll.map_err(at_line)?,
                })
            };
        let out: Vec<Decoded> = match self {
            TrainedHmm::Categorical { vocabulary, hmm } => {
                let index: HashMap<&str, usize> = vocabulary
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.as_str(), i))
                    .collect();
                lines(text)
                    .map(|(line, tokens)| {
                        let seq = tokens
                            .iter()
                            .map(|t| {
                                index.get(t).copied().ok_or_else(|| Error::Parse {
                                    source_name: source.into(),
                                    line,
                                    reason: format!("symbol `{t}` was not seen in training"),
                                })
                            })
                            .collect::<Result<Vec<usize>>>()?;
                        decode_one(line, hmm.viterbi(&seq), hmm.log_likelihood(&seq))
                    })
                    .collect::<Result<_>>()?
            }
            TrainedHmm::Gaussian { hmm } => {
                let numbered: Vec<usize> = lines(text).map(|(n, _)| n).collect();
                read_numbers(text, source)?
                    .iter()
                    .zip(numbered)
                    .map(|(seq, line)| decode_one(line, hmm.viterbi(seq), hmm.log_likelihood(seq)))
                    .collect::<Result<_>>()?
            }
        };
        if out.is_empty() {
            return Err(no_sequences(source));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_text_round_trip_and_errors() {
        let text = "# two regimes\n0.1 -0.2 0.0 5.1 4.9 5.2\n\n5.0 5.3 0.2 0.1\n";
        let bw = BaumWelch::default().n_states(2).n_init(2);
        let (model, report) = train(text, "x.txt", EmissionKind::Gaussian, &bw).unwrap();
        assert!(report.log_likelihood.is_finite());
        let d = model.decode(text, "x.txt").unwrap();
        assert_eq!((d[0].line, d[1].line), (2, 4));
        assert_eq!(d[0].states[0], d[1].states[2]);
        assert_ne!(d[0].states[0], d[0].states[4]);
        let err = train("1 2 x\n", "bad.txt", EmissionKind::Gaussian, &bw).unwrap_err();
        assert!(err.to_string().starts_with("bad.txt:1:"), "{err}");
        assert!(train("\n# nothing\n", "e.txt", EmissionKind::Categorical, &bw).is_err());
        let bytes = breadth_core::model_file::to_bytes("hmm", &model).unwrap();
        let back: TrainedHmm = breadth_core::model_file::from_bytes(&bytes, "hmm", "<t>").unwrap();
        assert_eq!(back, model);
    }
}
