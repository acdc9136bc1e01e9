//! Latent semantic analysis: TF-IDF features reduced by truncated SVD, with cosine-similarity
//! search over the training documents in the latent space.
//!
//! Documents become sparse TF-IDF rows $x_i \in \mathbb{R}^{|V|}$
//! ([`super::vectorizer`]); a truncated SVD $X \approx U_k \Sigma_k V_k^\top$ maps each to
//! $z_i = V_k^\top x_i \in \mathbb{R}^k$, where terms that co-occur share directions. A query $q$
//! is mapped the same way and documents are ranked by
//! $\cos(z_q, z_i) = z_q^\top z_i / (\lVert z_q \rVert \lVert z_i \rVert)$.
//!
//! Shapes: `n_docs` documents, `k` latent dimensions; a search costs $O(n_{docs} k)$. Reference:
//! S. Deerwester et al., *Indexing by latent semantic analysis*, JASIS 41(6), 1990.
//!
//! ```
//! use breadth_classic::text::lsa::LsaParams;
//! let docs = ["cats purr and meow", "dogs bark and growl", "kittens are young cats that meow",
//!             "puppies are young dogs that bark"];
//! let lsa = LsaParams::new(2).fit(&docs).unwrap();
//! let hits = lsa.search("a cat that meows", 1).unwrap();
//! assert!(hits[0].0 == 0 || hits[0].0 == 2);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use super::vectorizer::{TfidfVectorizer, TfidfVectorizerParams};
use crate::decomposition::truncated_svd::{SvdAlgorithm, TruncatedSvd, TruncatedSvdParams};

/// Hyper-parameters of LSA: the vectorizer and the SVD.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LsaParams {
    /// TF-IDF settings.
    pub tfidf: TfidfVectorizerParams,
    /// SVD settings (`n_components` is the latent dimension).
    pub svd: TruncatedSvdParams,
}

impl LsaParams {
    /// Defaults with `k` latent dimensions and the exact SVD.
    pub fn new(k: usize) -> Self {
        LsaParams {
            tfidf: TfidfVectorizerParams::default(),
            svd: TruncatedSvdParams::new(k).algorithm(SvdAlgorithm::Exact),
        }
    }

    /// Vectorize `docs`, fit the SVD and index the documents.
    pub fn fit<S: AsRef<str>>(&self, docs: &[S]) -> Result<Lsa> {
        let tfidf = self.tfidf.fit(docs)?;
        let x = tfidf.transform(docs);
        let svd = self.svd.fit_sparse(&x)?;
        let docs = normalize_rows(svd.transform_sparse(&x)?);
        Ok(Lsa { tfidf, svd, docs })
    }
}

/// A fitted LSA index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lsa {
    tfidf: TfidfVectorizer,
    svd: TruncatedSvd,
    /// Unit-norm latent vectors of the training documents.
    docs: Array2<f64>,
}

fn normalize_rows(mut z: Array2<f64>) -> Array2<f64> {
    for mut r in z.axis_iter_mut(Axis(0)) {
        let n = r.dot(&r).sqrt();
        if n > 0.0 {
            r /= n;
        }
    }
    z
}

impl Lsa {
    /// Latent vectors of `docs`, `n x k` (not normalised).
    pub fn embed<S: AsRef<str>>(&self, docs: &[S]) -> Result<Array2<f64>> {
        self.svd.transform_sparse(&self.tfidf.transform(docs))
    }
    /// Cosine similarity of `query` to every training document.
    pub fn similarities(&self, query: &str) -> Result<Array1<f64>> {
        let q = normalize_rows(self.embed(&[query])?);
        Ok(self.docs.dot(&q.row(0)))
    }
    /// The `top_k` most similar training documents as `(index, cosine)`, best first.
    pub fn search(&self, query: &str, top_k: usize) -> Result<Vec<(usize, f64)>> {
        if top_k == 0 {
            return Err(Error::param("top_k", "must be at least 1"));
        }
        let sims = self.similarities(query)?;
        let mut order: Vec<(usize, f64)> = sims.iter().copied().enumerate().collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        order.truncate(top_k);
        Ok(order)
    }
    /// The vectorizer.
    pub fn vectorizer(&self) -> &TfidfVectorizer {
        &self.tfidf
    }
    /// The SVD.
    pub fn svd(&self) -> &TruncatedSvd {
        &self.svd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, vector};

    #[test]
    fn similarities_match_scikit_learn_pipeline() {
        // reference/unsupervised.py text: TfidfVectorizer -> TruncatedSVD(3, arpack) -> cosine.
        let f = fixture("text");
        let docs: Vec<String> = serde_json::from_value(f["corpus"].clone()).unwrap();
        let lsa = LsaParams::new(3).fit(&docs).unwrap();
        let sims = lsa
            .similarities("rising interest rates and inflation")
            .unwrap();
        let theirs = vector(&f["lsa_query_sims"]);
        assert!(
            sims.iter().zip(&theirs).all(|(a, b)| (a - b).abs() < 1e-8),
            "{sims} vs {theirs}"
        );
        let top: Vec<usize> = lsa
            .search("rising interest rates and inflation", 4)
            .unwrap()
            .iter()
            .map(|h| h.0)
            .collect();
        let mut sorted = top.clone();
        sorted.sort();
        assert_eq!(sorted, vec![3, 4, 5, 10]);
        assert!(lsa.search("x", 0).is_err());
    }
}
