//! Incremental PCA (scikit-learn's `IncrementalPCA`): PCA from batches of rows, for data that
//! does not fit in memory.
//!
//! After batches totalling $m$ rows with mean $\mu_m$ and retained factors
//! $\Sigma_k V_k^\top$, a new batch $B$ ($b$ rows, mean $\mu_B$) is folded in by the thin SVD of
//! $$ \begin{bmatrix} \Sigma_k V_k^\top \\ B - \mathbf{1}\mu_B^\top \\
//! \sqrt{m b / (m + b)}\,(\mu_m - \mu_B)^\top \end{bmatrix} = U \Sigma V^\top, $$
//! whose first $k$ rows of $V^\top$ become the components (the last row accounts for the shift
//! of the mean). Explained variances are $\sigma_j^2 / (n - 1)$, their ratios relative to the
//! summed running column variances. Exact when $k$ equals the rank; otherwise an approximation
//! whose error is what is discarded at each step.
//!
//! Shapes: batches `b x d`, components `k x d`. Cost $O((k + b) d \min(k + b, d))$ per batch,
//! memory $O((k + b) d)$. Reference: D. Ross, J. Lim, R.-S. Lin, M.-H. Yang, *Incremental learning
//! for robust visual tracking*, IJCV 77, 2008.
//!
//! ```
//! use breadth_classic::decomposition::incremental_pca::IncrementalPcaParams;
//! use breadth_core::{Fit, Transformer};
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let mut ipca = IncrementalPcaParams::new(2).start(4).unwrap();
//! for chunk in iris.features().axis_chunks_iter(ndarray::Axis(0), 50) {
//!     ipca.partial_fit(chunk).unwrap();
//! }
//! assert_eq!(ipca.transform(iris.features()).unwrap().ncols(), 2);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_finite, check_fit_input, check_predict_input};
use breadth_core::{Dataset, Error, Fit, Result, Transformer};
use ndarray::{concatenate, Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::linalg::{svd_flip, thin_svd};
use super::pca::{NComponents, Pca};

/// Hyper-parameters of incremental PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct IncrementalPcaParams {
    /// Components `k`.
    pub n_components: usize,
    /// Rows per batch when fitting a whole dataset (`0`: five times the features).
    pub batch_size: usize,
    /// Scale the outputs to unit variance.
    pub whiten: bool,
}

impl Default for IncrementalPcaParams {
    fn default() -> Self {
        IncrementalPcaParams {
            n_components: 2,
            batch_size: 0,
            whiten: false,
        }
    }
}

impl IncrementalPcaParams {
    /// Defaults with `k` components.
    pub fn new(n_components: usize) -> Self {
        IncrementalPcaParams {
            n_components,
            ..Default::default()
        }
    }
    /// Set the batch size.
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }

    /// An empty model for `n_features` columns, to be fed with [`IncrementalPca::partial_fit`].
    pub fn start(&self, n_features: usize) -> Result<IncrementalPca> {
        if self.n_components == 0 || self.n_components > n_features {
            return Err(Error::param(
                "n_components",
                format!(
                    "must lie in 1..={n_features} (the features), got {}",
                    self.n_components
                ),
            ));
        }
        Ok(IncrementalPca {
            n_components: self.n_components,
            whiten: self.whiten,
            n_seen: 0,
            mean: Array1::zeros(n_features),
            var: Array1::zeros(n_features),
            factors: Array2::zeros((0, n_features)),
            pca: None,
        })
    }
}

impl Configurable for IncrementalPcaParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("n_components", self.n_components, "components k"),
            ParamSpec::new(
                "batch_size",
                self.batch_size,
                "rows per batch (0: 5 x features)",
            ),
            ParamSpec::new("whiten", self.whiten, "scale outputs to unit variance"),
        ]
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "n_components" => self.n_components = parse_param(name, value)?,
            "batch_size" => self.batch_size = parse_param(name, value)?,
            "whiten" => self.whiten = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// An incremental PCA: running state plus the current PCA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncrementalPca {
    n_components: usize,
    whiten: bool,
    n_seen: usize,
    mean: Array1<f64>,
    /// Running column variances (`ddof = 0`).
    var: Array1<f64>,
    /// $\Sigma_k V_k^\top$ of the data so far.
    factors: Array2<f64>,
    pca: Option<Pca>,
}

impl IncrementalPca {
    /// Fold in one batch of rows (at least `n_components` of them).
    pub fn partial_fit(&mut self, batch: ArrayView2<'_, f64>) -> Result<()> {
        check_finite(batch, "batch")?;
        let d = self.mean.len();
        if batch.ncols() != d {
            return Err(Error::shape("batch columns", d, batch.ncols()));
        }
        let b = batch.nrows();
        if b < self.n_components {
            return Err(Error::param(
                "batch_size",
                format!(
                    "a batch needs at least n_components = {} rows, got {b}",
                    self.n_components
                ),
            ));
        }
        let (m, total) = (self.n_seen as f64, (self.n_seen + b) as f64);
        let bmean = batch.mean_axis(Axis(0)).expect("b >= 1");
        let bvar = batch.var_axis(Axis(0), 0.0);
        // Chan et al.'s pairwise update of mean and variance.
        let delta = &bmean - &self.mean;
        let new_mean = &self.mean + &(&delta * (b as f64 / total));
        let new_var =
            (&self.var * m + &bvar * b as f64 + &delta.mapv(|v| v * v) * (m * b as f64 / total))
                / total;
        let centred = &batch - &bmean;
        let stacked = if self.n_seen == 0 {
            centred
        } else {
            let correction = (&self.mean - &bmean) * (m * b as f64 / total).sqrt();
            concatenate![
                Axis(0),
                self.factors,
                centred,
                correction.insert_axis(Axis(0))
            ]
        };
        let (mut u, s, mut vt) = thin_svd(stacked.view())?;
        svd_flip(&mut u, &mut vt);
        let k = self.n_components.min(s.len());
        self.n_seen += b;
        self.mean = new_mean;
        self.var = new_var;
        self.factors =
            &vt.slice(ndarray::s![..k, ..]) * &s.slice(ndarray::s![..k]).insert_axis(Axis(1));
        if self.n_seen >= 2 {
            let denom = self.n_seen as f64 - 1.0;
            let ev = s.mapv(|v| v * v / denom);
            let total_var = self.var.sum() * self.n_seen as f64 / denom;
            self.pca = Some(Pca::from_spectrum(
                self.mean.clone(),
                vt,
                ev,
                total_var,
                d.min(self.n_seen),
                self.n_seen,
                NComponents::Count(k),
                self.whiten,
            )?);
        }
        Ok(())
    }

    /// The PCA of the data seen so far (`None` before two rows).
    pub fn pca(&self) -> Option<&Pca> {
        self.pca.as_ref()
    }

    /// Rows seen so far.
    pub fn n_samples_seen(&self) -> usize {
        self.n_seen
    }

    fn fitted(&self) -> Result<&Pca> {
        self.pca
            .as_ref()
            .ok_or_else(|| Error::unsupported("incremental-pca", "transform before any batch"))
    }
}

impl Fit for IncrementalPcaParams {
    type Fitted = IncrementalPca;
    fn fit(&self, data: &Dataset) -> Result<IncrementalPca> {
        check_fit_input(data)?;
        let x = data.features();
        let mut model = self.start(x.ncols())?;
        let b = if self.batch_size == 0 {
            5 * x.ncols()
        } else {
            self.batch_size
        };
        let n = x.nrows();
        if n < self.n_components.max(2) {
            return Err(Error::param(
                "n_components",
                format!("{n} rows are too few for {} components", self.n_components),
            ));
        }
        // As scikit-learn's gen_batches(min_batch_size=k): a short tail joins the last batch.
        let mut start = 0;
        while start < n {
            let mut end = (start + b).min(n);
            if n - end < self.n_components {
                end = n;
            }
            model.partial_fit(x.slice(ndarray::s![start..end, ..]))?;
            start = end;
        }
        Ok(model)
    }
}

impl Fitted for IncrementalPca {
    fn model_name(&self) -> &'static str {
        "incremental-pca"
    }
    fn n_features_in(&self) -> usize {
        self.mean.len()
    }
}

impl Transformer for IncrementalPca {
    fn transform(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        self.fitted()?.transform(x)
    }
    fn inverse_transform(&self, z: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.fitted()?.inverse_transform(z)
    }
    fn output_names(&self, input_names: &[String]) -> Vec<String> {
        self.pca
            .as_ref()
            .map_or_else(Vec::new, |p| p.output_names(input_names))
    }
    fn n_features_out(&self) -> usize {
        self.pca
            .as_ref()
            .map_or(self.n_components, |p| p.n_features_out())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testutil::{fixture, matrix, vector};
    use crate::decomposition::pca::{equal_up_to_sign, PcaParams};
    use breadth_core::conformance::check_transformer;

    #[test]
    fn conformance() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        check_transformer(&IncrementalPcaParams::new(2).batch_size(40), &iris);
    }

    #[test]
    fn matches_scikit_learn_incremental_pca() {
        // reference/unsupervised.py pca: IncrementalPCA(n_components=3, batch_size=20).
        let f = fixture("pca");
        let ds = Dataset::new(matrix(&f["x"]));
        let m = IncrementalPcaParams::new(3)
            .batch_size(20)
            .fit(&ds)
            .unwrap();
        let p = m.pca().unwrap();
        assert!(equal_up_to_sign(
            p.components(),
            &matrix(&f["ipca_components"]),
            1e-8
        ));
        for (a, b) in [
            (
                p.explained_variance(),
                vector(&f["ipca_explained_variance"]),
            ),
            (
                p.explained_variance_ratio(),
                vector(&f["ipca_explained_variance_ratio"]),
            ),
            (p.singular_values(), vector(&f["ipca_singular_values"])),
            (p.mean(), vector(&f["ipca_mean"])),
        ] {
            assert!(
                a.iter()
                    .zip(&b)
                    .all(|(x, y)| (x - y).abs() < 1e-8 * (1.0 + y.abs())),
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn full_rank_incremental_equals_exact_pca() {
        let digits = breadth_data::datasets::load("digits").unwrap();
        let x = digits.features().slice(ndarray::s![..300, ..8]).to_owned();
        let ds = Dataset::new(x);
        let inc = IncrementalPcaParams::new(8)
            .batch_size(50)
            .fit(&ds)
            .unwrap();
        let exact = PcaParams::default().fit(&ds).unwrap();
        let p = inc.pca().unwrap();
        assert!(equal_up_to_sign(p.components(), exact.components(), 1e-8));
        assert!(p
            .explained_variance()
            .iter()
            .zip(exact.explained_variance())
            .all(|(a, b)| (a - b).abs() < 1e-8 * b.max(1.0)));
    }
}
