//! Inverted dropout.
//!
//! In training, each value is kept with probability $1 - p$ and scaled by $1/(1-p)$, so
//! $\mathbb{E}[y] = x$ and evaluation needs no rescaling: $y = x \odot m / (1-p)$ with
//! $m_i \sim \text{Bernoulli}(1-p)$. In evaluation $y = x$. The backward pass is the same
//! multiplication by $m/(1-p)$.
//!
//! Masks are drawn on the host from the training generator carried by [`Mode::Train`], so a run
//! is reproducible from its seed; PyTorch's masks come from its own generator and cannot be
//! matched value for value, so the tests check the distribution and the scaling instead.
//!
//! Shapes: any; output shape = input shape. Cost: $O(n)$ draws.
//! Reference: N. Srivastava et al., *Dropout: A Simple Way to Prevent Neural Networks from
//! Overfitting*, JMLR 2014.
//!
//! ```
//! use breadth_nn::layers::{dropout::Dropout, Mode, Module};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let d = Dropout::new(0.5).unwrap();
//! let x = Tensor::ones(1000, DType::F32, &Device::Cpu).unwrap();
//! assert_eq!(d.forward(&x, &mut Mode::Eval).unwrap().to_vec1::<f32>().unwrap(), vec![1.0; 1000]);
//! let mut rng = seeded_rng(0);
//! let y = d.forward(&x, &mut Mode::Train(&mut rng)).unwrap().to_vec1::<f32>().unwrap();
//! assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
//! ```

use breadth_core::Rng;
use candle_core::{Result, Tensor};
use rand::Rng as _;

use super::{Mode, Module};

/// Inverted dropout with drop probability `p`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    p: f64,
}

impl Dropout {
    /// Drop probability `p` in $[0, 1)$.
    pub fn new(p: f64) -> breadth_core::Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(breadth_core::Error::param(
                "dropout",
                format!("drop probability must lie in [0, 1), got {p}"),
            ));
        }
        Ok(Dropout { p })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The scaled keep-mask $m/(1-p)$ for `x`'s shape and dtype.
    pub fn mask(&self, like: &Tensor, rng: &mut Rng) -> Result<Tensor> {
        let scale = 1.0 / (1.0 - self.p);
        let m: Vec<f32> = (0..like.elem_count())
            .map(|_| {
                if rng.random::<f64>() < self.p {
                    0.0
                } else {
                    scale as f32
                }
            })
            .collect();
        Tensor::from_vec(m, like.shape(), like.device())?.to_dtype(like.dtype())
    }
}

impl Module for Dropout {
    fn forward(&self, x: &Tensor, mode: &mut Mode<'_>) -> Result<Tensor> {
        match mode {
            Mode::Train(rng) if self.p > 0.0 => x * self.mask(x, rng)?,
            _ => Ok(x.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use breadth_core::seeded_rng;
    use candle_core::{DType, Device, Var};

    #[test]
    fn keeps_the_expected_fraction_and_the_mean() {
        let d = Dropout::new(0.3).unwrap();
        let x = Tensor::ones(20_000, DType::F64, &Device::Cpu).unwrap();
        let y = d
            .forward(&x, &mut Mode::Train(&mut seeded_rng(1)))
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let dropped = y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
        assert!((dropped - 0.3).abs() < 0.01, "{dropped}");
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
    }

    /// The gradient is the same mask: checked by finite differences with a fixed mask.
    #[test]
    fn backward_is_the_mask() {
        let d = Dropout::new(0.5).unwrap();
        let x = Tensor::new(&[0.3f64, -1.0, 2.0, 0.7, 1.1, -0.4], &Device::Cpu).unwrap();
        let err = check_gradients(
            |v| d.forward(&v[0], &mut Mode::Train(&mut seeded_rng(7))),
            std::slice::from_ref(&x),
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-8, "{err:e}");
        let xv = Var::from_tensor(&x).unwrap();
        let y = d
            .forward(&xv, &mut Mode::Train(&mut seeded_rng(7)))
            .unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        let m = d.mask(&x, &mut seeded_rng(7)).unwrap();
        assert_eq!(
            g.get(&xv).unwrap().to_vec1::<f64>().unwrap(),
            m.to_vec1::<f64>().unwrap()
        );
    }

    #[test]
    fn probability_one_is_refused() {
        assert!(Dropout::new(1.0).is_err());
        assert!(Dropout::new(-0.1).is_err());
    }
}
