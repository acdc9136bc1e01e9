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
//! Targets for cross-entropy and hinge are integer tensors (u32 or i64); the per-row weights that
//! encode targets, smoothing and ignored rows are built on the host, which costs $O(nC)$ and keeps
//! the differentiated expression a plain product with log-softmax.
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

use candle_core::{DType, Result, Tensor};

use crate::activation::log_softmax;

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
    /// Mean loss of `logits` $(n, C)$ against `targets` $(n)$.
    pub fn apply(&self, logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
        let (n, c) = logits.dims2()?;
        let eps = self.label_smoothing;
        if !(0.0..=1.0).contains(&eps) {
            candle_core::bail!("label smoothing must lie in [0, 1], got {eps}");
        }
        let t = targets_of(targets, n)?;
        let mut w = vec![0.0f64; n * c];
        let mut valid = 0usize;
        for (i, &y) in t.iter().enumerate() {
            if Some(y) == self.ignore_index {
                continue;
            }
            if y < 0 || y as usize >= c {
                candle_core::bail!("target {y} at row {i} outside the {c} classes");
            }
            valid += 1;
            let row = &mut w[i * c..(i + 1) * c];
            row.iter_mut().for_each(|v| *v = eps / c as f64);
            row[y as usize] += 1.0 - eps;
        }
        if valid == 0 {
            candle_core::bail!("every target is ignored; the mean loss is undefined");
        }
        let w = Tensor::from_vec(w, (n, c), logits.device())?.to_dtype(logits.dtype())?;
        (log_softmax(logits)? * w)?
            .sum_all()?
            .affine(-1.0 / valid as f64, 0.0)
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
