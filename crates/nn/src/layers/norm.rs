//! Normalisation layers: batch normalisation, layer normalisation and RMS normalisation.
//!
//! With $\epsilon$ a small constant, learned scale $\gamma$ and shift $\beta$:
//!
//! - **BatchNorm** normalises each channel $c$ over the batch and spatial positions $S_c$
//!   ($m = |S_c|$ values): $\mu_c = \frac1m \sum x$, $\sigma_c^2 = \frac1m \sum (x - \mu_c)^2$,
//!   $y = \gamma_c (x - \mu_c)/\sqrt{\sigma_c^2 + \epsilon} + \beta_c$. Training also updates the
//!   running statistics $\hat\mu \leftarrow (1-\alpha)\hat\mu + \alpha \mu_c$ and
//!   $\hat\sigma^2 \leftarrow (1-\alpha)\hat\sigma^2 + \alpha \frac{m}{m-1}\sigma_c^2$ (unbiased,
//!   momentum $\alpha$, PyTorch's convention); evaluation normalises with them instead.
//! - **LayerNorm** does the same over the last dimension of each sample (no running statistics).
//! - **RMSNorm** only rescales: $y = \gamma x / \sqrt{\frac1d \sum_j x_j^2 + \epsilon}$.
//!
//! All three are composed of candle operations that record a backward pass, unlike candle-nn's
//! fused `layer_norm`/`rms_norm`, which silently return no gradient.
//!
//! Shapes: BatchNorm $(n, c)$, $(n, c, l)$ or $(n, c, h, w)$; the others $(\dots, d)$; output
//! shape = input shape. Cost: $O(\text{elements})$.
//! References: S. Ioffe, C. Szegedy, *Batch Normalization*, ICML 2015; J. L. Ba et al.,
//! *Layer Normalization*, 2016; B. Zhang, R. Sennrich, *Root Mean Square Layer Normalization*, 2019.
//!
//! ```
//! use breadth_nn::layers::norm::LayerNorm;
//! use breadth_nn::params::Params;
//! use candle_core::{DType, Device, Tensor};
//! let ln = LayerNorm::new(&mut Params::new(), "ln", 4, 1e-5, DType::F64).unwrap();
//! let x = Tensor::new(&[[1.0f64, 2.0, 3.0, 6.0]], &Device::Cpu).unwrap();
//! let y = ln.apply(&x).unwrap().to_vec2::<f64>().unwrap();
//! assert!(y[0].iter().sum::<f64>().abs() < 1e-9);
//! ```

use breadth_core::Error;
use candle_core::{DType, Result, Tensor, Var, D};

use super::{Mode, Module};
use crate::params::Params;

fn check_eps(name: &str, eps: f64) -> breadth_core::Result<()> {
    breadth_core::validate::positive(&format!("{name}.eps"), eps)
}

/// Batch normalisation over channel dimension 1.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    weight: Var,
    bias: Var,
    running_mean: Var,
    running_var: Var,
    momentum: f64,
    eps: f64,
}

impl BatchNorm {
    /// `channels` channels registered under `name` (`weight`, `bias` trainable; `running_mean`,
    /// `running_var` buffers), $\gamma = 1$, $\beta = 0$, running statistics $0$ and $1$.
    pub fn new(
        params: &mut Params,
        name: &str,
        channels: usize,
        momentum: f64,
        eps: f64,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        check_eps(name, eps)?;
        breadth_core::validate::in_range(&format!("{name}.momentum"), momentum, 0.0, 1.0)?;
        if channels == 0 {
            return Err(Error::param(name, "batch norm needs at least one channel"));
        }
        let dev = &candle_core::Device::Cpu;
        let t = |v: f64| {
            Tensor::full(v, channels, dev)
                .and_then(|t| t.to_dtype(dtype))
                .map_err(crate::tensor_err("batch norm"))
        };
        Ok(BatchNorm {
            weight: params.add(&format!("{name}.weight"), t(1.0)?, true)?,
            bias: params.add(&format!("{name}.bias"), t(0.0)?, true)?,
            running_mean: params.add(&format!("{name}.running_mean"), t(0.0)?, false)?,
            running_var: params.add(&format!("{name}.running_var"), t(1.0)?, false)?,
            momentum,
            eps,
        })
    }

    /// A layer over existing variables (scale, shift, running mean, running variance).
    pub fn from_vars(
        weight: Var,
        bias: Var,
        running_mean: Var,
        running_var: Var,
        momentum: f64,
        eps: f64,
    ) -> Self {
        BatchNorm {
            weight,
            bias,
            running_mean,
            running_var,
            momentum,
            eps,
        }
    }

    /// The running mean and variance.
    pub fn running_stats(&self) -> (&Var, &Var) {
        (&self.running_mean, &self.running_var)
    }

    /// Normalise `x`; in training mode with batch statistics (updating the running ones).
    pub fn apply(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let rank = x.rank();
        if !(2..=4).contains(&rank) {
            candle_core::bail!(
                "batch norm expects (n, c), (n, c, l) or (n, c, h, w), got {:?}",
                x.dims()
            );
        }
        let c = x.dim(1)?;
        let mut bshape = vec![1usize; rank];
        bshape[1] = c;
        let reduce: Vec<usize> = (0..rank).filter(|&d| d != 1).collect();
        let (mean, var) = if train {
            let m = x.elem_count() / c;
            if m < 2 {
                candle_core::bail!(
                    "batch norm in training needs more than one value per channel, got {:?}",
                    x.dims()
                );
            }
            let mean = x.mean_keepdim(reduce.as_slice())?;
            let var = x
                .broadcast_sub(&mean)?
                .sqr()?
                .mean_keepdim(reduce.as_slice())?;
            let a = self.momentum;
            let rm = self.running_mean.affine(1.0 - a, 0.0)?
                + mean.flatten_all()?.detach().affine(a, 0.0)?;
            let unbiased = var
                .flatten_all()?
                .detach()
                .affine(a * m as f64 / (m - 1) as f64, 0.0)?;
            let rv = self.running_var.affine(1.0 - a, 0.0)? + unbiased;
            self.running_mean.set(&rm?)?;
            self.running_var.set(&rv?)?;
            (mean, var)
        } else {
            (
                self.running_mean.reshape(bshape.as_slice())?,
                self.running_var.reshape(bshape.as_slice())?,
            )
        };
        let xhat = x
            .broadcast_sub(&mean)?
            .broadcast_div(&(var + self.eps)?.sqrt()?)?;
        xhat.broadcast_mul(&self.weight.reshape(bshape.as_slice())?)?
            .broadcast_add(&self.bias.reshape(bshape.as_slice())?)
    }
}

impl Module for BatchNorm {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x, mode.is_train())
    }
}

/// Layer normalisation over the last dimension.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    weight: Var,
    bias: Var,
    eps: f64,
}

impl LayerNorm {
    /// Over `dim` features, registered under `name`, $\gamma = 1$, $\beta = 0$.
    pub fn new(
        params: &mut Params,
        name: &str,
        dim: usize,
        eps: f64,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        check_eps(name, eps)?;
        let dev = &candle_core::Device::Cpu;
        let ones = Tensor::ones(dim, dtype, dev).map_err(crate::tensor_err("layer norm"))?;
        let zeros = Tensor::zeros(dim, dtype, dev).map_err(crate::tensor_err("layer norm"))?;
        Ok(LayerNorm {
            weight: params.add(&format!("{name}.weight"), ones, true)?,
            bias: params.add(&format!("{name}.bias"), zeros, true)?,
            eps,
        })
    }

    /// A layer over existing scale and shift.
    pub fn from_vars(weight: Var, bias: Var, eps: f64) -> Self {
        LayerNorm { weight, bias, eps }
    }

    /// Normalise the last dimension of `x`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let centered = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
        let var = centered.sqr()?.mean_keepdim(D::Minus1)?;
        centered
            .broadcast_div(&(var + self.eps)?.sqrt()?)?
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

/// Root-mean-square normalisation over the last dimension.
#[derive(Debug, Clone)]
pub struct RmsNorm {
    weight: Var,
    eps: f64,
}

impl RmsNorm {
    /// Over `dim` features, registered under `name`, $\gamma = 1$.
    pub fn new(
        params: &mut Params,
        name: &str,
        dim: usize,
        eps: f64,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        check_eps(name, eps)?;
        let ones = Tensor::ones(dim, dtype, &candle_core::Device::Cpu)
            .map_err(crate::tensor_err("rms norm"))?;
        Ok(RmsNorm {
            weight: params.add(&format!("{name}.weight"), ones, true)?,
            eps,
        })
    }

    /// A layer over an existing scale.
    pub fn from_var(weight: Var, eps: f64) -> Self {
        RmsNorm { weight, eps }
    }

    /// Rescale the last dimension of `x`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
        x.broadcast_div(&(ms + self.eps)?.sqrt()?)?
            .broadcast_mul(&self.weight)
    }
}

impl Module for RmsNorm {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::init::Init;
    use crate::test_support::{assert_close, check_case, fixture, tensor};
    use breadth_core::seeded_rng;

    fn var(v: &serde_json::Value) -> Var {
        Var::from_tensor(&tensor(v, DType::F32)).unwrap()
    }

    /// Training-mode forward, backward and running-statistics update, then evaluation mode,
    /// against `reference/nn.py` (torch 2.15.0 `F.batch_norm`, f32, momentum 0.1), 1e-5.
    #[test]
    fn batch_norm_matches_pytorch() {
        let fx = fixture("layers");
        for name in ["batch_norm_1d", "batch_norm_2d"] {
            let case = &fx["cases"][name];
            let (rm, rv) = (
                var(&case["running_mean_before"]),
                var(&case["running_var_before"]),
            );
            check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
                // Each call starts from the stored statistics so that the update is checked once.
                rm.set(&tensor(&case["running_mean_before"], DType::F32))?;
                rv.set(&tensor(&case["running_var_before"], DType::F32))?;
                let bn = BatchNorm::from_vars(
                    Var::from_tensor(&v[1])?,
                    Var::from_tensor(&v[2])?,
                    rm.clone(),
                    rv.clone(),
                    0.1,
                    1e-5,
                );
                bn.apply(&v[0], true)
            });
            assert_close(
                &rm,
                &tensor(&case["running_mean_after"], DType::F32),
                1e-6,
                "running mean",
            );
            assert_close(
                &rv,
                &tensor(&case["running_var_after"], DType::F32),
                1e-6,
                "running var",
            );

            let case = &fx["cases"][format!("{name}_eval")];
            check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
                let bn = BatchNorm::from_vars(
                    Var::from_tensor(&v[1])?,
                    Var::from_tensor(&v[2])?,
                    var(&case["running_mean"]),
                    var(&case["running_var"]),
                    0.1,
                    1e-5,
                );
                bn.apply(&v[0], false)
            });
        }
    }

    /// `reference/nn.py` (torch 2.15.0 `F.layer_norm`, `F.rms_norm` with eps 1e-6, f32), 1e-5.
    #[test]
    fn layer_and_rms_norm_match_pytorch() {
        let fx = fixture("layers");
        check_case(
            &fx["cases"]["layer_norm"],
            &["x", "weight", "bias"],
            1e-5,
            |v| {
                LayerNorm::from_vars(Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?, 1e-5)
                    .apply(&v[0])
            },
        );
        check_case(&fx["cases"]["rms_norm"], &["x", "weight"], 1e-5, |v| {
            RmsNorm::from_var(Var::from_tensor(&v[1])?, 1e-6).apply(&v[0])
        });
    }

    #[test]
    fn finite_differences() {
        let mut rng = seeded_rng(0);
        let mut draw = |s: &[usize]| {
            Init::Normal { std: 1.0 }
                .sample(s, &mut rng, DType::F64)
                .unwrap()
        };
        let (x4, x2, g, b) = (draw(&[2, 3, 2, 2]), draw(&[3, 4]), draw(&[3]), draw(&[3]));
        let zeros = || Var::zeros(3, DType::F64, &candle_core::Device::Cpu).unwrap();
        let err = check_gradients(
            |v| {
                BatchNorm::from_vars(
                    Var::from_tensor(&v[1])?,
                    Var::from_tensor(&v[2])?,
                    zeros(),
                    zeros(),
                    0.1,
                    1e-5,
                )
                .apply(&v[0], true)
            },
            &[x4, g, b],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "batch norm: {err:e}");
        let (g4, b4) = (draw(&[4]), draw(&[4]));
        let err = check_gradients(
            |v| {
                LayerNorm::from_vars(Var::from_tensor(&v[1])?, Var::from_tensor(&v[2])?, 1e-5)
                    .apply(&v[0])
            },
            &[x2.clone(), g4.clone(), b4],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "layer norm: {err:e}");
        let err = check_gradients(
            |v| RmsNorm::from_var(Var::from_tensor(&v[1])?, 1e-6).apply(&v[0]),
            &[x2, g4],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "rms norm: {err:e}");
    }

    #[test]
    fn batch_of_one_is_refused_in_training() {
        let mut p = Params::new();
        let bn = BatchNorm::new(&mut p, "bn", 3, 0.1, 1e-5, DType::F32).unwrap();
        let x = Tensor::ones((1, 3), DType::F32, &candle_core::Device::Cpu).unwrap();
        assert!(bn.apply(&x, true).is_err());
        assert!(bn.apply(&x, false).is_ok());
        assert!(BatchNorm::new(&mut p, "bn2", 3, 0.1, 0.0, DType::F32).is_err());
        assert_eq!(p.trainable().len(), 2);
    }
}
