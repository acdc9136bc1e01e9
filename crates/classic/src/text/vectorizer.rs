//! Bag-of-words features from text: [`CountVectorizerParams`] (term counts) and
//! [`TfidfVectorizerParams`] (TF-IDF), matching scikit-learn's `CountVectorizer` and
//! `TfidfVectorizer`, producing sparse CSR matrices (`sprs::CsMat`).
//!
//! Analysis of a document: lower-case it (optional), take tokens of two or more word characters
//! (scikit-learn's `(?u)\b\w\w+\b`: letters, digits, underscore), drop English stop words
//! (optional), and emit word n-grams for $n$ in `ngram_range` joined by spaces. The vocabulary
//! keeps terms whose document frequency lies in [`min_df`, `max_df`] (counts, or fractions of the
//! documents), optionally only the `max_features` most frequent, and is sorted alphabetically:
//! column $j$ is the $j$-th term.
//!
//! TF-IDF of term $t$ in document $d$ among $n$ training documents, $t$ occurring in
//! $\mathrm{df}(t)$ of them:
//! $$ \mathrm{tfidf}(t, d) = \mathrm{tf}(t, d) \cdot \mathrm{idf}(t), \quad
//! \mathrm{idf}(t) = \ln\frac{1 + n}{1 + \mathrm{df}(t)} + 1 \ (\text{smooth}) \text{ or }
//! \ln\frac{n}{\mathrm{df}(t)} + 1, $$
//! with $\mathrm{tf}$ the raw count, $1$ when `binary`, or $1 + \ln \mathrm{tf}$ when
//! `sublinear_tf`; each row is then scaled to unit $\ell_2$ (or $\ell_1$) norm.
//!
//! Shapes: `n_docs x n_terms` sparse. Cost linear in the total text length. Reference: Manning,
//! Raghavan & Schütze, *Introduction to Information Retrieval*, 2008, ch. 6.
//!
//! ```
//! use breadth_classic::text::vectorizer::TfidfVectorizerParams;
//! let docs = ["the cat sat", "the dog sat", "a cat and a dog"];
//! let tfidf = TfidfVectorizerParams::default().fit(&docs).unwrap();
//! assert_eq!(tfidf.vocabulary(), &["and", "cat", "dog", "sat", "the"]);
//! let x = tfidf.transform(&docs);
//! let row0: f64 = x.outer_view(0).unwrap().iter().map(|(_, v)| v * v).sum();
//! assert!((row0 - 1.0).abs() < 1e-12);
//! ```

use std::collections::HashMap;
use std::str::FromStr;

use breadth_core::{Error, Result};
use serde::{Deserialize, Serialize};
use sprs::CsMat;

use super::stop_words::is_english_stop_word;

/// A document-frequency bound: an absolute count or a fraction of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum DocFreq {
    /// At least / at most this many documents.
    Count(usize),
    /// At least / at most this fraction of the documents, in [0, 1].
    Fraction(f64),
}

impl DocFreq {
    fn documents(&self, n_docs: usize) -> f64 {
        match *self {
            DocFreq::Count(c) => c as f64,
            DocFreq::Fraction(f) => f * n_docs as f64,
        }
    }
    fn check(&self, name: &str) -> Result<()> {
        match *self {
            DocFreq::Fraction(f) if !(0.0..=1.0).contains(&f) => Err(Error::param(
                name,
                format!("a fraction must lie in [0, 1], got {f}"),
            )),
            _ => Ok(()),
        }
    }
}

impl FromStr for DocFreq {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if let Ok(c) = s.parse::<usize>() {
            return Ok(DocFreq::Count(c));
        }
        s.parse::<f64>()
            .map(DocFreq::Fraction)
            .map_err(|_| "expected a document count or a fraction in [0, 1]".into())
    }
}

/// Row normalisation of TF-IDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Norm {
    /// Unit Euclidean norm.
    L2,
    /// Unit sum of absolute values.
    L1,
    /// No normalisation.
    None,
}

/// How documents become terms and which terms are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CountVectorizerParams {
    /// Lower-case before tokenising.
    pub lowercase: bool,
    /// Smallest and largest n-gram length.
    pub ngram_range: (usize, usize),
    /// Drop English stop words.
    pub stop_words: bool,
    /// Keep terms in at least this many documents.
    pub min_df: DocFreq,
    /// Keep terms in at most this many documents.
    pub max_df: DocFreq,
    /// Keep only the most frequent terms.
    pub max_features: Option<usize>,
    /// Count presence (1) instead of occurrences.
    pub binary: bool,
}

impl Default for CountVectorizerParams {
    fn default() -> Self {
        CountVectorizerParams {
            lowercase: true,
            ngram_range: (1, 1),
            stop_words: false,
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Fraction(1.0),
            max_features: None,
            binary: false,
        }
    }
}

/// The analysis settings a fitted vectorizer keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Analyzer {
    lowercase: bool,
    ngram_range: (usize, usize),
    stop_words: bool,
}

impl Analyzer {
    /// The terms of one document, in order, with repeats.
    fn analyze(&self, doc: &str) -> Vec<String> {
        let text = if self.lowercase {
            doc.to_lowercase()
        } else {
            doc.to_string()
        };
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let tokens: Vec<&str> = text
            .split(|c: char| !is_word(c))
            .filter(|t| t.chars().count() >= 2)
            .filter(|t| !(self.stop_words && is_english_stop_word(t)))
            .collect();
        let (lo, hi) = self.ngram_range;
        let mut terms = Vec::new();
        for n in lo..=hi {
            for w in tokens.windows(n) {
                terms.push(w.join(" "));
            }
        }
        terms
    }
}

/// A fitted count vectorizer: the sorted vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountVectorizer {
    analyzer: Analyzer,
    binary: bool,
    vocabulary: Vec<String>,
    index: HashMap<String, usize>,
}

impl CountVectorizerParams {
    fn check(&self) -> Result<()> {
        let (lo, hi) = self.ngram_range;
        if lo == 0 || hi < lo {
            return Err(Error::param(
                "ngram_range",
                format!("needs 1 <= min <= max, got ({lo}, {hi})"),
            ));
        }
        self.min_df.check("min_df")?;
        self.max_df.check("max_df")?;
        if self.max_features == Some(0) {
            return Err(Error::param("max_features", "must be at least 1"));
        }
        Ok(())
    }

    /// Learn the vocabulary of `docs`.
    pub fn fit<S: AsRef<str>>(&self, docs: &[S]) -> Result<CountVectorizer> {
        self.check()?;
        if docs.is_empty() {
            return Err(Error::EmptyInput {
                what: "documents".into(),
                detail: "no documents to learn a vocabulary from".into(),
            });
        }
        let analyzer = Analyzer {
            lowercase: self.lowercase,
            ngram_range: self.ngram_range,
            stop_words: self.stop_words,
        };
        // term -> (document frequency, total count as the kept matrix would sum it)
        let mut stats: HashMap<String, (usize, usize)> = HashMap::new();
        for doc in docs {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for t in analyzer.analyze(doc.as_ref()) {
                *counts.entry(t).or_default() += 1;
            }
            for (t, c) in counts {
                let e = stats.entry(t).or_default();
                e.0 += 1;
                e.1 += if self.binary { 1 } else { c };
            }
        }
        let n = docs.len();
        let (min_docs, max_docs) = (self.min_df.documents(n), self.max_df.documents(n));
        if max_docs < min_docs {
            return Err(Error::param(
                "max_df",
                "corresponds to fewer documents than min_df",
            ));
        }
        let mut kept: Vec<(String, usize)> = stats
            .into_iter()
            .filter(|(_, (df, _))| (*df as f64) >= min_docs && (*df as f64) <= max_docs)
            .map(|(t, (_, tf))| (t, tf))
            .collect();
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(m) = self.max_features {
            // Most frequent first; the alphabetical order breaks ties, as scikit-learn's stable sort.
            let mut by_freq = kept;
            by_freq.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            by_freq.truncate(m);
            by_freq.sort_by(|a, b| a.0.cmp(&b.0));
            kept = by_freq;
        }
        if kept.is_empty() {
            return Err(Error::param(
                "min_df / max_df / stop_words",
                "no term is left: the documents may hold only stop words, or the bounds prune everything",
            ));
        }
        let vocabulary: Vec<String> = kept.into_iter().map(|(t, _)| t).collect();
        let index = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        Ok(CountVectorizer {
            analyzer,
            binary: self.binary,
            vocabulary,
            index,
        })
    }
}

impl CountVectorizer {
    /// The terms, column by column (sorted).
    pub fn vocabulary(&self) -> &[String] {
        &self.vocabulary
    }
    /// The terms of one document as this vectorizer sees them (before vocabulary lookup).
    pub fn analyze(&self, doc: &str) -> Vec<String> {
        self.analyzer.analyze(doc)
    }
    /// Term counts, `n_docs x n_terms`; terms outside the vocabulary are ignored.
    pub fn transform<S: AsRef<str>>(&self, docs: &[S]) -> CsMat<f64> {
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for doc in docs {
            let mut counts: HashMap<usize, f64> = HashMap::new();
            for t in self.analyzer.analyze(doc.as_ref()) {
                if let Some(&j) = self.index.get(&t) {
                    *counts.entry(j).or_default() += 1.0;
                }
            }
            let mut row: Vec<(usize, f64)> = counts.into_iter().collect();
            row.sort_by_key(|&(j, _)| j);
            for (j, c) in row {
                indices.push(j);
                data.push(if self.binary { 1.0 } else { c });
            }
            indptr.push(indices.len());
        }
        CsMat::new((docs.len(), self.vocabulary.len()), indptr, indices, data)
    }
}

/// TF-IDF settings on top of the counting ones.
#[derive(Debug, Clone, PartialEq)]
pub struct TfidfVectorizerParams {
    /// Tokenisation and vocabulary.
    pub count: CountVectorizerParams,
    /// Row normalisation.
    pub norm: Norm,
    /// Weight by inverse document frequency.
    pub use_idf: bool,
    /// Add one to document frequencies (as if one extra document held every term).
    pub smooth_idf: bool,
    /// Use $1 + \ln \mathrm{tf}$.
    pub sublinear_tf: bool,
}

impl Default for TfidfVectorizerParams {
    fn default() -> Self {
        TfidfVectorizerParams {
            count: CountVectorizerParams::default(),
            norm: Norm::L2,
            use_idf: true,
            smooth_idf: true,
            sublinear_tf: false,
        }
    }
}

/// A fitted TF-IDF vectorizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfidfVectorizer {
    counts: CountVectorizer,
    idf: Vec<f64>,
    norm: Norm,
    sublinear_tf: bool,
}

impl TfidfVectorizerParams {
    /// Learn the vocabulary and the inverse document frequencies of `docs`.
    pub fn fit<S: AsRef<str>>(&self, docs: &[S]) -> Result<TfidfVectorizer> {
        let counts = self.count.fit(docs)?;
        let x = counts.transform(docs);
        let mut df = vec![0.0; counts.vocabulary.len()];
        for &j in x.indices() {
            df[j] += 1.0;
        }
        let (n, s) = (docs.len() as f64, f64::from(u8::from(self.smooth_idf)));
        let idf = if self.use_idf {
            df.iter().map(|d| ((n + s) / (d + s)).ln() + 1.0).collect()
        } else {
            vec![1.0; df.len()]
        };
        Ok(TfidfVectorizer {
            counts,
            idf,
            norm: self.norm,
            sublinear_tf: self.sublinear_tf,
        })
    }
}

impl TfidfVectorizer {
    /// The terms, column by column.
    pub fn vocabulary(&self) -> &[String] {
        self.counts.vocabulary()
    }
    /// Inverse document frequency of each term.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }
    /// TF-IDF rows, `n_docs x n_terms`, normalised.
    pub fn transform<S: AsRef<str>>(&self, docs: &[S]) -> CsMat<f64> {
        let mut x = self.counts.transform(docs);
        for mut row in x.outer_iterator_mut() {
            for (j, v) in row.iter_mut() {
                let tf = if self.sublinear_tf { 1.0 + v.ln() } else { *v };
                *v = tf * self.idf[j];
            }
            let norm = match self.norm {
                Norm::L2 => row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt(),
                Norm::L1 => row.iter().map(|(_, v)| v.abs()).sum::<f64>(),
                Norm::None => 1.0,
            };
            if norm > 0.0 {
                row.iter_mut().for_each(|(_, v)| *v /= norm);
            }
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix};
    use breadth_core::model_file;

    fn corpus() -> Vec<String> {
        serde_json::from_value(fixture("text")["corpus"].clone()).unwrap()
    }

    fn strings(v: &serde_json::Value) -> Vec<String> {
        serde_json::from_value(v.clone()).unwrap()
    }

    fn assert_dense_eq(x: &CsMat<f64>, expected: &ndarray::Array2<f64>, tol: f64) {
        let d = x.to_dense();
        assert_eq!(d.dim(), expected.dim());
        for (a, b) in d.iter().zip(expected) {
            assert!((a - b).abs() <= tol, "{a} vs {b}");
        }
    }

    #[test]
    fn counts_and_tfidf_equal_scikit_learns() {
        // reference/unsupervised.py text (scikit-learn 1.9.1 CountVectorizer / TfidfVectorizer).
        let f = fixture("text");
        let docs = corpus();
        let cv = CountVectorizerParams::default().fit(&docs).unwrap();
        assert_eq!(cv.vocabulary(), strings(&f["count_vocab"]).as_slice());
        assert_dense_eq(&cv.transform(&docs), &matrix(&f["count"]), 0.0);

        let tv = TfidfVectorizerParams::default().fit(&docs).unwrap();
        assert_eq!(tv.vocabulary(), strings(&f["tfidf_vocab"]).as_slice());
        assert_dense_eq(&tv.transform(&docs), &matrix(&f["tfidf"]), 1e-12);
        let new = ["the lazy fox and the unseen word zebra"];
        assert_dense_eq(&tv.transform(&new), &matrix(&f["new_doc_tfidf"]), 1e-12);

        let p2 = TfidfVectorizerParams {
            count: CountVectorizerParams {
                ngram_range: (1, 2),
                stop_words: true,
                min_df: DocFreq::Count(2),
                max_df: DocFreq::Fraction(0.5),
                ..Default::default()
            },
            sublinear_tf: true,
            ..Default::default()
        };
        let tv2 = p2.fit(&docs).unwrap();
        assert_eq!(tv2.vocabulary(), strings(&f["tfidf2_vocab"]).as_slice());
        assert_dense_eq(&tv2.transform(&docs), &matrix(&f["tfidf2"]), 1e-12);

        let p3 = TfidfVectorizerParams {
            count: CountVectorizerParams {
                binary: true,
                max_features: Some(20),
                ..Default::default()
            },
            norm: Norm::L1,
            smooth_idf: false,
            ..Default::default()
        };
        let tv3 = p3.fit(&docs).unwrap();
        assert_eq!(tv3.vocabulary(), strings(&f["tfidf3_vocab"]).as_slice());
        assert_dense_eq(&tv3.transform(&docs), &matrix(&f["tfidf3"]), 1e-12);
    }

    #[test]
    fn hand_checks_in_place_of_conformance() {
        // Text input has no feature matrix, so the numeric conformance suite does not apply:
        // check determinism, refusal of bad input and the save/load round trip by hand.
        let docs = corpus();
        let p = TfidfVectorizerParams::default();
        let a = p.fit(&docs).unwrap();
        assert_eq!(a, p.fit(&docs).unwrap());
        let bytes = model_file::to_bytes("tfidf-vectorizer", &a).unwrap();
        let back: TfidfVectorizer =
            model_file::from_bytes(&bytes, "tfidf-vectorizer", "t").unwrap();
        assert_eq!(back.transform(&docs), a.transform(&docs));
        assert!(p.fit::<&str>(&[]).is_err());
        let only_stop = TfidfVectorizerParams {
            count: CountVectorizerParams {
                stop_words: true,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(only_stop.fit(&["the and of", "it is"]).is_err());
        let bad = CountVectorizerParams {
            ngram_range: (2, 1),
            ..Default::default()
        };
        assert!(bad.fit(&docs).is_err());
        fn send_sync<T: Send + Sync>() {}
        send_sync::<TfidfVectorizer>();
    }
}
