//! Fully connected (affine) layer.
//!
//! $y = x W^\top + b$ with $x \in \mathbb{R}^{\dots \times i}$, weight $W \in \mathbb{R}^{o \times i}$
//! (PyTorch's layout) and bias $b \in \mathbb{R}^{o}$. Backward:
//! $\partial L/\partial x = G W$, $\partial L/\partial W = G^\top x$, $\partial L/\partial b = \sum G$
//! for the upstream gradient $G$. Initialised like PyTorch: $W, b \sim U(-1/\sqrt i, 1/\sqrt i)$.
//!
//! On the CPU (f32/f64, with a bias) the layer runs [`linear_fused`]: one custom operation whose
//! forward is a single GEMM onto bias-initialised rows with an optional ReLU in the same output
//! buffer, and whose backward masks $G$ once and produces the three gradients with two GEMMs and a
//! column sum; [`linear_composite`] (candle's matmul, broadcast add, relu) is its test oracle.
//!
//! Cost: $O(n i o)$ for $n$ rows, one matrix multiply forward and two backward.
//! Reference: I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, 2016, §6.
//!
//! ```
//! use breadth_nn::layers::linear::Linear;
//! use candle_core::{Device, Tensor, Var};
//! let w = Var::new(&[[1.0f32, 2.0], [0.0, -1.0]], &Device::Cpu).unwrap();
//! let b = Var::new(&[0.5f32, 0.0], &Device::Cpu).unwrap();
//! let layer = Linear::from_vars(w, Some(b));
//! let y = layer.apply(&Tensor::new(&[[1.0f32, 1.0]], &Device::Cpu).unwrap()).unwrap();
//! assert_eq!(y.to_vec2::<f32>().unwrap(), vec![vec![3.5, -1.0]]);
//! ```

use std::borrow::Cow;

use breadth_core::Rng;
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, DType, Layout, Result, Shape, Tensor, Var, WithDType};

use super::{Mode, Module};
use crate::activation::{relu_in_place, relu_mask};
use crate::init::Init;
use crate::matmul::{by_dtype, gemm_into, values, with_values, zero, MatView, Threads};
use crate::params::Params;

/// $y = x W^\top + b$, optionally followed by a fused ReLU.
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Var,
    bias: Option<Var>,
    relu: bool,
}

impl Linear {
    /// A layer from `in_dim` to `out_dim` features with a bias, registered as `{name}.weight` and
    /// `{name}.bias`, initialised like PyTorch.
    pub fn new(
        params: &mut Params,
        name: &str,
        in_dim: usize,
        out_dim: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        Self::with_init(
            params,
            name,
            in_dim,
            out_dim,
            true,
            Init::TorchDefault,
            rng,
            dtype,
        )
    }

    /// A layer with a chosen weight initialisation, with or without a bias.
    pub fn with_init(
        params: &mut Params,
        name: &str,
        in_dim: usize,
        out_dim: usize,
        bias: bool,
        init: Init,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        if in_dim == 0 || out_dim == 0 {
            return Err(breadth_core::Error::param(
                name,
                format!("a linear layer needs positive sizes, got {in_dim} -> {out_dim}"),
            ));
        }
        let weight = params.add(
            &format!("{name}.weight"),
            init.sample(&[out_dim, in_dim], rng, dtype)?,
            true,
        )?;
        let bias = if bias {
            let bound = 1.0 / (in_dim as f64).sqrt();
            let b = Init::Uniform { bound }.sample(&[out_dim], rng, dtype)?;
            Some(params.add(&format!("{name}.bias"), b, true)?)
        } else {
            None
        };
        Ok(Linear {
            weight,
            bias,
            relu: false,
        })
    }

    /// A layer over existing variables: weight $(o, i)$, bias $(o)$.
    pub fn from_vars(weight: Var, bias: Option<Var>) -> Self {
        Linear {
            weight,
            bias,
            relu: false,
        }
    }

    /// The same layer followed by $\max(\cdot, 0)$, computed in the layer's own output pass and
    /// masked in its backward pass (see [`linear_fused`]); the variables are shared.
    pub fn with_relu(mut self) -> Self {
        self.relu = true;
        self
    }

    /// The weight variable, $(o, i)$.
    pub fn weight(&self) -> &Var {
        &self.weight
    }

    /// The bias variable, $(o)$.
    pub fn bias(&self) -> Option<&Var> {
        self.bias.as_ref()
    }

    /// $x W^\top + b$ (then ReLU when built [`Linear::with_relu`]) for $x$ of shape $(\dots, i)$.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let w = self.weight.as_tensor();
        if x.rank() == 2 {
            return linear_fused(x, w, self.bias.as_deref(), self.relu);
        }
        // Fold the leading dimensions into rows: one large GEMM instead of a batch.
        let (lead, i) = x.dims().split_at(x.rank().saturating_sub(1));
        let i = *i
            .first()
            .ok_or_else(|| candle_core::Error::Msg("linear: scalar input".into()))?;
        let mut out_shape = lead.to_vec();
        out_shape.push(w.dim(0)?);
        linear_fused(&x.reshape(((), i))?, w, self.bias.as_deref(), self.relu)?.reshape(out_shape)
    }
}

/// $x W^\top + b$ (then ReLU when `relu`) from candle operations: the test oracle of
/// [`linear_fused`], and its path off the CPU. $x$: $(n, i)$, $W$: $(o, i)$, $b$: $(o)$.
pub fn linear_composite(x: &Tensor, w: &Tensor, b: Option<&Tensor>, relu: bool) -> Result<Tensor> {
    let y = x.matmul(&w.t()?)?;
    let y = match b {
        Some(b) => y.broadcast_add(b)?,
        None => y,
    };
    if relu {
        y.relu()
    } else {
        Ok(y)
    }
}

/// The fused affine map $y = \phi(x W^\top + b)$, $\phi$ the identity or ReLU, as one candle
/// custom operation with its own backward pass.
///
/// Forward: the rows of $y$ start as $b$ and one GEMM (split by rows over the CPU pool) accumulates
/// $x W^\top$ onto them; ReLU is applied in the same output buffer. Backward with upstream
/// gradient $G$: $G' = G \odot [y > 0]$ (ReLU; PyTorch's subgradient 0 at 0) or $G' = G$, in
/// place in one buffer, then $\partial L/\partial x = G' W$ and $\partial L/\partial W = G'^\top x$
/// (two GEMMs on transposed views, no copies) and $\partial L/\partial b = \mathbf 1^\top G'$.
/// The input gradient is skipped when $x$ needs none (data).
///
/// $x$: $(n, i)$, $W$: $(o, i)$, $b$: $(o)$, result $(n, o)$; f32 or f64 on the CPU, elsewhere
/// (and without a bias) [`linear_composite`], its test oracle.
pub fn linear_fused(x: &Tensor, w: &Tensor, b: Option<&Tensor>, relu: bool) -> Result<Tensor> {
    let (n, i) = x.dims2()?;
    let (o, wi) = w.dims2()?;
    if wi != i {
        candle_core::bail!("linear: input of {i} features for a weight of shape ({o}, {wi})");
    }
    let Some(b) = b else {
        return linear_composite(x, w, None, relu);
    };
    if b.dims() != [o] {
        candle_core::bail!("linear: bias of shape {:?} for {o} outputs", b.dims());
    }
    let fused = x.device().is_cpu()
        && matches!(x.dtype(), DType::F32 | DType::F64)
        && w.dtype() == x.dtype()
        && b.dtype() == x.dtype();
    if !fused {
        return linear_composite(x, w, Some(b), relu);
    }
    x.contiguous()?.apply_op3(
        &w.contiguous()?,
        &b.contiguous()?,
        FusedLinear { n, i, o, relu },
    )
}

/// The fused linear operation, see [`linear_fused`].
#[derive(Debug, Clone, Copy)]
struct FusedLinear {
    n: usize,
    i: usize,
    o: usize,
    relu: bool,
}

impl FusedLinear {
    fn forward<T: WithDType>(&self, x: &[T], w: &[T], b: &[T]) -> Vec<T> {
        let (n, i, o) = (self.n, self.i, self.o);
        let mut y = vec![zero::<T>(); n * o];
        y.chunks_exact_mut(o).for_each(|row| row.copy_from_slice(b));
        gemm_into(
            &mut y,
            MatView::row_major(x, n, i),
            MatView::row_major(w, o, i).t(),
            true,
            Threads::Pool,
        );
        if self.relu {
            relu_in_place(&mut y);
        }
        y
    }

    /// $(\partial L/\partial x, \partial L/\partial W, \partial L/\partial b)$, the first only
    /// when `want_dx`.
    fn backward<T: WithDType>(
        &self,
        x: &[T],
        w: &[T],
        y: &[T],
        g: &[T],
        want_dx: bool,
    ) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
        let (n, i, o) = (self.n, self.i, self.o);
        let gm: Cow<'_, [T]> = if self.relu {
            Cow::Owned(relu_mask(g, y))
        } else {
            Cow::Borrowed(g)
        };
        let gv = MatView::row_major(&gm, n, o);
        let dx = want_dx.then(|| {
            let mut dx = vec![zero::<T>(); n * i];
            gemm_into(
                &mut dx,
                gv,
                MatView::row_major(w, o, i),
                false,
                Threads::Pool,
            );
            dx
        });
        let mut dw = vec![zero::<T>(); o * i];
        gemm_into(
            &mut dw,
            gv.t(),
            MatView::row_major(x, n, i),
            false,
            Threads::Pool,
        );
        let mut db = vec![zero::<T>(); o];
        for row in gm.chunks_exact(o) {
            for (d, &v) in db.iter_mut().zip(row) {
                *d += v;
            }
        }
        (dx, dw, db)
    }
}

impl CustomOp3 for FusedLinear {
    fn name(&self) -> &'static str {
        "fused-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        fn run<T: WithDType>(
            op: &FusedLinear,
            (s1, l1): (&CpuStorage, &Layout),
            (s2, l2): (&CpuStorage, &Layout),
            (s3, l3): (&CpuStorage, &Layout),
        ) -> Result<CpuStorage> {
            let x = values::<T>(s1, l1, "linear input")?;
            let w = values::<T>(s2, l2, "linear weight")?;
            let b = values::<T>(s3, l3, "linear bias")?;
            Ok(T::to_cpu_storage_owned(op.forward(x, w, b)))
        }
        let storage = by_dtype!(
            self.name(),
            s1.dtype(),
            run(self, (s1, l1), (s2, l2), (s3, l3))
        )?;
        Ok((storage, Shape::from((self.n, self.o))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        fn run<T: WithDType>(
            op: &FusedLinear,
            (x, w, res, grad): (&Tensor, &Tensor, &Tensor, &Tensor),
            want_dx: bool,
        ) -> Result<(Option<Tensor>, Tensor, Tensor)> {
            let what = "linear backward";
            let (dx, dw, db) = with_values::<T, _>(x, what, |xs| {
                with_values::<T, _>(w, what, |ws| {
                    with_values::<T, _>(res, what, |ys| {
                        with_values::<T, _>(grad, what, |gs| {
                            Ok(op.backward(xs, ws, ys, gs, want_dx))
                        })
                    })
                })
            })?;
            let dev = x.device();
            let dx = dx
                .map(|v| Tensor::from_vec(v, (op.n, op.i), dev))
                .transpose()?;
            Ok((
                dx,
                Tensor::from_vec(dw, (op.o, op.i), dev)?,
                Tensor::from_vec(db, op.o, dev)?,
            ))
        }
        let grad = grad.contiguous()?;
        let args = (x, w, res, &grad);
        let (dx, dw, db) = by_dtype!(self.name(), x.dtype(), run(self, args, x.track_op()))?;
        Ok((dx, w.track_op().then_some(dw), b.track_op().then_some(db)))
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor, _mode: &mut Mode<'_>) -> Result<Tensor> {
        self.apply(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::test_support::{check_case, fixture};
    use breadth_core::seeded_rng;

    /// Forward and backward against `reference/nn.py` (torch 2.15.0 `F.linear`, f32), 1e-5.
    #[test]
    fn matches_pytorch() {
        let case = &fixture("layers")["cases"]["linear"];
        check_case(case, &["x", "weight", "bias"], 1e-5, |v| {
            let w = Var::from_tensor(&v[1])?;
            Linear::from_vars(w, Some(Var::from_tensor(&v[2])?)).apply(&v[0])
        });
    }

    #[test]
    fn finite_differences_including_3d_input() {
        let mut rng = seeded_rng(0);
        let x = Init::XavierNormal { gain: 1.0 }
            .sample(&[2, 3, 4], &mut rng, DType::F64)
            .unwrap();
        let w = Init::XavierNormal { gain: 1.0 }
            .sample(&[5, 4], &mut rng, DType::F64)
            .unwrap();
        let b = Init::XavierNormal { gain: 1.0 }
            .sample(&[5], &mut rng, DType::F64)
            .unwrap();
        let err = check_gradients(
            |v| {
                let w = Var::from_tensor(&v[1])?;
                Linear::from_vars(w, Some(Var::from_tensor(&v[2])?)).apply(&v[0])
            },
            &[x.clone(), w.clone(), b],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
        let err = check_gradients(
            |v| Linear::from_vars(Var::from_tensor(&w)?, None).apply(&v[0]),
            &[x],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
    }

    fn sample(shape: &[usize], rng: &mut breadth_core::Rng, dtype: DType) -> Tensor {
        Init::XavierNormal { gain: 1.0 }
            .sample(shape, rng, dtype)
            .unwrap()
    }

    /// Forward and every gradient of the fused op against the composite one, f32, 1e-5, with
    /// and without ReLU, on shapes that are not multiples of the kernel's register blocks.
    #[test]
    fn fused_matches_composite() {
        let mut rng = seeded_rng(1);
        let (n, i, o) = (67, 45, 33);
        for relu in [false, true] {
            let x = Var::from_tensor(&sample(&[n, i], &mut rng, DType::F32)).unwrap();
            let w = Var::from_tensor(&sample(&[o, i], &mut rng, DType::F32)).unwrap();
            let b = Var::from_tensor(&sample(&[o], &mut rng, DType::F32)).unwrap();
            let up = sample(&[n, o], &mut rng, DType::F32);
            let run = |f: fn(&Tensor, &Tensor, Option<&Tensor>, bool) -> Result<Tensor>| {
                let y = f(&x, &w, Some(&b), relu).unwrap();
                let g = (&y * &up).unwrap().sum_all().unwrap().backward().unwrap();
                let grads = [&x, &w, &b].map(|v| g.get(v).unwrap().clone());
                (y, grads)
            };
            let (y1, g1) = run(linear_fused);
            let (y2, g2) = run(linear_composite);
            let diff = |a: &Tensor, b: &Tensor| {
                (a - b)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap()
            };
            assert!(diff(&y1, &y2) < 1e-5, "forward, relu {relu}");
            for (k, (a, b)) in g1.iter().zip(&g2).enumerate() {
                assert!(
                    diff(a, b) < 1e-5,
                    "gradient {k}, relu {relu}: {}",
                    diff(a, b)
                );
            }
        }
    }

    #[test]
    fn fused_relu_finite_differences_and_data_input() {
        let mut rng = seeded_rng(2);
        let x = sample(&[6, 4], &mut rng, DType::F64);
        let w = sample(&[5, 4], &mut rng, DType::F64);
        let b = sample(&[5], &mut rng, DType::F64);
        let err = check_gradients(
            |v| linear_fused(&v[0], &v[1], Some(&v[2]), true),
            &[x.clone(), w.clone(), b.clone()],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-6, "{err:e}");
        // Data input: no gradient is produced for it, the others still are.
        let (wv, bv) = (Var::from_tensor(&w).unwrap(), Var::from_tensor(&b).unwrap());
        let y = linear_fused(&x, &wv, Some(&bv), true).unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        assert!(g.get(&x).is_none());
        assert!(g.get(&wv).is_some() && g.get(&bv).is_some());
    }

    #[test]
    fn fused_refuses_bad_shapes() {
        let dev = &candle_core::Device::Cpu;
        let x = Tensor::zeros((3, 4), DType::F32, dev).unwrap();
        let w = Tensor::zeros((2, 5), DType::F32, dev).unwrap();
        let b = Tensor::zeros(2, DType::F32, dev).unwrap();
        assert!(linear_fused(&x, &w, Some(&b), false).is_err());
        let w = Tensor::zeros((2, 4), DType::F32, dev).unwrap();
        let b3 = Tensor::zeros(3, DType::F32, dev).unwrap();
        assert!(linear_fused(&x, &w, Some(&b3), false).is_err());
    }

    #[test]
    fn zero_sizes_are_refused() {
        let mut p = Params::new();
        assert!(Linear::new(&mut p, "l", 0, 3, &mut seeded_rng(0), DType::F32).is_err());
    }
}
