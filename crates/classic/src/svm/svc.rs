//! Kernel support vector classification (`SVC`, one-vs-one, Platt probabilities) and
//! $\epsilon$-support vector regression (`SVR`), trained by [`super::smo`].
//!
//! **SVC.** For each pair of classes $(a, b)$, $a < b$, the C-SVM dual with $y = +1$ for $a$,
//! $-1$ for $b$, $p = -\mathbf 1$ and $C_i = C\,w_{c(i)}\,s_i$ (class and sample weights) gives
//! $f_{ab}(x) = \sum_i \alpha_i y_i K(x_i, x) - \rho_{ab}$; the class with most pairwise wins is
//! predicted (lowest label on ties). Coefficients are stored as libsvm does: support vectors
//! grouped by class, `dual_coef` of shape $(K-1)\times n_{SV}$. With `probability`, a 5-fold
//! internal cross-validation per pair fits Platt's sigmoid $P(a\mid f) = 1/(1+e^{Af+B})$ (Lin, Lin
//! & Weng's Newton method) and pairwise probabilities are coupled (Wu, Lin & Weng 2004).
//!
//! **SVR.** Minimizes $\frac12\lVert w\rVert^2 + C\sum_i \max(0, \lvert y_i - f(x_i)\rvert - \epsilon)$
//! through the $2n$-variable dual with $p = (\epsilon - y, \epsilon + y)$ and signs $(+1, -1)$.
//!
//! Cost: roughly $O(n^2 d)$ kernel work per pair in the worst case, bounded memory through the
//! cache. Reference: C.-C. Chang, C.-J. Lin, *LIBSVM*, ACM TIST 2(3), 2011; J. Platt, *Probabilistic
//! outputs for SVMs*, 1999; H.-T. Lin, C.-J. Lin, R. Weng, *A note on Platt's probabilistic
//! outputs*, Machine Learning 68, 2007; T.-F. Wu, C.-J. Lin, R. Weng, *Probability estimates for
//! multi-class classification by pairwise coupling*, JMLR 5, 2004.
//!
//! ```
//! use breadth_classic::svm::svc::SvrParams;
//! use breadth_core::{Dataset, Fit, Regressor, Target};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [1.0], [2.0], [3.0]])
//!     .with_target(Target::Continuous(array![0.0, 1.0, 2.0, 3.0])).unwrap();
//! let m = SvrParams::default().kernel(breadth_classic::svm::kernel::KernelKind::Linear).c(10.0).fit(&ds).unwrap();
//! assert!((m.predict(array![[1.5]].view()).unwrap()[0] - 1.5).abs() < 0.1);
//! ```

use breadth_core::estimator::Fitted;
use breadth_core::registry::{parse_param, Configurable, ParamSpec};
use breadth_core::validate::{check_fit_input, check_predict_input, non_negative, positive};
use breadth_core::{seeded_rng, Classifier, Dataset, Error, Fit, Regressor, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::kernel::{dot, Gamma, Kernel, KernelKind};
use super::smo::{solve, KernelMatrix, Problem};
use crate::linear::logistic::ClassWeight;
use crate::linear::parse_bool;

/// Settings shared by SVC and SVR.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelSettings {
    /// Penalty $C > 0$.
    pub c: f64,
    /// Kernel family.
    pub kernel: KernelKind,
    /// $\gamma$ of the poly, RBF and sigmoid kernels.
    pub gamma: Gamma,
    /// $c_0$ of the poly and sigmoid kernels.
    pub coef0: f64,
    /// Degree of the polynomial kernel.
    pub degree: i32,
    /// Stopping tolerance on the maximal KKT violation.
    pub tol: f64,
    /// Use the shrinking heuristic.
    pub shrinking: bool,
    /// Kernel cache size in MB.
    pub cache_mb: f64,
    /// Iteration limit (`None`: libsvm's, at least ten million).
    pub max_iter: Option<usize>,
}

impl Default for KernelSettings {
    fn default() -> Self {
        KernelSettings {
            c: 1.0,
            kernel: KernelKind::Rbf,
            gamma: Gamma::Scale,
            coef0: 0.0,
            degree: 3,
            tol: 1e-3,
            shrinking: true,
            cache_mb: 200.0,
            max_iter: None,
        }
    }
}

impl KernelSettings {
    fn specs(&self) -> Vec<ParamSpec> {
        vec![
            ParamSpec::new("C", self.c, "penalty > 0"),
            ParamSpec::new("kernel", self.kernel, "linear | poly | rbf | sigmoid"),
            ParamSpec::new("gamma", self.gamma, "scale | auto | a number"),
            ParamSpec::new(
                "coef0",
                self.coef0,
                "constant of the poly and sigmoid kernels",
            ),
            ParamSpec::new("degree", self.degree, "degree of the poly kernel"),
            ParamSpec::new("tol", self.tol, "KKT tolerance"),
            ParamSpec::new("shrinking", self.shrinking, "true | false"),
            ParamSpec::new("cache_mb", self.cache_mb, "kernel cache size in MB"),
        ]
    }

    fn set(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "C" | "c" => self.c = parse_param(name, value)?,
            "kernel" => self.kernel = parse_param(name, value)?,
            "gamma" => self.gamma = parse_param(name, value)?,
            "coef0" => self.coef0 = parse_param(name, value)?,
            "degree" => self.degree = parse_param(name, value)?,
            "tol" => self.tol = parse_param(name, value)?,
            "shrinking" => self.shrinking = parse_bool(name, value)?,
            "cache_mb" => self.cache_mb = parse_param(name, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn validate(&self, x: ArrayView2<'_, f64>) -> Result<Kernel> {
        positive("C", self.c)?;
        positive("tol", self.tol)?;
        positive("cache_mb", self.cache_mb)?;
        if let Gamma::Value(g) = self.gamma {
            positive("gamma", g)?;
        }
        if self.degree < 0 {
            return Err(Error::param("degree", "must be >= 0"));
        }
        Ok(self
            .kernel
            .with(self.gamma.resolve(x), self.coef0, self.degree))
    }

    fn cache_bytes(&self) -> usize {
        (self.cache_mb * 1024.0 * 1024.0) as usize
    }
}

/// Hyper-parameters of kernel SVC.
#[derive(Debug, Clone, PartialEq)]
pub struct SvcParams {
    /// Kernel, penalty and solver settings.
    pub settings: KernelSettings,
    /// Class weights multiplying $C$.
    pub class_weight: ClassWeight,
    /// Fit Platt probabilities (5-fold internal cross-validation).
    pub probability: bool,
    /// Seed of the probability folds.
    pub seed: u64,
}

impl Default for SvcParams {
    fn default() -> Self {
        SvcParams {
            settings: KernelSettings::default(),
            class_weight: ClassWeight::Uniform,
            probability: false,
            seed: 0,
        }
    }
}

impl SvcParams {
    /// Set $C$.
    pub fn c(mut self, c: f64) -> Self {
        self.settings.c = c;
        self
    }
    /// Set the kernel family.
    pub fn kernel(mut self, k: KernelKind) -> Self {
        self.settings.kernel = k;
        self
    }
    /// Set $\gamma$.
    pub fn gamma(mut self, g: Gamma) -> Self {
        self.settings.gamma = g;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.settings.tol = tol;
        self
    }
    /// Ask for Platt probabilities.
    pub fn probability(mut self, yes: bool) -> Self {
        self.probability = yes;
        self
    }
}

impl Configurable for SvcParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut v = self.settings.specs();
        v.push(ParamSpec::new(
            "class_weight",
            &self.class_weight,
            "none | balanced | w0,w1,...",
        ));
        v.push(ParamSpec::new(
            "probability",
            self.probability,
            "fit Platt probabilities (true | false)",
        ));
        v.push(ParamSpec::new(
            "seed",
            self.seed,
            "seed of the probability folds",
        ));
        v
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "class_weight" => self.class_weight = parse_param(name, value)?,
            "probability" => self.probability = parse_bool(name, value)?,
            "seed" => self.seed = parse_param(name, value)?,
            _ => return self.settings.set(name, value),
        }
        Ok(true)
    }
}

/// Support vectors and their coefficients, as libsvm stores them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Machine {
    kernel: Kernel,
    sv: Array2<f64>,
    sv_norms: Vec<f64>,
    /// `(K-1) x n_sv` (SVR: `1 x n_sv`).
    coef: Array2<f64>,
    /// One per pair (SVR: one).
    rho: Vec<f64>,
}

impl Machine {
    /// Kernel values of each row of `x` against every support vector, `n x n_sv`.
    fn kernel_values(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = Array2::zeros((x.nrows(), self.sv.nrows()));
        for (i, xi) in x.outer_iter().enumerate() {
            let xi = xi.to_vec();
            let xx = dot(&xi, &xi);
            for (s, sv) in self.sv.outer_iter().enumerate() {
                out[[i, s]] = self.kernel.eval_with_norms(
                    &xi,
                    sv.as_slice().expect("row-major"),
                    xx,
                    self.sv_norms[s],
                );
            }
        }
        out
    }
}

/// Platt sigmoid parameters of one pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Sigmoid {
    a: f64,
    b: f64,
}

/// A fitted kernel SVC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Svc {
    machine: Machine,
    /// Present classes in ascending label order (indices into `classes`).
    labels: Vec<usize>,
    n_support: Vec<usize>,
    support: Vec<usize>,
    classes: Vec<String>,
    platt: Option<Vec<Sigmoid>>,
    n_features: usize,
    /// SMO iterations per pair (absent from model files written before it was recorded).
    #[serde(default)]
    n_iter: Vec<usize>,
}

/// One binary C-SVM on rows `pos` (+1) then `neg` (-1); returns coefficients $\alpha_i y_i$ in
/// that order, $\rho$ and the number of SMO iterations.
fn binary_svc(
    x: ArrayView2<'_, f64>,
    pos: &[usize],
    neg: &[usize],
    c: &[f64],
    kernel: Kernel,
    s: &KernelSettings,
) -> (Vec<f64>, f64, usize) {
    let idx: Vec<usize> = pos.iter().chain(neg).copied().collect();
    let l = idx.len();
    let km = KernelMatrix::new(x, idx.clone(), kernel, s.cache_bytes());
    let y: Vec<f64> = (0..l)
        .map(|t| if t < pos.len() { 1.0 } else { -1.0 })
        .collect();
    let prob = Problem {
        point: (0..l).collect(),
        y: y.clone(),
        p: vec![-1.0; l],
        c: idx.iter().map(|&i| c[i]).collect(),
    };
    let sol = solve(&km, prob, s.tol, s.shrinking, s.max_iter);
    (
        sol.alpha.iter().zip(&y).map(|(a, y)| a * y).collect(),
        sol.rho,
        sol.n_iter,
    )
}

/// Lin, Lin & Weng's Newton method for Platt's sigmoid on decision values `dec`.
fn fit_sigmoid(dec: &[f64], positive: &[bool]) -> Sigmoid {
    let prior1 = positive.iter().filter(|&&p| p).count() as f64;
    let prior0 = dec.len() as f64 - prior1;
    let (hi, lo) = ((prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0));
    let t: Vec<f64> = positive.iter().map(|&p| if p { hi } else { lo }).collect();
    let fval = |a: f64, b: f64| -> f64 {
        dec.iter()
            .zip(&t)
            .map(|(&d, &t)| {
                let f = d * a + b;
                if f >= 0.0 {
                    t * f + (-f).exp().ln_1p()
                } else {
                    (t - 1.0) * f + f.exp().ln_1p()
                }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut f = fval(a, b);
    for _ in 0..100 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
        for (&d, &ti) in dec.iter().zip(&t) {
            let fab = d * a + b;
            let (p, q) = if fab >= 0.0 {
                let e = (-fab).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = fab.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += d * d * d2;
            h22 += d2;
            h21 += d * d2;
            let d1 = ti - p;
            g1 += d * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let (da, db) = (-(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det);
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = fval(na, nb);
            if nf < f + 1e-4 * step * gd {
                (a, b, f) = (na, nb, nf);
                break;
            }
            step /= 2.0;
        }
        if step < 1e-10 {
            break;
        }
    }
    Sigmoid { a, b }
}

/// Wu, Lin & Weng's coupling of pairwise probabilities `r[i][j]` = P(i | i or j).
fn couple(r: &Array2<f64>) -> Vec<f64> {
    let k = r.nrows();
    let mut q = Array2::<f64>::zeros((k, k));
    for t in 0..k {
        for j in 0..k {
            if j != t {
                q[[t, t]] += r[[j, t]] * r[[j, t]];
                q[[t, j]] = -r[[j, t]] * r[[t, j]];
            }
        }
    }
    let mut p = vec![1.0 / k as f64; k];
    let mut qp = vec![0.0; k];
    let eps = 0.005 / k as f64;
    for _ in 0..100.max(k) {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = (0..k).map(|j| q[[t, j]] * p[j]).sum();
            pqp += p[t] * qp[t];
        }
        if qp.iter().all(|v| (v - pqp).abs() < eps) {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[[t, t]];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[[t, t]] + 2.0 * qp[t])) / ((1.0 + diff) * (1.0 + diff));
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[[t, j]]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

impl Fit for SvcParams {
    type Fitted = Svc;
    fn fit(&self, data: &Dataset) -> Result<Svc> {
        check_fit_input(data)?;
        let kernel = self.settings.validate(data.features())?;
        let (labels, names) = data.class_target("svc")?;
        let x = data.features().as_standard_layout().into_owned();
        let k_all = names.len();
        let cw = self.class_weight.resolve(labels, k_all)?;
        let sw = data.weights_or_ones();
        let c: Vec<f64> = (0..labels.len())
            .map(|i| self.settings.c * cw[labels[i]] * sw[i])
            .collect();
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); k_all];
        labels
            .iter()
            .enumerate()
            .for_each(|(i, &l)| groups[l].push(i));
        let present: Vec<usize> = (0..k_all).filter(|&k| !groups[k].is_empty()).collect();
        if present.len() < 2 {
            return Err(Error::param(
                "target",
                "SVC needs at least two classes with samples",
            ));
        }
        let k = present.len();
        let mut nonzero = vec![false; labels.len()];
        let mut pair_coef = Vec::new();
        let mut rho = Vec::new();
        let mut platt = Vec::new();
        let mut n_iter = Vec::new();
        for a in 0..k {
            for b in a + 1..k {
                let (pos, neg) = (&groups[present[a]], &groups[present[b]]);
                let (coef, r, it) = binary_svc(x.view(), pos, neg, &c, kernel, &self.settings);
                n_iter.push(it);
                for (t, &i) in pos.iter().chain(neg.iter()).enumerate() {
                    if coef[t] != 0.0 {
                        nonzero[i] = true;
                    }
                }
                if self.probability {
                    platt.push(self.cv_sigmoid(x.view(), pos, neg, &c, kernel, a * k + b));
                }
                pair_coef.push(coef);
                rho.push(r);
            }
        }
        // Support vectors grouped by class, each group in index order (libsvm's layout).
        let mut support = Vec::new();
        let mut n_support = Vec::new();
        let mut position = vec![usize::MAX; labels.len()];
        for &cl in &present {
            let before = support.len();
            for &i in &groups[cl] {
                if nonzero[i] {
                    position[i] = support.len();
                    support.push(i);
                }
            }
            n_support.push(support.len() - before);
        }
        let mut coef = Array2::zeros((k - 1, support.len()));
        let mut p = 0;
        for a in 0..k {
            for b in a + 1..k {
                let (pos, neg) = (&groups[present[a]], &groups[present[b]]);
                for (t, &i) in pos.iter().chain(neg.iter()).enumerate() {
                    if nonzero[i] {
                        let row = if t < pos.len() { b - 1 } else { a };
                        coef[[row, position[i]]] = pair_coef[p][t];
                    }
                }
                p += 1;
            }
        }
        let sv = x.select(Axis(0), &support);
        let sv_norms = sv.outer_iter().map(|r| r.dot(&r)).collect();
        Ok(Svc {
            machine: Machine {
                kernel,
                sv,
                sv_norms,
                coef,
                rho,
            },
            labels: present,
            n_support,
            support,
            classes: names.to_vec(),
            platt: self.probability.then_some(platt),
            n_features: data.n_features(),
            n_iter,
        })
    }
}

impl SvcParams {
    /// Platt's sigmoid of one pair from 5-fold cross-validated decision values.
    fn cv_sigmoid(
        &self,
        x: ArrayView2<'_, f64>,
        pos: &[usize],
        neg: &[usize],
        c: &[f64],
        kernel: Kernel,
        salt: usize,
    ) -> Sigmoid {
        let all: Vec<(usize, bool)> = pos
            .iter()
            .map(|&i| (i, true))
            .chain(neg.iter().map(|&i| (i, false)))
            .collect();
        let l = all.len();
        let mut perm: Vec<usize> = (0..l).collect();
        perm.shuffle(&mut seeded_rng(self.seed.wrapping_add(salt as u64)));
        let folds = 5.min(l);
        let mut dec = vec![0.0; l];
        for f in 0..folds {
            let (begin, end) = (f * l / folds, (f + 1) * l / folds);
            let train: Vec<(usize, bool)> = perm[..begin]
                .iter()
                .chain(&perm[end..])
                .map(|&t| all[t])
                .collect();
            let tp: Vec<usize> = train.iter().filter(|t| t.1).map(|t| t.0).collect();
            let tn: Vec<usize> = train.iter().filter(|t| !t.1).map(|t| t.0).collect();
            for &t in &perm[begin..end] {
                // A fold with one class only: libsvm's fixed answers.
                dec[t] = if tn.is_empty() {
                    1.0
                } else if tp.is_empty() {
                    -1.0
                } else {
                    0.0
                };
            }
            if tp.is_empty() || tn.is_empty() {
                continue;
            }
            let (coef, rho, _) = binary_svc(x, &tp, &tn, c, kernel, &self.settings);
            let idx: Vec<usize> = tp.iter().chain(&tn).copied().collect();
            for &t in &perm[begin..end] {
                let xi = x.row(all[t].0).to_vec();
                dec[t] = idx
                    .iter()
                    .zip(&coef)
                    .filter(|(_, &a)| a != 0.0)
                    .map(|(&j, &a)| a * kernel.eval(&xi, x.row(j).as_slice().expect("row-major")))
                    .sum::<f64>()
                    - rho;
            }
        }
        let positive: Vec<bool> = all.iter().map(|t| t.1).collect();
        fit_sigmoid(&dec, &positive)
    }
}

impl Svc {
    /// SMO iterations of each one-vs-one pair (scikit-learn's `n_iter_`).
    pub fn n_iter(&self) -> &[usize] {
        &self.n_iter
    }
    /// Indices of the support vectors in the training data, grouped by class.
    pub fn support(&self) -> &[usize] {
        &self.support
    }
    /// The support vectors, one per row.
    pub fn support_vectors(&self) -> &Array2<f64> {
        &self.machine.sv
    }
    /// Number of support vectors per (present) class.
    pub fn n_support(&self) -> &[usize] {
        &self.n_support
    }
    /// Dual coefficients $\alpha_i y_i$ in scikit-learn's convention: `(K-1) x n_sv`, negated for
    /// a binary problem so that positive decisions mean the second class.
    pub fn dual_coef(&self) -> Array2<f64> {
        if self.labels.len() == 2 {
            -&self.machine.coef
        } else {
            self.machine.coef.clone()
        }
    }
    /// Intercepts in scikit-learn's convention ($-\rho$ per pair; $+\rho$ for a binary problem).
    pub fn intercept(&self) -> Array1<f64> {
        let sign = if self.labels.len() == 2 { 1.0 } else { -1.0 };
        self.machine.rho.iter().map(|r| sign * r).collect()
    }

    /// Pairwise decision values $f_{ab}$, `n x K(K-1)/2` (positive favours the lower class).
    pub fn decision_function_ovo(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_predict_input(self, x)?;
        let kv = self.machine.kernel_values(x);
        let k = self.labels.len();
        let starts: Vec<usize> = self
            .n_support
            .iter()
            .scan(0, |s, &n| {
                let v = *s;
                *s += n;
                Some(v)
            })
            .collect();
        let mut out = Array2::zeros((x.nrows(), k * (k - 1) / 2));
        for (i, row) in kv.outer_iter().enumerate() {
            let mut p = 0;
            for a in 0..k {
                for b in a + 1..k {
                    let mut sum = 0.0;
                    for s in starts[a]..starts[a] + self.n_support[a] {
                        sum += self.machine.coef[[b - 1, s]] * row[s];
                    }
                    for s in starts[b]..starts[b] + self.n_support[b] {
                        sum += self.machine.coef[[a, s]] * row[s];
                    }
                    out[[i, p]] = sum - self.machine.rho[p];
                    p += 1;
                }
            }
        }
        Ok(out)
    }
}

impl Fitted for Svc {
    fn model_name(&self) -> &'static str {
        "svc"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Classifier for Svc {
    fn class_names(&self) -> &[String] {
        &self.classes
    }

    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<usize>> {
        let dec = self.decision_function_ovo(x)?;
        let k = self.labels.len();
        Ok(dec
            .outer_iter()
            .map(|row| {
                let mut votes = vec![0usize; k];
                let mut p = 0;
                for a in 0..k {
                    for b in a + 1..k {
                        votes[if row[p] > 0.0 { a } else { b }] += 1;
                        p += 1;
                    }
                }
                let best = votes
                    .iter()
                    .enumerate()
                    .fold(0, |m, (c, &v)| if v > votes[m] { c } else { m });
                self.labels[best]
            })
            .collect())
    }

    /// Binary: `n x 1`, positive for the second class. Multi-class: scikit-learn's one-vs-rest
    /// shape, votes plus normalized pairwise confidences, `n x K`.
    fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let dec = self.decision_function_ovo(x)?;
        let k = self.labels.len();
        if k == 2 {
            return Ok(-dec);
        }
        let mut out = Array2::zeros((x.nrows(), k));
        for (i, row) in dec.outer_iter().enumerate() {
            let mut votes = vec![0.0; k];
            let mut conf = vec![0.0; k];
            let mut p = 0;
            for a in 0..k {
                for b in a + 1..k {
                    conf[a] += row[p];
                    conf[b] -= row[p];
                    votes[if row[p] > 0.0 { a } else { b }] += 1.0;
                    p += 1;
                }
            }
            for c in 0..k {
                out[[i, c]] = votes[c] + conf[c] / (3.0 * (conf[c].abs() + 1.0));
            }
        }
        Ok(out)
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let Some(platt) = &self.platt else {
            return Err(Error::unsupported(
                "svc",
                "predict_proba without probability=true",
            ));
        };
        let dec = self.decision_function_ovo(x)?;
        let k = self.labels.len();
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for (i, row) in dec.outer_iter().enumerate() {
            let mut r = Array2::zeros((k, k));
            let mut p = 0;
            for a in 0..k {
                for b in a + 1..k {
                    let s = platt[p];
                    let f = row[p] * s.a + s.b;
                    let prob = if f >= 0.0 {
                        (-f).exp() / (1.0 + (-f).exp())
                    } else {
                        1.0 / (1.0 + f.exp())
                    };
                    let prob = prob.clamp(1e-7, 1.0 - 1e-7);
                    r[[a, b]] = prob;
                    r[[b, a]] = 1.0 - prob;
                    p += 1;
                }
            }
            let probs = couple(&r);
            let total: f64 = probs.iter().sum();
            for (c, &pc) in probs.iter().enumerate() {
                out[[i, self.labels[c]]] = pc / total;
            }
        }
        Ok(out)
    }
}

/// Hyper-parameters of $\epsilon$-SVR.
#[derive(Debug, Clone, PartialEq)]
pub struct SvrParams {
    /// Kernel, penalty and solver settings.
    pub settings: KernelSettings,
    /// Half-width $\epsilon$ of the insensitive tube.
    pub epsilon: f64,
}

impl Default for SvrParams {
    fn default() -> Self {
        SvrParams {
            settings: KernelSettings::default(),
            epsilon: 0.1,
        }
    }
}

impl SvrParams {
    /// Set $C$.
    pub fn c(mut self, c: f64) -> Self {
        self.settings.c = c;
        self
    }
    /// Set the kernel family.
    pub fn kernel(mut self, k: KernelKind) -> Self {
        self.settings.kernel = k;
        self
    }
    /// Set $\gamma$.
    pub fn gamma(mut self, g: Gamma) -> Self {
        self.settings.gamma = g;
        self
    }
    /// Set $\epsilon$.
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
    /// Set the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.settings.tol = tol;
        self
    }
}

impl Configurable for SvrParams {
    fn param_specs(&self) -> Vec<ParamSpec> {
        let mut v = self.settings.specs();
        v.push(ParamSpec::new(
            "epsilon",
            self.epsilon,
            "half-width of the insensitive tube >= 0",
        ));
        v
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<bool> {
        match name {
            "epsilon" => self.epsilon = parse_param(name, value)?,
            _ => return self.settings.set(name, value),
        }
        Ok(true)
    }
}

/// A fitted $\epsilon$-SVR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Svr {
    machine: Machine,
    support: Vec<usize>,
    n_features: usize,
}

impl Fit for SvrParams {
    type Fitted = Svr;
    fn fit(&self, data: &Dataset) -> Result<Svr> {
        check_fit_input(data)?;
        non_negative("epsilon", self.epsilon)?;
        let kernel = self.settings.validate(data.features())?;
        let y = data.continuous_target("svr")?;
        let x = data.features().as_standard_layout().into_owned();
        let n = y.len();
        let sw = data.weights_or_ones();
        let km = KernelMatrix::new(
            x.view(),
            (0..n).collect(),
            kernel,
            self.settings.cache_bytes(),
        );
        let prob = Problem {
            point: (0..2 * n).map(|t| t % n).collect(),
            y: (0..2 * n).map(|t| if t < n { 1.0 } else { -1.0 }).collect(),
            p: (0..2 * n)
                .map(|t| {
                    if t < n {
                        self.epsilon - y[t]
                    } else {
                        self.epsilon + y[t - n]
                    }
                })
                .collect(),
            c: (0..2 * n).map(|t| self.settings.c * sw[t % n]).collect(),
        };
        let sol = solve(
            &km,
            prob,
            self.settings.tol,
            self.settings.shrinking,
            self.settings.max_iter,
        );
        let beta: Vec<f64> = (0..n).map(|i| sol.alpha[i] - sol.alpha[i + n]).collect();
        let support: Vec<usize> = (0..n).filter(|&i| beta[i] != 0.0).collect();
        let sv = x.select(Axis(0), &support);
        let sv_norms = sv.outer_iter().map(|r| r.dot(&r)).collect();
        let coef = Array2::from_shape_fn((1, support.len()), |(_, s)| beta[support[s]]);
        Ok(Svr {
            machine: Machine {
                kernel,
                sv,
                sv_norms,
                coef,
                rho: vec![sol.rho],
            },
            support,
            n_features: data.n_features(),
        })
    }
}

impl Svr {
    /// Indices of the support vectors.
    pub fn support(&self) -> &[usize] {
        &self.support
    }
    /// The support vectors, one per row.
    pub fn support_vectors(&self) -> &Array2<f64> {
        &self.machine.sv
    }
    /// $\alpha_i - \alpha_i^*$ per support vector, `1 x n_sv`.
    pub fn dual_coef(&self) -> &Array2<f64> {
        &self.machine.coef
    }
    /// The intercept $-\rho$.
    pub fn intercept(&self) -> f64 {
        -self.machine.rho[0]
    }
}

impl Fitted for Svr {
    fn model_name(&self) -> &'static str {
        "svr"
    }
    fn n_features_in(&self) -> usize {
        self.n_features
    }
}

impl Regressor for Svr {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        check_predict_input(self, x)?;
        let kv = self.machine.kernel_values(x);
        Ok(kv.dot(&self.machine.coef.row(0)) - self.machine.rho[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::test_util::*;
    use breadth_core::conformance::{check_classifier, check_regressor};
    use ndarray::s;

    // Expected values: reference/linear.py (scikit-learn 1.9.1, libsvm, tol=1e-8), fixture svm.json.

    fn ints(v: &serde_json::Value) -> Vec<usize> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect()
    }

    fn check_svc(m: &Svc, c: &serde_json::Value, x: ArrayView2<'_, f64>, what: &str) {
        assert_eq!(
            m.support(),
            ints(&c["support"]).as_slice(),
            "{what}: support"
        );
        assert_eq!(
            m.n_support(),
            ints(&c["n_support"]).as_slice(),
            "{what}: n_support"
        );
        assert_close(
            m.dual_coef().as_slice().unwrap(),
            mat(&c["dual_coef"]).as_slice().unwrap(),
            1e-4,
            what,
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&c["intercept"]).as_slice().unwrap(),
            1e-4,
            what,
        );
        let pred: Vec<usize> = m.predict(x).unwrap().to_vec();
        assert_eq!(pred, ints(&c["predict"]), "{what}: predictions");
        let dec = m.decision_function(x.slice(s![..5, ..])).unwrap();
        let expected = &c["decision_head"];
        let expected: Vec<f64> = if expected[0].is_array() {
            mat(expected).into_raw_vec_and_offset().0
        } else {
            vec1(expected).to_vec()
        };
        assert_close(dec.as_slice().unwrap(), &expected, 1e-4, what);
    }

    /// At libsvm's default tolerance, with shrinking and gradient reconstruction, the iterates
    /// follow libsvm's: the same iteration count and the same support. Fixture
    /// svm_iterations.json from reference/linear.py (scikit-learn 1.9.1).
    #[test]
    fn smo_takes_libsvm_iterations_at_the_default_tolerance() {
        let f = fixture("svm_iterations");
        let x = mat(&f["X"]);
        let y = ints(&f["y"]);
        let ds = Dataset::new(x.clone())
            .with_target(breadth_core::Target::classes(y, vec!["0".into(), "1".into()]).unwrap())
            .unwrap();
        let m = SvcParams::default().c(10.0).fit(&ds).unwrap();
        assert_eq!(m.n_iter(), ints(&f["n_iter"]).as_slice());
        assert_eq!(m.support(), ints(&f["support"]).as_slice());
        assert_close(
            m.dual_coef().as_slice().unwrap(),
            mat(&f["dual_coef"]).as_slice().unwrap(),
            1e-6,
            "dual_coef",
        );
        assert_close(
            m.intercept().as_slice().unwrap(),
            vec1(&f["intercept"]).as_slice().unwrap(),
            1e-6,
            "intercept",
        );
    }

    #[test]
    fn svc_matches_libsvm_for_every_kernel() {
        let f = fixture("svm");
        let iris = load_std("iris");
        let tight = |p: SvcParams| p.tol(1e-8);
        let m = tight(SvcParams::default()).fit(&iris).unwrap();
        check_svc(&m, &f["iris_rbf"], iris.features(), "rbf");
        let m = tight(SvcParams::default().kernel(KernelKind::Linear).c(0.5))
            .fit(&iris)
            .unwrap();
        check_svc(&m, &f["iris_linear"], iris.features(), "linear");
        let mut p = tight(
            SvcParams::default()
                .kernel(KernelKind::Poly)
                .c(2.0)
                .gamma(Gamma::Value(0.5)),
        );
        p.settings.coef0 = 1.0;
        check_svc(
            &p.fit(&iris).unwrap(),
            &f["iris_poly"],
            iris.features(),
            "poly",
        );
        let p = tight(
            SvcParams::default()
                .kernel(KernelKind::Sigmoid)
                .gamma(Gamma::Value(0.05)),
        );
        check_svc(
            &p.fit(&iris).unwrap(),
            &f["iris_sigmoid"],
            iris.features(),
            "sigmoid",
        );
        let bc = load_std("breast_cancer").select(&(0..200).collect::<Vec<_>>());
        let m = tight(SvcParams::default().c(3.0).gamma(Gamma::Value(0.02)))
            .fit(&bc)
            .unwrap();
        check_svc(&m, &f["bc_rbf_binary"], bc.features(), "binary");
    }

    #[test]
    fn shrinking_and_cache_do_not_change_the_solution() {
        let iris = load_std("iris");
        let a = SvcParams::default().tol(1e-8).fit(&iris).unwrap();
        // A cache of a handful of rows (constant eviction) follows the very same iterates.
        let mut p = SvcParams::default().tol(1e-8);
        p.settings.cache_mb = 0.001;
        let b = p.clone().fit(&iris).unwrap();
        assert_eq!(a.support(), b.support());
        assert_eq!(a.dual_coef(), b.dual_coef());
        // Without shrinking the path differs (a support vector with a vanishing coefficient may
        // come or go) but the decision function is the same.
        p.settings.shrinking = false;
        let c = p.fit(&iris).unwrap();
        let (da, dc) = (
            a.decision_function_ovo(iris.features()).unwrap(),
            c.decision_function_ovo(iris.features()).unwrap(),
        );
        assert_close(
            da.as_slice().unwrap(),
            dc.as_slice().unwrap(),
            1e-6,
            "no shrinking",
        );
    }

    #[test]
    fn svr_matches_libsvm() {
        let f = fixture("svm");
        let c = &f["diabetes_svr"];
        let ds = load("diabetes");
        let x = standardize(&ds.features().to_owned())
            .slice(s![..150, ..])
            .to_owned();
        let y = ds.continuous_target("t").unwrap().to_owned();
        let ys = (&y - y.mean().unwrap()) / y.std(0.0);
        let data = regression(x.clone(), ys.slice(s![..150]).to_owned());
        let m = SvrParams::default()
            .gamma(Gamma::Value(0.1))
            .epsilon(0.2)
            .tol(1e-8)
            .fit(&data)
            .unwrap();
        assert_eq!(m.support(), ints(&c["support"]).as_slice());
        assert_close(
            m.dual_coef().as_slice().unwrap(),
            mat(&c["dual_coef"]).as_slice().unwrap(),
            1e-4,
            "svr coef",
        );
        assert_close(
            &[m.intercept()],
            vec1(&c["intercept"]).as_slice().unwrap(),
            1e-4,
            "svr b",
        );
        let p = m.predict(x.slice(s![..5, ..])).unwrap();
        assert_close(
            p.as_slice().unwrap(),
            vec1(&c["predict_head"]).as_slice().unwrap(),
            1e-4,
            "svr predict",
        );
    }

    #[test]
    fn platt_probabilities_are_calibrated_and_coherent() {
        let iris = load_std("iris");
        let m = SvcParams::default().probability(true).fit(&iris).unwrap();
        let p = m.predict_proba(iris.features()).unwrap();
        let (labels, _) = iris.class_target("t").unwrap();
        // Mean probability of the true class is high, and argmax agrees with predict mostly.
        let mean_true: f64 = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| p[[i, l]])
            .sum::<f64>()
            / 150.0;
        assert!(mean_true > 0.85, "{mean_true}");
        let pred = m.predict(iris.features()).unwrap();
        let agree = (0..150)
            .filter(|&i| {
                let row = p.row(i);
                let am = (0..3).fold(0, |b, k| if row[k] > row[b] { k } else { b });
                am == pred[i]
            })
            .count();
        assert!(agree >= 145, "{agree}");
        assert!(SvcParams::default()
            .fit(&iris)
            .unwrap()
            .predict_proba(iris.features())
            .is_err());
    }

    #[test]
    fn sigmoid_fit_recovers_a_known_calibration() {
        // Labels drawn as P(+|f) = 1 / (1 + exp(-2 f)) deterministic by quantiles: A ≈ -2, B ≈ 0.
        let dec: Vec<f64> = (0..2000)
            .map(|i| -3.0 + 6.0 * (i as f64 + 0.5) / 2000.0)
            .collect();
        let positive: Vec<bool> = dec
            .iter()
            .enumerate()
            .map(|(i, &f)| ((i * 7919) % 1000) as f64 / 1000.0 < 1.0 / (1.0 + (-2.0 * f).exp()))
            .collect();
        let s = fit_sigmoid(&dec, &positive);
        assert!((s.a + 2.0).abs() < 0.2 && s.b.abs() < 0.1, "{s:?}");
    }

    #[test]
    fn conformance() {
        check_classifier(&SvcParams::default().probability(true), &load_std("iris"));
        check_regressor(&SvrParams::default(), &load_std("diabetes"));
    }
}
