//! Finite-difference gradient checking.
//!
//! For a function $f$ of tensors $x^{(1)}, \dots, x^{(k)}$ with any output shape, the scalar
//! $s = \sum_j w_j f_j$ with fixed, distinct weights $w_j = 1 + \tfrac12 \sin(1.7 j)$ (distinct so
//! that outputs with a constant sum, like softmax, still have a non-zero gradient) is
//! differentiated twice: by candle's backward pass, and by central differences
//! $\partial s / \partial x_i \approx (s(x + \epsilon e_i) - s(x - \epsilon e_i)) / 2\epsilon$.
//! The returned error is $\max_i |g_i^{\text{autograd}} - g_i^{\text{fd}}| / \max(1, |g_i^{\text{fd}}|)$.
//!
//! Work in f64: central differences have truncation error $O(\epsilon^2)$ and rounding error
//! $O(u/\epsilon)$ for unit round-off $u$, so with $\epsilon = 10^{-6}$ an exact gradient agrees to
//! about $10^{-9}$ and a wrong one (a dropped or mis-scaled term) shows at once.
//!
//! Cost: $2n + 1$ evaluations of $f$ for $n$ input values, so use tiny inputs.
//! Reference: J. Nocedal, S. Wright, *Numerical Optimization*, 2nd ed., §8.1.
//!
//! ```
//! use breadth_nn::gradcheck::check_gradients;
//! use candle_core::{Device, Tensor};
//! let x = Tensor::new(&[0.3f64, -1.2], &Device::Cpu).unwrap();
//! let err = check_gradients(|v| v[0].sqr()?.exp(), &[x.clone()], 1e-6).unwrap();
//! assert!(err < 1e-7);
//! // A function whose backward is cut off fails the check.
//! let err = check_gradients(|v| v[0].detach().sqr()? + &v[0], &[x], 1e-6).unwrap();
//! assert!(err > 0.1);
//! ```

use candle_core::{DType, Result, Tensor, Var};

fn weights(like: &Tensor) -> Result<Tensor> {
    let n = like.elem_count();
    let w: Vec<f64> = (0..n).map(|j| 1.0 + 0.5 * (1.7 * j as f64).sin()).collect();
    Tensor::from_vec(w, like.shape(), like.device())?.to_dtype(like.dtype())
}

fn scalar(y: &Tensor) -> Result<Tensor> {
    (y * weights(y)?)?.sum_all()
}

/// Largest relative difference between the autograd and central-difference gradients of `f`
/// at `inputs` (f64 tensors), perturbing each value by `eps`.
pub fn check_gradients<F>(f: F, inputs: &[Tensor], eps: f64) -> Result<f64>
where
    F: Fn(&[Tensor]) -> Result<Tensor>,
{
    let inputs: Vec<Tensor> = inputs
        .iter()
        .map(|t| t.to_dtype(DType::F64))
        .collect::<Result<_>>()?;
    let vars: Vec<Var> = inputs.iter().map(Var::from_tensor).collect::<Result<_>>()?;
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let grads = scalar(&f(&tensors)?)?.backward()?;
    let mut worst = 0.0f64;
    for (k, var) in vars.iter().enumerate() {
        let analytic = match grads.get(var.as_tensor()) {
            Some(g) => g.flatten_all()?.to_vec1::<f64>()?,
            None => vec![0.0; var.elem_count()],
        };
        let base = inputs[k].flatten_all()?.to_vec1::<f64>()?;
        for i in 0..base.len() {
            let eval = |delta: f64| -> Result<f64> {
                let mut v = base.clone();
                v[i] += delta;
                let mut args = inputs.clone();
                args[k] = Tensor::from_vec(v, inputs[k].shape(), inputs[k].device())?;
                scalar(&f(&args)?)?.to_scalar::<f64>()
            };
            let numeric = (eval(eps)? - eval(-eps)?) / (2.0 * eps);
            worst = worst.max((analytic[i] - numeric).abs() / numeric.abs().max(1.0));
        }
    }
    Ok(worst)
}
