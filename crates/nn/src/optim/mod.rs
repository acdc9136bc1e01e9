//! Optimizers on candle variables: SGD (with momentum, dampening, Nesterov), RMSprop (optionally
//! centred, with momentum), Adam (optionally AMSGrad) and AdamW, following `torch.optim`'s update
//! rules exactly, plus learning-rate [`schedule`]s.
//!
//! For a parameter $\theta$ with gradient $g$, rate $\eta$, weight decay $\lambda$, step $t \ge 1$:
//!
//! - **SGD**: $g \leftarrow g + \lambda\theta$; with momentum $\mu$ and dampening $\tau$,
//!   $b_1 = g$, $b_t = \mu b_{t-1} + (1-\tau) g$, and $g \leftarrow g + \mu b_t$ (Nesterov) or
//!   $g \leftarrow b_t$; then $\theta \leftarrow \theta - \eta g$.
//! - **RMSprop**: $g \leftarrow g + \lambda\theta$, $v_t = \alpha v_{t-1} + (1-\alpha) g^2$;
//!   centred: $\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g$ and
//!   $d = \sqrt{v_t - \bar g_t^2} + \epsilon$, else $d = \sqrt{v_t} + \epsilon$; with momentum
//!   $b_t = \mu b_{t-1} + g/d$, $\theta \leftarrow \theta - \eta b_t$, else
//!   $\theta \leftarrow \theta - \eta g/d$.
//! - **Adam**: $g \leftarrow g + \lambda\theta$ (L2 penalty through the gradient),
//!   $m_t = \beta_1 m_{t-1} + (1-\beta_1) g$, $v_t = \beta_2 v_{t-1} + (1-\beta_2) g^2$
//!   (AMSGrad: $\hat v_t = \max(\hat v_{t-1}, v_t)$ replaces $v_t$ below),
//!   $\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t} \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}$.
//! - **AdamW**: Adam without the L2 term, and instead decoupled decay
//!   $\theta \leftarrow \theta (1 - \eta\lambda)$ before the update.
//!
//! State lives per variable (moment estimates and the step count); [`Optimizer::state`] exports
//! it as named tensors for checkpoints, and [`Optimizer::load_state`] restores it bit for bit.
//! Variables without a gradient in a step are skipped, as PyTorch does.
//!
//! Adam and AdamW (without AMSGrad) on CPU f32/f64 parameters run as one in-place pass per tensor
//! (`optim/fused_adam.rs`); the composite tensor-operation update below is its test oracle and the path
//! everywhere else.
//!
//! Cost: $O(P)$ per step for $P$ parameter values, a few element-wise tensor operations each.
//! References: B. Polyak (1964); Y. Nesterov (1983); T. Tieleman, G. Hinton, Coursera lecture 6.5
//! (2012); D. Kingma, J. Ba, *Adam*, ICLR 2015; S. Reddi et al., *On the Convergence of Adam and
//! Beyond*, ICLR 2018; I. Loshchilov, F. Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019.
//!
//! ```
//! use breadth_nn::optim::{Optimizer, OptimizerKind};
//! use candle_core::{Device, Var};
//! // Minimise (w - 3)^2 with Adam.
//! let w = Var::new(&[0.0f64], &Device::Cpu).unwrap();
//! let mut opt = Optimizer::new(OptimizerKind::adam(), 0.1, vec![w.clone()]).unwrap();
//! for _ in 0..500 {
//!     let loss = (w.as_tensor() - 3.0).unwrap().sqr().unwrap().sum_all().unwrap();
//!     opt.step(&loss.backward().unwrap()).unwrap();
//! }
//! assert!((w.to_vec1::<f64>().unwrap()[0] - 3.0).abs() < 1e-3);
//! ```

mod fused_adam;
pub mod schedule;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use breadth_core::{Error, Result};
use candle_core::{backprop::GradStore, DType, Tensor, Var};
use serde::{Deserialize, Serialize};

/// Which update rule, with its hyper-parameters (PyTorch's names and defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum OptimizerKind {
    /// Stochastic gradient descent, optionally with (Nesterov) momentum.
    Sgd {
        /// Momentum $\mu$ (0: none).
        momentum: f64,
        /// Dampening $\tau$ of the momentum buffer.
        dampening: f64,
        /// Nesterov momentum (needs $\mu > 0$ and $\tau = 0$).
        nesterov: bool,
        /// L2 penalty $\lambda$ added to the gradient.
        weight_decay: f64,
    },
    /// RMSprop.
    RmsProp {
        /// Smoothing $\alpha$ of the squared-gradient average.
        alpha: f64,
        /// $\epsilon$ added to the denominator.
        eps: f64,
        /// Momentum $\mu$ (0: none).
        momentum: f64,
        /// Normalise by the variance estimate instead of the second moment.
        centered: bool,
        /// L2 penalty $\lambda$ added to the gradient.
        weight_decay: f64,
    },
    /// Adam with L2 penalty through the gradient.
    Adam {
        /// $\beta_1$.
        beta1: f64,
        /// $\beta_2$.
        beta2: f64,
        /// $\epsilon$.
        eps: f64,
        /// L2 penalty $\lambda$.
        weight_decay: f64,
        /// Use the running maximum of the second moment (AMSGrad).
        amsgrad: bool,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        /// $\beta_1$.
        beta1: f64,
        /// $\beta_2$.
        beta2: f64,
        /// $\epsilon$.
        eps: f64,
        /// Decoupled decay $\lambda$.
        weight_decay: f64,
        /// Use the running maximum of the second moment (AMSGrad).
        amsgrad: bool,
    },
}

impl OptimizerKind {
    /// Plain SGD.
    pub fn sgd() -> Self {
        OptimizerKind::Sgd {
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
    /// SGD with heavy-ball momentum $\mu$.
    pub fn momentum(mu: f64) -> Self {
        OptimizerKind::Sgd {
            momentum: mu,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
    /// SGD with Nesterov momentum $\mu$.
    pub fn nesterov(mu: f64) -> Self {
        OptimizerKind::Sgd {
            momentum: mu,
            dampening: 0.0,
            nesterov: true,
            weight_decay: 0.0,
        }
    }
    /// RMSprop with PyTorch's defaults ($\alpha = 0.99$, $\epsilon = 10^{-8}$).
    pub fn rmsprop() -> Self {
        OptimizerKind::RmsProp {
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.0,
            centered: false,
            weight_decay: 0.0,
        }
    }
    /// Adam with PyTorch's defaults ($\beta = (0.9, 0.999)$, $\epsilon = 10^{-8}$).
    pub fn adam() -> Self {
        OptimizerKind::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
    /// AdamW with decoupled decay $\lambda$ and PyTorch's other defaults.
    pub fn adamw(weight_decay: f64) -> Self {
        OptimizerKind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay,
            amsgrad: false,
        }
    }

    /// The same rule with weight decay $\lambda$ (L2 for SGD, RMSprop and Adam; decoupled for AdamW).
    pub fn with_weight_decay(mut self, lambda: f64) -> Self {
        match &mut self {
            OptimizerKind::Sgd { weight_decay, .. }
            | OptimizerKind::RmsProp { weight_decay, .. }
            | OptimizerKind::Adam { weight_decay, .. }
            | OptimizerKind::AdamW { weight_decay, .. } => *weight_decay = lambda,
        }
        self
    }

    fn validate(&self) -> Result<()> {
        use breadth_core::validate::{in_range, non_negative, positive};
        match *self {
            OptimizerKind::Sgd {
                momentum,
                dampening,
                nesterov,
                weight_decay,
            } => {
                non_negative("momentum", momentum)?;
                in_range("dampening", dampening, 0.0, 1.0)?;
                non_negative("weight_decay", weight_decay)?;
                if nesterov && (momentum <= 0.0 || dampening != 0.0) {
                    return Err(Error::param(
                        "nesterov",
                        "needs momentum > 0 and dampening 0",
                    ));
                }
            }
            OptimizerKind::RmsProp {
                alpha,
                eps,
                momentum,
                weight_decay,
                ..
            } => {
                in_range("alpha", alpha, 0.0, 1.0)?;
                positive("eps", eps)?;
                non_negative("momentum", momentum)?;
                non_negative("weight_decay", weight_decay)?;
            }
            OptimizerKind::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            }
            | OptimizerKind::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                for (n, b) in [("beta1", beta1), ("beta2", beta2)] {
                    if !(0.0..1.0).contains(&b) {
                        return Err(Error::param(n, format!("must lie in [0, 1), got {b}")));
                    }
                }
                positive("eps", eps)?;
                non_negative("weight_decay", weight_decay)?;
            }
        }
        Ok(())
    }
}

impl FromStr for OptimizerKind {
    type Err = String;
    /// `sgd`, `momentum[:MU]`, `nesterov[:MU]`, `rmsprop`, `adam`, `adamw[:LAMBDA]`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (name, arg) = s.split_once(':').map_or((s, None), |(a, b)| (a, Some(b)));
        let num = |default: f64| -> std::result::Result<f64, String> {
            arg.map_or(Ok(default), |a| {
                a.parse()
                    .map_err(|_| format!("cannot parse `{a}` in `{s}`"))
            })
        };
        Ok(match name {
            "sgd" => Self::sgd(),
            "momentum" => Self::momentum(num(0.9)?),
            "nesterov" => Self::nesterov(num(0.9)?),
            "rmsprop" => Self::rmsprop(),
            "adam" => Self::adam(),
            "adamw" => Self::adamw(num(0.01)?),
            _ => {
                return Err(
                    "expected sgd, momentum[:MU], nesterov[:MU], rmsprop, adam or adamw[:LAMBDA]"
                        .into(),
                )
            }
        })
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptimizerKind::Sgd {
                momentum,
                nesterov: true,
                ..
            } => write!(f, "nesterov:{momentum}"),
            OptimizerKind::Sgd { momentum, .. } if momentum > 0.0 => {
                write!(f, "momentum:{momentum}")
            }
            OptimizerKind::Sgd { .. } => f.write_str("sgd"),
            OptimizerKind::RmsProp { .. } => f.write_str("rmsprop"),
            OptimizerKind::Adam { .. } => f.write_str("adam"),
            OptimizerKind::AdamW { weight_decay, .. } => write!(f, "adamw:{weight_decay}"),
        }
    }
}

/// The state kept for one variable.
#[derive(Debug, Clone, Default)]
struct VarState {
    step: u64,
    slots: BTreeMap<&'static str, Tensor>,
}

/// An optimizer over a fixed list of variables.
#[derive(Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    lr: f64,
    vars: Vec<Var>,
    state: Vec<VarState>,
    /// Take the in-place fused Adam path where it applies (tests turn it off to compare).
    fused: bool,
}

type CResult<T> = candle_core::Result<T>;

impl Optimizer {
    /// An optimizer of `vars` with rule `kind` and learning rate `lr`.
    pub fn new(kind: OptimizerKind, lr: f64, vars: Vec<Var>) -> Result<Self> {
        kind.validate()?;
        breadth_core::validate::positive("learning_rate", lr)?;
        let state = vec![VarState::default(); vars.len()];
        Ok(Optimizer {
            kind,
            lr,
            vars,
            state,
            fused: true,
        })
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Change the learning rate (schedules call this once per epoch).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// The variables being optimized.
    pub fn vars(&self) -> &[Var] {
        &self.vars
    }

    /// One update of every variable that has a gradient in `grads`.
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        for i in 0..self.vars.len() {
            let Some(g) = grads.get(self.vars[i].as_tensor()) else {
                continue;
            };
            let g = g.clone();
            self.update(i, g)
                .map_err(crate::tensor_err("optimizer step"))?;
        }
        Ok(())
    }

    fn update(&mut self, i: usize, g: Tensor) -> CResult<()> {
        let lr = self.lr;
        let var = &self.vars[i];
        let p = var.as_tensor().detach();
        let fused = self.fused_adam(&p, self.state[i].step + 1);
        let st = &mut self.state[i];
        st.step += 1;
        let (shape, dtype, device) = (p.shape().clone(), p.dtype(), p.device().clone());
        let zeros = || Tensor::zeros(&shape, dtype, &device);
        if let Some(h) = fused {
            let mut moment = |slot: &'static str| -> CResult<Tensor> {
                let t = match st.slots.remove(slot) {
                    Some(t) if t.is_contiguous() && t.dtype() == dtype => t,
                    Some(t) => t.to_dtype(dtype)?.copy()?,
                    None => zeros()?,
                };
                st.slots.insert(slot, t.clone());
                Ok(t)
            };
            let (m, v) = (moment("exp_avg")?, moment("exp_avg_sq")?);
            return fused_adam::adam_step(var.as_tensor(), &g, &m, &v, &h);
        }
        let new_p = match self.kind {
            OptimizerKind::Sgd {
                momentum,
                dampening,
                nesterov,
                weight_decay,
            } => {
                let mut g = if weight_decay != 0.0 {
                    (g + p.affine(weight_decay, 0.0)?)?
                } else {
                    g
                };
                if momentum != 0.0 {
                    let buf = match st.slots.get("momentum_buffer") {
                        None => g.clone(),
                        Some(b) => (b.affine(momentum, 0.0)? + g.affine(1.0 - dampening, 0.0)?)?,
                    };
                    g = if nesterov {
                        (g + buf.affine(momentum, 0.0)?)?
                    } else {
                        buf.clone()
                    };
                    st.slots.insert("momentum_buffer", buf);
                }
                (p - g.affine(lr, 0.0)?)?
            }
            OptimizerKind::RmsProp {
                alpha,
                eps,
                momentum,
                centered,
                weight_decay,
            } => {
                let g = if weight_decay != 0.0 {
                    (g + p.affine(weight_decay, 0.0)?)?
                } else {
                    g
                };
                let sq = st.slots.get("square_avg").cloned().map_or_else(zeros, Ok)?;
                let sq = (sq.affine(alpha, 0.0)? + g.sqr()?.affine(1.0 - alpha, 0.0)?)?;
                let avg = if centered {
                    let ga = st.slots.get("grad_avg").cloned().map_or_else(zeros, Ok)?;
                    let ga = (ga.affine(alpha, 0.0)? + g.affine(1.0 - alpha, 0.0)?)?;
                    let avg = (&sq - ga.sqr()?)?.sqrt()?.affine(1.0, eps)?;
                    st.slots.insert("grad_avg", ga);
                    avg
                } else {
                    sq.sqrt()?.affine(1.0, eps)?
                };
                st.slots.insert("square_avg", sq);
                if momentum > 0.0 {
                    let buf = st
                        .slots
                        .get("momentum_buffer")
                        .cloned()
                        .map_or_else(zeros, Ok)?;
                    let buf = (buf.affine(momentum, 0.0)? + (&g / &avg)?)?;
                    let out = (p - buf.affine(lr, 0.0)?)?;
                    st.slots.insert("momentum_buffer", buf);
                    out
                } else {
                    (p - (g / avg)?.affine(lr, 0.0)?)?
                }
            }
            OptimizerKind::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                amsgrad,
            }
            | OptimizerKind::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                amsgrad,
            } => {
                let decoupled = matches!(self.kind, OptimizerKind::AdamW { .. });
                let (p, g) = if weight_decay == 0.0 {
                    (p, g)
                } else if decoupled {
                    (p.affine(1.0 - lr * weight_decay, 0.0)?, g)
                } else {
                    let g = (g + p.affine(weight_decay, 0.0)?)?;
                    (p, g)
                };
                let m = st.slots.get("exp_avg").cloned().map_or_else(zeros, Ok)?;
                let v = st.slots.get("exp_avg_sq").cloned().map_or_else(zeros, Ok)?;
                let m = (m.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?;
                let v = (v.affine(beta2, 0.0)? + g.sqr()?.affine(1.0 - beta2, 0.0)?)?;
                let t = st.step as i32;
                let bc1 = 1.0 - beta1.powi(t);
                let bc2_sqrt = (1.0 - beta2.powi(t)).sqrt();
                let second = if amsgrad {
                    let vmax = match st.slots.get("max_exp_avg_sq") {
                        Some(prev) => prev.maximum(&v)?,
                        None => v.clone(),
                    };
                    st.slots.insert("max_exp_avg_sq", vmax.clone());
                    vmax
                } else {
                    v.clone()
                };
                let denom = second.sqrt()?.affine(1.0 / bc2_sqrt, eps)?;
                let out = (p - (&m / denom)?.affine(lr / bc1, 0.0)?)?;
                st.slots.insert("exp_avg", m);
                st.slots.insert("exp_avg_sq", v);
                out
            }
        };
        var.set(&new_p)
    }

    /// The settings of a fused in-place Adam/AdamW step for parameter `p` at step `step`, when
    /// that path applies (CPU, f32/f64, contiguous, no AMSGrad).
    fn fused_adam(&self, p: &Tensor, step: u64) -> Option<fused_adam::AdamStep> {
        match self.kind {
            OptimizerKind::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                amsgrad: false,
            }
            | OptimizerKind::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
                amsgrad: false,
            } if self.fused && fused_adam::supports(p) => Some(fused_adam::AdamStep {
                lr: self.lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled: matches!(self.kind, OptimizerKind::AdamW { .. }),
                step,
            }),
            _ => None,
        }
    }

    /// The optimizer state as named tensors (`{prefix}{i}.{slot}` and `{prefix}{i}.step`), for
    /// checkpoints.
    pub fn state(&self, prefix: &str) -> Result<Vec<(String, Tensor)>> {
        let mut out = Vec::new();
        for (i, st) in self.state.iter().enumerate() {
            let step = Tensor::new(&[st.step as i64], &candle_core::Device::Cpu)
                .map_err(crate::tensor_err("optimizer state"))?;
            out.push((format!("{prefix}{i}.step"), step));
            for (slot, t) in &st.slots {
                out.push((
                    format!("{prefix}{i}.{slot}"),
                    t.copy().map_err(crate::tensor_err("optimizer state"))?,
                ));
            }
        }
        Ok(out)
    }

    /// Restore the state written by [`Optimizer::state`] with the same `prefix`.
    pub fn load_state(&mut self, tensors: &HashMap<String, Tensor>, prefix: &str) -> Result<()> {
        const SLOTS: [&str; 6] = [
            "momentum_buffer",
            "square_avg",
            "grad_avg",
            "exp_avg",
            "exp_avg_sq",
            "max_exp_avg_sq",
        ];
        for (i, st) in self.state.iter_mut().enumerate() {
            let step = tensors.get(&format!("{prefix}{i}.step")).ok_or_else(|| {
                Error::param("checkpoint", format!("no optimizer step for variable {i}"))
            })?;
            st.step = step
                .to_dtype(DType::I64)
                .and_then(|s| s.to_vec1::<i64>())
                .map_err(crate::tensor_err("optimizer state"))?[0] as u64;
            st.slots.clear();
            for slot in SLOTS {
                if let Some(t) = tensors.get(&format!("{prefix}{i}.{slot}")) {
                    // A copy: the fused Adam step updates its moments in place.
                    let t = t.copy().map_err(crate::tensor_err("optimizer state"))?;
                    st.slots.insert(slot, t);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture, tensor};
    use candle_core::Device;

    fn kind_of(run: &serde_json::Value) -> OptimizerKind {
        let c = &run["config"];
        let f = |k: &str, d: f64| c[k].as_f64().unwrap_or(d);
        let b = |k: &str| c[k].as_bool().unwrap_or(false);
        let betas = c["betas"]
            .as_array()
            .map(|v| (v[0].as_f64().unwrap(), v[1].as_f64().unwrap()));
        let (beta1, beta2) = betas.unwrap_or((0.9, 0.999));
        match run["optimizer"].as_str().unwrap() {
            "SGD" => OptimizerKind::Sgd {
                momentum: f("momentum", 0.0),
                dampening: f("dampening", 0.0),
                nesterov: b("nesterov"),
                weight_decay: f("weight_decay", 0.0),
            },
            "RMSprop" => OptimizerKind::RmsProp {
                alpha: f("alpha", 0.99),
                eps: f("eps", 1e-8),
                momentum: f("momentum", 0.0),
                centered: b("centered"),
                weight_decay: f("weight_decay", 0.0),
            },
            "Adam" => OptimizerKind::Adam {
                beta1,
                beta2,
                eps: f("eps", 1e-8),
                weight_decay: f("weight_decay", 0.0),
                amsgrad: b("amsgrad"),
            },
            "AdamW" => OptimizerKind::AdamW {
                beta1,
                beta2,
                eps: f("eps", 1e-8),
                weight_decay: f("weight_decay", 0.01),
                amsgrad: b("amsgrad"),
            },
            other => panic!("unknown optimizer {other}"),
        }
    }

    /// The first ten steps of every optimizer on the fixed problem of `reference/nn.py`
    /// (torch 2.15.0 `torch.optim`, float64): losses and parameters agree to 1e-6 (in practice
    /// to about 1e-13).
    #[test]
    fn first_ten_steps_match_torch_optim() {
        let fx = fixture("optimizers");
        let a = tensor(&fx["a"], DType::F64);
        let b = tensor(&fx["b"], DType::F64);
        for (name, run) in fx["runs"].as_object().unwrap() {
            let w = Var::from_tensor(&tensor(&fx["w0"], DType::F64)).unwrap();
            let bias = Var::from_tensor(&tensor(&fx["bias0"], DType::F64)).unwrap();
            let lr = run["config"]["lr"].as_f64().unwrap();
            let mut opt = Optimizer::new(kind_of(run), lr, vec![w.clone(), bias.clone()]).unwrap();
            for (k, step) in run["steps"].as_array().unwrap().iter().enumerate() {
                let r = a
                    .matmul(&w.unsqueeze(1).unwrap())
                    .unwrap()
                    .squeeze(1)
                    .unwrap();
                let r = r.broadcast_add(&bias).unwrap().sub(&b).unwrap();
                let loss = (r.sqr().unwrap().mean_all().unwrap()
                    + w.powf(4.0)
                        .unwrap()
                        .sum_all()
                        .unwrap()
                        .affine(0.1, 0.0)
                        .unwrap())
                .unwrap();
                let l = loss.to_scalar::<f64>().unwrap();
                let want_loss = step["loss"].as_f64().unwrap();
                assert!(
                    (l - want_loss).abs() < 1e-6,
                    "{name} step {k}: loss {l} vs {want_loss}"
                );
                opt.step(&loss.backward().unwrap()).unwrap();
                let got = w.to_vec1::<f64>().unwrap();
                for (j, want) in step["w"].as_array().unwrap().iter().enumerate() {
                    let want = want.as_f64().unwrap();
                    assert!(
                        (got[j] - want).abs() < 1e-6,
                        "{name} step {k} w[{j}]: {} vs {want}",
                        got[j]
                    );
                }
                let gb = bias.to_vec1::<f64>().unwrap()[0];
                let wb = step["bias"][0].as_f64().unwrap();
                assert!((gb - wb).abs() < 1e-6, "{name} step {k} bias: {gb} vs {wb}");
            }
        }
    }

    /// The fused in-place Adam/AdamW against the composite update on seeded random f32 tensors
    /// larger than one parallel chunk: parameters and moments agree to 1e-6 relative to their
    /// scale over five steps (the composite rounds to f32 after each of its ten operations, the
    /// fused pass once, hence a few f32 ulps).
    #[test]
    fn fused_adam_matches_composite() {
        let dev = &Device::Cpu;
        let kinds = [
            OptimizerKind::adam(),
            OptimizerKind::adam().with_weight_decay(0.1),
            OptimizerKind::adamw(0.05),
        ];
        for kind in kinds {
            let w0 = Tensor::randn(0f32, 1.0, (3, 7000), dev).unwrap();
            let target = Tensor::randn(0f32, 1.0, (3, 7000), dev).unwrap();
            let run = |fused: bool| {
                let w = Var::from_tensor(&w0.copy().unwrap()).unwrap();
                let mut opt = Optimizer::new(kind, 0.01, vec![w.clone()]).unwrap();
                opt.fused = fused;
                for _ in 0..5 {
                    let loss = (w.as_tensor() - &target)
                        .unwrap()
                        .sqr()
                        .unwrap()
                        .sum_all()
                        .unwrap();
                    opt.step(&loss.backward().unwrap()).unwrap();
                }
                let m = opt.state[0].slots["exp_avg"].clone();
                (w.as_tensor().clone(), m)
            };
            let ((wf, mf), (wc, mc)) = (run(true), run(false));
            for (a, b, what) in [(&wf, &wc, "parameters"), (&mf, &mc, "first moment")] {
                let scale = b
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                let d = (a - b)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(d < 1e-6 * scale.max(1.0), "{kind}: {what} differ by {d}");
            }
        }
    }

    #[test]
    fn state_round_trips() {
        let w = Var::new(&[1.0f64, -2.0], &Device::Cpu).unwrap();
        let loss = |w: &Var| w.as_tensor().sqr().unwrap().sum_all().unwrap();
        let mut a = Optimizer::new(OptimizerKind::adam(), 0.1, vec![w.clone()]).unwrap();
        a.step(&loss(&w).backward().unwrap()).unwrap();
        let saved: HashMap<String, Tensor> = a.state("opt.").unwrap().into_iter().collect();
        let w2 = Var::from_tensor(&w.as_tensor().copy().unwrap()).unwrap();
        let mut b = Optimizer::new(OptimizerKind::adam(), 0.1, vec![w2.clone()]).unwrap();
        b.load_state(&saved, "opt.").unwrap();
        a.step(&loss(&w).backward().unwrap()).unwrap();
        b.step(&loss(&w2).backward().unwrap()).unwrap();
        assert_eq!(w.to_vec1::<f64>().unwrap(), w2.to_vec1::<f64>().unwrap());
    }

    #[test]
    fn bad_settings_are_refused() {
        let w = Var::new(&[1.0f64], &Device::Cpu).unwrap();
        let bad = OptimizerKind::Sgd {
            momentum: 0.0,
            dampening: 0.0,
            nesterov: true,
            weight_decay: 0.0,
        };
        assert!(Optimizer::new(bad, 0.1, vec![w.clone()]).is_err());
        assert!(Optimizer::new(OptimizerKind::adam(), -1.0, vec![w.clone()]).is_err());
        assert!("adagrad".parse::<OptimizerKind>().is_err());
        assert_eq!(
            "adamw:0.1".parse::<OptimizerKind>().unwrap(),
            OptimizerKind::adamw(0.1)
        );
    }
}
