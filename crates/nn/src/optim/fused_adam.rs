//! Adam and AdamW as one in-place pass per parameter tensor on the CPU.
//!
//! For a parameter $\theta$ with gradient $g$, moments $m, v$, rate $\eta$, decay $\lambda$ and
//! step $t$, every element is updated once, reading $g$ and rewriting $\theta, m, v$ in place:
//! $g' = g + \lambda\theta$ (Adam's L2 term; AdamW instead scales $\theta \leftarrow
//! (1 - \eta\lambda)\theta$), $m \leftarrow \beta_1 m + (1-\beta_1) g'$,
//! $v \leftarrow \beta_2 v + (1-\beta_2) g'^2$,
//! $\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\,\frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}$
//! (`torch.optim.Adam`'s order of operations), in the parameters' precision. The tensors are
//! split into fixed chunks updated in parallel (the CPU pool of [`crate::matmul`]); elements are independent, so the result
//! does not depend on the number of threads. No temporary tensor is allocated: the composite
//! update in [`super::Optimizer`] (about ten element-wise tensor operations, each allocating its
//! result) stays as the test oracle and as the path for AMSGrad and for tensors off the CPU.
//!
//! Mutable access to three tensors at once goes through candle's in-place custom operations,
//! nested: each grants the write lock of one storage (distinct storages, so no deadlock).
//!
//! Cost: $O(P)$ for $P$ values, one read of $g$ and one read and write of $\theta, m, v$.
//! Reference: D. Kingma, J. Ba, *Adam*, ICLR 2015; I. Loshchilov, F. Hutter, *Decoupled Weight
//! Decay Regularization*, ICLR 2019.
//!
//! ```
//! use breadth_nn::optim::{Optimizer, OptimizerKind};
//! use candle_core::{Device, Var};
//! // On the CPU in f32 Adam takes the fused path; one step moves w by about the rate.
//! let w = Var::new(&[1.0f32, -1.0], &Device::Cpu).unwrap();
//! let mut opt = Optimizer::new(OptimizerKind::adam(), 0.1, vec![w.clone()]).unwrap();
//! let loss = w.as_tensor().sqr().unwrap().sum_all().unwrap();
//! opt.step(&loss.backward().unwrap()).unwrap();
//! let got = w.to_vec1::<f32>().unwrap();
//! assert!((got[0] - 0.9).abs() < 1e-6 && (got[1] + 0.9).abs() < 1e-6);
//! ```

use std::cell::Cell;

use candle_core::{CpuStorage, DType, InplaceOp1, Layout, Result, Tensor, WithDType};

use crate::matmul::{by_dtype, par_chunks_mut, with_values, Disjoint};

/// The hyper-parameters of one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamStep {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    /// AdamW's decoupled decay instead of the L2 term.
    pub decoupled: bool,
    /// The step number $t \ge 1$.
    pub step: u64,
}

/// Values per parallel task: large enough that a task outweighs its scheduling.
const CHUNK: usize = 1 << 14;

/// Whether the fused update applies to a parameter (CPU, f32 or f64, contiguous).
pub(crate) fn supports(p: &Tensor) -> bool {
    p.device().is_cpu() && matches!(p.dtype(), DType::F32 | DType::F64) && p.is_contiguous()
}

/// Float element types whose CPU storage can be borrowed mutably.
trait Elem: WithDType {
    fn values_mut(s: &mut CpuStorage) -> Option<&mut [Self]>;
    fn sqrt(self) -> Self;
}

impl Elem for f32 {
    fn values_mut(s: &mut CpuStorage) -> Option<&mut [f32]> {
        match s {
            CpuStorage::F32(v) => Some(v),
            _ => None,
        }
    }
    fn sqrt(self) -> f32 {
        f32::sqrt(self)
    }
}

impl Elem for f64 {
    fn values_mut(s: &mut CpuStorage) -> Option<&mut [f64]> {
        match s {
            CpuStorage::F64(v) => Some(v),
            _ => None,
        }
    }
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
}

/// An in-place operation that hands the storage to a closure, once.
struct Mutate<F>(Cell<Option<F>>);

impl<F: FnOnce(&mut CpuStorage, &Layout) -> Result<()>> InplaceOp1 for Mutate<F> {
    fn name(&self) -> &'static str {
        "fused-adam"
    }

    fn cpu_fwd(&self, s: &mut CpuStorage, l: &Layout) -> Result<()> {
        match self.0.take() {
            Some(f) => f(s, l),
            None => candle_core::bail!("fused-adam: the update ran twice"),
        }
    }
}

/// Run `f` on the values of the contiguous CPU tensor `t`, mutably.
fn with_values_mut<T: Elem>(t: &Tensor, f: impl FnOnce(&mut [T]) -> Result<()>) -> Result<()> {
    t.inplace_op1(&Mutate(Cell::new(Some(
        |s: &mut CpuStorage, l: &Layout| match (l.contiguous_offsets(), T::values_mut(s)) {
            (Some((a, b)), Some(v)) => f(&mut v[a..b]),
            _ => candle_core::bail!("fused-adam: needs contiguous tensors of one dtype"),
        },
    ))))
}

/// One update of `p` from gradient `g` with moments `m`, `v` (all of `p`'s shape and dtype,
/// contiguous, on the CPU), in place.
pub(crate) fn adam_step(
    p: &Tensor,
    g: &Tensor,
    m: &Tensor,
    v: &Tensor,
    h: &AdamStep,
) -> Result<()> {
    fn run<T: Elem>(p: &Tensor, g: &Tensor, m: &Tensor, v: &Tensor, h: &AdamStep) -> Result<()> {
        with_values::<T, _>(g, "fused-adam gradient", |gs| {
            with_values_mut::<T>(m, |ms| {
                with_values_mut::<T>(v, |vs| {
                    with_values_mut::<T>(p, |ps| {
                        if gs.len() != ps.len() || ms.len() != ps.len() || vs.len() != ps.len() {
                            candle_core::bail!("fused-adam: tensors of different sizes");
                        }
                        update(ps, gs, ms, vs, h);
                        Ok(())
                    })
                })
            })
        })
    }
    if g.dtype() != p.dtype() || m.dtype() != p.dtype() || v.dtype() != p.dtype() {
        candle_core::bail!("fused-adam: parameter, gradient and moments differ in dtype");
    }
    let g = g.contiguous()?;
    by_dtype!("fused-adam", p.dtype(), run(p, &g, m, v, h))
}

/// The element-wise update over slices of equal length, in the parameters' own precision
/// (as `torch.optim.Adam`; f32 arithmetic vectorises twice as wide as f64).
fn update<T: Elem>(p: &mut [T], g: &[T], m: &mut [T], v: &mut [T], h: &AdamStep) {
    let t = h.step as i32;
    let step_size = h.lr / (1.0 - h.beta1.powi(t));
    let inv_bc2_sqrt = 1.0 / (1.0 - h.beta2.powi(t)).sqrt();
    let (l2, shrink) = if h.decoupled {
        (0.0, 1.0 - h.lr * h.weight_decay)
    } else {
        (h.weight_decay, 1.0)
    };
    let c = |x: f64| T::from_f64(x);
    let (b1, b2, one_b1, one_b2) = (c(h.beta1), c(h.beta2), c(1.0 - h.beta1), c(1.0 - h.beta2));
    let (l2, shrink, step_size, inv_bc2_sqrt, eps) =
        (c(l2), c(shrink), c(step_size), c(inv_bc2_sqrt), c(h.eps));
    let (m, v) = (Disjoint::new(m), Disjoint::new(v));
    par_chunks_mut(p, CHUNK, |i, pc| {
        let r = i * CHUNK..i * CHUNK + pc.len();
        // SAFETY: task i alone touches range r of the moments, as it alone holds chunk i of p.
        let (mc, vc) = unsafe { (m.range(r.clone()), v.range(r.clone())) };
        let gc = &g[r];
        for (((pi, mi), vi), &gi) in pc.iter_mut().zip(mc).zip(vc).zip(gc) {
            let theta = *pi;
            let grad = gi + l2 * theta;
            *mi = b1 * *mi + one_b1 * grad;
            *vi = b2 * *vi + one_b2 * grad * grad;
            *pi = theta * shrink - step_size * *mi / (vi.sqrt() * inv_bc2_sqrt + eps);
        }
    });
}
