//! Loss functions: mean squared error, cross-entropy (label smoothing, ignored targets), binary
//! cross-entropy with logits (multi-label) and the multi-class hinge loss.
//!
//! For $n$ samples (rows) and $C$ classes, logits $z \in \mathbb{R}^{n \times C}$:
//!
//! - **MSE**: $\frac{1}{N}\sum (p - t)^2$ over all $N$ elements.
//! - **Cross-entropy** with integer targets $y_i$ and smoothing $\varepsilon$: with
//!   $\ell = \text{log-softmax}(z)$,
//!   $L = \frac{1}{|V|}\sum_{i \in V} \left[-(1-\varepsilon)\,\ell_{i,y_i} - \frac{\varepsilon}{C}\sum_c \ell_{i,c}\right]$
//!   over the rows $V$ whose target is not the ignore index (PyTorch's `F.cross_entropy`).
//! - **BCE with logits** for 0/1 targets $t$ (each column its own yes/no question, so several
//!   labels may hold at once): $\frac1N\sum \max(z,0) - z t + \log(1 + e^{-|z|})$, the stable
//!   form of $-t\log\sigma(z) - (1-t)\log(1-\sigma(z))$.
//! - **Hinge** (multi-class, Weston–Watkins, PyTorch's `multi_margin_loss` with $p = 1$):
//!   $\frac{1}{n}\sum_i \frac1C \sum_{c \ne y_i} \max(0, m - z_{i,y_i} + z_{i,c})$ for margin $m$.
//!
//! Targets for cross-entropy and hinge are integer tensors (u32 or i64). On the CPU,
//! cross-entropy runs as one fused operation ([`FusedCrossEntropy`]: loss in one pass over the
//! logits, gradient softmax minus target in one more); its test oracle
//! [`CrossEntropy::apply_composite`] builds the per-row weights that encode targets, smoothing and
//! ignored rows on the host and differentiates a plain product with log-softmax.
//!
//! Cost: $O(nC)$. Reference: C. Szegedy et al., *Rethinking the Inception Architecture*, 2016
//! (label smoothing); J. Weston, C. Watkins, *Multi-class support vector machines*, 1998.
//!
//! ```
//! use breadth_nn::loss::CrossEntropy;
//! use candle_core::{Device, Tensor};
//! let z = Tensor::new(&[[0.0f32, 0.0], [5.0, -5.0]], &Device::Cpu).unwrap();
//! let y = Tensor::new(&[0i64, -100], &Device::Cpu).unwrap();
//! let l = CrossEntropy::default().apply(&z, &y).unwrap().to_scalar::<f32>().unwrap();
//! assert!((l - std::f32::consts::LN_2).abs() < 1e-6); // the ignored row does not count
//! ```

use std::sync::Arc;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Result, Shape, Tensor, WithDType};

use crate::activation::log_softmax;
use crate::matmul::{by_dtype, par_chunks_mut, values, with_values};

/// Mean squared error over all elements.
pub fn mse(pred: &Tensor, target: &Tensor) -> Result<Tensor> {
    pred.sub(target)?.sqr()?.mean_all()
}

/// Integer targets as i64 on the host, checked against `n` rows.
fn targets_of(targets: &Tensor, n: usize) -> Result<Vec<i64>> {
    let t = targets
        .flatten_all()?
        .to_dtype(DType::I64)?
        .to_vec1::<i64>()?;
    if t.len() != n {
        candle_core::bail!("{} targets for {n} rows of logits", t.len());
    }
    Ok(t)
}

/// Cross-entropy over the rows of logits with integer class targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossEntropy {
    /// Smoothing $\varepsilon \in [0, 1]$ (0: plain cross-entropy).
    pub label_smoothing: f64,
    /// Rows whose target equals this do not count (PyTorch's default is -100).
    pub ignore_index: Option<i64>,
}

impl Default for CrossEntropy {
    fn default() -> Self {
        CrossEntropy {
            label_smoothing: 0.0,
            ignore_index: Some(-100),
        }
    }
}

impl CrossEntropy {
    /// Mean loss of `logits` $(n, C)$ against `targets` $(n)$: one fused pass on the CPU for
    /// f32/f64 (see [`FusedCrossEntropy`]), [`CrossEntropy::apply_composite`] elsewhere.
    pub fn apply(&self, logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
        let (n, c) = logits.dims2()?;
        let rows = self.rows(targets, n, c)?;
        if !logits.device().is_cpu() || !matches!(logits.dtype(), DType::F32 | DType::F64) {
            return self.composite(logits, &rows, c);
        }
        let valid = rows.iter().filter(|r| r.is_some()).count();
        let op = FusedCrossEntropy {
            rows: Arc::new(rows),
            classes: c,
            smoothing: self.label_smoothing,
            scale: 1.0 / valid as f64,
        };
        logits.contiguous()?.apply_op1(op)
    }

    /// The same loss composed of candle operations (log-softmax times a weight matrix built on
    /// the host): the test oracle of the fused path.
    pub fn apply_composite(&self, logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
        let (n, c) = logits.dims2()?;
        let rows = self.rows(targets, n, c)?;
        self.composite(logits, &rows, c)
    }

    /// The class of every row, `None` for ignored rows; checks the targets and the smoothing.
    fn rows(&self, targets: &Tensor, n: usize, c: usize) -> Result<Vec<Option<usize>>> {
        let eps = self.label_smoothing;
        if !(0.0..=1.0).contains(&eps) {
            candle_core::bail!("label smoothing must lie in [0, 1], got {eps}");
        }
        let mut rows = Vec::with_capacity(n);
        for (i, y) in targets_of(targets, n)?.into_iter().enumerate() {
            if Some(y) == self.ignore_index {
                rows.push(None);
                continue;
            }
            if y < 0 || y as usize >= c {
                candle_core::bail!("target {y} at row {i} outside the {c} classes");
            }
            rows.push(Some(y as usize));
        }
        if rows.iter().all(Option::is_none) {
            candle_core::bail!("every target is ignored; the mean loss is undefined");
        }
        Ok(rows)
    }

    fn composite(&self, logits: &Tensor, rows: &[Option<usize>], c: usize) -> Result<Tensor> {
        let eps = self.label_smoothing;
        let n = rows.len();
        let mut w = vec![0.0f64; n * c];
        for (i, y) in rows.iter().enumerate() {
            if let Some(y) = *y {
                let row = &mut w[i * c..(i + 1) * c];
                row.iter_mut().for_each(|v| *v = eps / c as f64);
                row[y] += 1.0 - eps;
            }
        }
        let valid = rows.iter().filter(|r| r.is_some()).count();
        let w = Tensor::from_vec(w, (n, c), logits.device())?.to_dtype(logits.dtype())?;
        (log_softmax(logits)? * w)?
            .sum_all()?
            .affine(-1.0 / valid as f64, 0.0)
    }
}

/// Cross-entropy as one candle custom operation with its own backward pass.
///
/// Forward, per row $i$ with target $y_i$, in one pass over the logits:
/// $\mathrm{lse}_i = m_i + \log\sum_c e^{z_{ic} - m_i}$ ($m_i$ the row maximum) and
/// $L_i = \mathrm{lse}_i - (1-\varepsilon) z_{i y_i} - \frac{\varepsilon}{C}\sum_c z_{ic}$ (the
/// smoothed weights sum to 1); the result is $\frac{1}{|V|}\sum_{i \in V} L_i$, accumulated in
/// f64. Backward, again one pass: $\partial L/\partial z_{ic} = \frac{g}{|V|}(p_{ic} - w_{ic})$ with
/// $p$ the softmax, $w$ the (smoothed) one-hot target and $g$ the upstream gradient; ignored rows
/// get 0. Rows run in parallel; each row's sums are sequential, so the result does not depend on
/// the number of threads.
#[derive(Debug, Clone)]
pub struct FusedCrossEntropy {
    rows: Arc<Vec<Option<usize>>>,
    classes: usize,
    smoothing: f64,
    /// $1/|V|$.
    scale: f64,
}

/// Rows per parallel task: a few thousand logits, below which a task costs more than it saves.
fn ce_rows_per_task(c: usize) -> usize {
    (4096 / c.max(1)).max(1)
}

impl FusedCrossEntropy {
    /// $(\mathrm{lse}_i, L_i)$ of one row in f64.
    fn row_loss<T: WithDType>(&self, z: &[T], y: usize) -> (f64, f64) {
        let m = z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
        let sum_exp: f64 = z.iter().map(|v| (v.to_f64() - m).exp()).sum();
        let lse = m + sum_exp.ln();
        let eps = self.smoothing;
        let mut loss = lse - (1.0 - eps) * z[y].to_f64();
        if eps > 0.0 {
            loss -= eps / self.classes as f64 * z.iter().map(|v| v.to_f64()).sum::<f64>();
        }
        (lse, loss)
    }

    fn forward<T: WithDType>(&self, z: &[T]) -> f64 {
        let c = self.classes;
        let per = ce_rows_per_task(c);
        let mut partial = vec![0.0f64; self.rows.len().div_ceil(per)];
        par_chunks_mut(&mut partial, 1, |t, p| {
            let rows = t * per..((t + 1) * per).min(self.rows.len());
            p[0] = z[rows.start * c..rows.end * c]
                .chunks_exact(c)
                .zip(&self.rows[rows])
                .filter_map(|(zr, y)| y.map(|y| self.row_loss(zr, y).1))
                .sum::<f64>();
        });
        partial.iter().sum::<f64>() * self.scale
    }

    fn backward<T: WithDType>(&self, z: &[T], g: f64) -> Vec<T> {
        let c = self.classes;
        let per = ce_rows_per_task(c);
        let k = g * self.scale;
        let off = self.smoothing / c as f64;
        let mut dz = vec![T::from_f64(0.0); z.len()];
        par_chunks_mut(&mut dz, per * c, |t, dc| {
            let (zc, rc) = (&z[t * per * c..][..dc.len()], &self.rows[t * per..]);
            for ((dr, zr), y) in dc.chunks_exact_mut(c).zip(zc.chunks_exact(c)).zip(rc) {
                let Some(y) = *y else { continue };
                let lse = self.row_loss(zr, y).0;
                for (d, v) in dr.iter_mut().zip(zr) {
                    *d = T::from_f64(k * ((v.to_f64() - lse).exp() - off));
                }
                dr[y] -= T::from_f64(k * (1.0 - self.smoothing));
            }
        });
        dz
    }
}

impl CustomOp1 for FusedCrossEntropy {
    fn name(&self) -> &'static str {
        "fused-cross-entropy"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        fn run<T: WithDType>(
            op: &FusedCrossEntropy,
            s: &CpuStorage,
            l: &Layout,
        ) -> Result<CpuStorage> {
            let loss = op.forward(values::<T>(s, l, "cross-entropy logits")?);
            Ok(T::to_cpu_storage_owned(vec![T::from_f64(loss)]))
        }
        let storage = by_dtype!(self.name(), s.dtype(), run(self, s, l))?;
        Ok((storage, Shape::from(())))
    }

    fn bwd(&self, logits: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        fn run<T: WithDType>(op: &FusedCrossEntropy, z: &Tensor, g: f64) -> Result<Tensor> {
            let dz = with_values::<T, _>(z, "cross-entropy backward", |zs| Ok(op.backward(zs, g)))?;
            Tensor::from_vec(dz, z.shape(), z.device())
        }
        let g = grad.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        by_dtype!(self.name(), logits.dtype(), run(self, logits, g)).map(Some)
    }
}

/// Mean binary cross-entropy of `logits` against 0/1 `targets` of the same shape.
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let softplus_neg_abs = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    (logits.relu()? - (logits * targets)?)?
        .add(&softplus_neg_abs)?
        .mean_all()
}

/// Mean multi-class hinge loss with margin `margin` (PyTorch's `multi_margin_loss`, $p = 1$).
pub fn multi_margin(logits: &Tensor, targets: &Tensor, margin: f64) -> Result<Tensor> {
    let (n, c) = logits.dims2()?;
    let t = targets_of(targets, n)?;
    let mut other = vec![1.0f64; n * c];
    let mut idx = Vec::with_capacity(n);
    for (i, &y) in t.iter().enumerate() {
        if y < 0 || y as usize >= c {
            candle_core::bail!("target {y} at row {i} outside the {c} classes");
        }
        other[i * c + y as usize] = 0.0;
        idx.push(y as u32);
    }
    let other = Tensor::from_vec(other, (n, c), logits.device())?.to_dtype(logits.dtype())?;
    let idx = Tensor::from_vec(idx, (n, 1), logits.device())?;
    let true_score = logits.gather(&idx, 1)?;
    let slack = logits
        .broadcast_sub(&true_score)?
        .affine(1.0, margin)?
        .relu()?;
    (slack * other)?
        .sum_all()?
        .affine(1.0 / (n * c) as f64, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::test_support::{check_case, fixture};
    use candle_core::Device;

    /// Forward and backward against `reference/nn.py` (torch 2.15.0, f32), 1e-5.
    #[test]
    fn match_pytorch() {
        let fx = fixture("losses");
        let c = &fx["cases"];
        check_case(&c["mse"], &["x", "y"], 1e-5, |v| mse(&v[0], &v[1]));
        for name in ["cross_entropy", "cross_entropy_smooth"] {
            let ce = CrossEntropy {
                label_smoothing: c[name]["label_smoothing"].as_f64().unwrap(),
                ignore_index: c[name]["ignore_index"].as_i64(),
            };
            check_case(&c[name], &["x", "target:int"], 1e-5, |v| {
                ce.apply(&v[0], &v[1])
            });
        }
        check_case(&c["bce_with_logits"], &["x", "target"], 1e-5, |v| {
            bce_with_logits(&v[0], &v[1])
        });
        check_case(&c["hinge"], &["x", "target:int"], 1e-5, |v| {
            multi_margin(&v[0], &v[1], 1.0)
        });
    }

    #[test]
    fn finite_differences() {
        let dev = &Device::Cpu;
        let z = Tensor::new(
            &[[0.3f64, -1.2, 2.0], [1.5, 0.1, -0.7], [0.0, 0.9, 0.4]],
            dev,
        )
        .unwrap();
        let y = Tensor::new(&[2i64, -100, 0], dev).unwrap();
        let t = Tensor::new(&[[1.0f64, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]], dev).unwrap();
        let ce = CrossEntropy {
            label_smoothing: 0.2,
            ignore_index: Some(-100),
        };
        let y2 = Tensor::new(&[2i64, 1, 0], dev).unwrap();
        let checks: Vec<(&str, Box<dyn Fn(&[Tensor]) -> Result<Tensor>>)> = vec![
            ("ce", Box::new(|v| ce.apply(&v[0], &y))),
            ("bce", Box::new(|v| bce_with_logits(&v[0], &t))),
            ("hinge", Box::new(|v| multi_margin(&v[0], &y2, 1.0))),
            ("mse", Box::new(|v| mse(&v[0], &t))),
        ];
        for (name, f) in checks {
            let err = check_gradients(f, std::slice::from_ref(&z), 1e-6).unwrap();
            assert!(err < 1e-6, "{name}: {err:e}");
        }
    }

    /// The fused cross-entropy (loss and gradient) against the composite, f32, 1e-5, with
    /// smoothing and ignored rows, over enough rows to split into several parallel tasks.
    #[test]
    fn fused_cross_entropy_matches_composite() {
        let dev = &Device::Cpu;
        let (n, c) = (700, 13);
        let z = Tensor::randn(0f32, 3.0, (n, c), dev).unwrap();
        let y: Vec<i64> = (0..n as i64)
            .map(|i| if i % 7 == 3 { -100 } else { (i * 5) % c as i64 })
            .collect();
        let y = Tensor::new(y.as_slice(), dev).unwrap();
        for label_smoothing in [0.0, 0.3] {
            let ce = CrossEntropy {
                label_smoothing,
                ignore_index: Some(-100),
            };
            let zv = candle_core::Var::from_tensor(&z).unwrap();
            let fused = ce.apply(&zv, &y).unwrap();
            let comp = ce.apply_composite(&zv, &y).unwrap();
            let (lf, lc) = (
                fused.to_scalar::<f32>().unwrap(),
                comp.to_scalar::<f32>().unwrap(),
            );
            assert!((lf - lc).abs() < 1e-5, "{lf} vs {lc}");
            let gf = fused.affine(3.0, 0.0).unwrap().backward().unwrap();
            let gc = comp.affine(3.0, 0.0).unwrap().backward().unwrap();
            let d = (gf.get(&zv).unwrap() - gc.get(&zv).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(d < 1e-5, "gradient differs by {d}");
        }
    }

    #[test]
    fn bad_targets_are_errors() {
        let z = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
        let bad = Tensor::new(&[0i64, 3], &Device::Cpu).unwrap();
        assert!(CrossEntropy::default().apply(&z, &bad).is_err());
        assert!(multi_margin(&z, &bad, 1.0).is_err());
        let all_ignored = Tensor::new(&[-100i64, -100], &Device::Cpu).unwrap();
        assert!(CrossEntropy::default().apply(&z, &all_ignored).is_err());
    }

    #[test]
    fn bce_is_finite_for_huge_logits() {
        let z = Tensor::new(&[1000.0f32, -1000.0], &Device::Cpu).unwrap();
        let t = Tensor::new(&[1.0f32, 0.0], &Device::Cpu).unwrap();
        assert_eq!(
            bce_with_logits(&z, &t).unwrap().to_scalar::<f32>().unwrap(),
            0.0
        );
    }
}
