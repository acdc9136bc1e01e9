//! Gradient clipping, by global norm and by value.
//!
//! - **By norm**: with $\|g\| = \sqrt{\sum_p \|g_p\|_2^2}$ over every parameter's gradient,
//!   multiply all gradients by $\min\left(1, \frac{c}{\|g\| + 10^{-6}}\right)$ for a maximum
//!   norm $c$ (PyTorch's `clip_grad_norm_`): the direction is kept, the step bounded.
//! - **By value**: clamp each gradient component to $[-v, v]$ (`clip_grad_value_`).
//!
//! Clipping by norm tames exploding gradients (R. Pascanu, T. Mikolov, Y. Bengio, *On the
//! difficulty of training recurrent neural networks*, ICML 2013). Cost: $O(P)$ for $P$
//! parameter values.
//!
//! ```
//! use breadth_nn::clip::{clip_grad_norm, Clip};
//! use candle_core::{Device, Tensor, Var};
//! let w = Var::new(&[0.0f64, 0.0], &Device::Cpu).unwrap();
//! let mut grads = (w.as_tensor() * Tensor::new(&[3.0f64, 4.0], &Device::Cpu).unwrap())
//!     .unwrap().sum_all().unwrap().backward().unwrap();
//! let norm = clip_grad_norm(&mut grads, &[w.clone()], 1.0).unwrap();
//! assert_eq!(norm, 5.0);
//! let g = grads.get(&w).unwrap().to_vec1::<f64>().unwrap();
//! assert!((g[0] - 0.6).abs() < 1e-6 && (g[1] - 0.8).abs() < 1e-6);
//! ```

use candle_core::{backprop::GradStore, DType, Result, Var};
use serde::{Deserialize, Serialize};

/// The global L2 norm of the gradients of `vars` (variables without a gradient count as zero).
pub fn grad_norm(grads: &GradStore, vars: &[Var]) -> Result<f64> {
    let mut sq = 0.0f64;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            sq += g
                .to_dtype(DType::F64)?
                .sqr()?
                .sum_all()?
                .to_scalar::<f64>()?;
        }
    }
    Ok(sq.sqrt())
}

/// Rescale the gradients of `vars` so that their global norm is at most `max_norm`; returns the
/// norm before clipping.
pub fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    let norm = grad_norm(grads, vars)?;
    let coef = (max_norm / (norm + 1e-6)).min(1.0);
    if coef < 1.0 {
        for v in vars {
            if let Some(g) = grads.remove(v.as_tensor()) {
                grads.insert(v.as_tensor(), g.affine(coef, 0.0)?);
            }
        }
    }
    Ok(norm)
}

/// Clamp every gradient component of `vars` to $[-v, v]$.
pub fn clip_grad_value(grads: &mut GradStore, vars: &[Var], value: f64) -> Result<()> {
    for v in vars {
        if let Some(g) = grads.remove(v.as_tensor()) {
            grads.insert(v.as_tensor(), g.clamp(-value, value)?);
        }
    }
    Ok(())
}

/// A clipping rule for the training loop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Clip {
    /// Rescale to a global norm of at most this.
    Norm(f64),
    /// Clamp each component to plus or minus this.
    Value(f64),
}

impl Clip {
    /// Apply to the gradients of `vars`.
    pub fn apply(&self, grads: &mut GradStore, vars: &[Var]) -> Result<()> {
        match *self {
            Clip::Norm(c) => clip_grad_norm(grads, vars, c).map(|_| ()),
            Clip::Value(v) => clip_grad_value(grads, vars, v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_close, fixture, tensor};
    use candle_core::Tensor;

    /// Gradients whose loss sum(p * g) has exactly the stored gradients g.
    fn setup(fx: &serde_json::Value) -> (Vec<Var>, GradStore) {
        let gs: Vec<Tensor> = fx["grads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| tensor(g, DType::F32))
            .collect();
        let vars: Vec<Var> = gs
            .iter()
            .map(|g| Var::zeros(g.shape(), DType::F32, g.device()).unwrap())
            .collect();
        let mut loss = Tensor::new(0.0f32, &candle_core::Device::Cpu).unwrap();
        for (v, g) in vars.iter().zip(&gs) {
            loss = (loss + (v.as_tensor() * g).unwrap().sum_all().unwrap()).unwrap();
        }
        let grads = loss.backward().unwrap();
        (vars, grads)
    }

    /// Against torch 2.15.0 `clip_grad_norm_` / `clip_grad_value_` (`reference/nn.py`), 1e-6.
    #[test]
    fn match_pytorch() {
        let fx = fixture("clipping");
        let (vars, mut grads) = setup(&fx);
        let norm = clip_grad_norm(&mut grads, &vars, fx["max_norm"].as_f64().unwrap()).unwrap();
        assert!((norm - fx["total_norm"].as_f64().unwrap()).abs() < 1e-5);
        for (v, want) in vars.iter().zip(fx["clipped_norm"].as_array().unwrap()) {
            assert_close(
                grads.get(v).unwrap(),
                &tensor(want, DType::F32),
                1e-6,
                "by norm",
            );
        }
        let (vars, mut grads) = setup(&fx);
        Clip::Value(fx["clip_value"].as_f64().unwrap())
            .apply(&mut grads, &vars)
            .unwrap();
        for (v, want) in vars.iter().zip(fx["clipped_value"].as_array().unwrap()) {
            assert_close(
                grads.get(v).unwrap(),
                &tensor(want, DType::F32),
                0.0,
                "by value",
            );
        }
    }

    #[test]
    fn small_gradients_are_untouched() {
        let fx = fixture("clipping");
        let (vars, mut grads) = setup(&fx);
        let before: Vec<Vec<f32>> = vars
            .iter()
            .map(|v| {
                grads
                    .get(v)
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1()
                    .unwrap()
            })
            .collect();
        clip_grad_norm(&mut grads, &vars, 1e6).unwrap();
        for (v, b) in vars.iter().zip(before) {
            assert_eq!(
                grads
                    .get(v)
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap(),
                b
            );
        }
    }
}
