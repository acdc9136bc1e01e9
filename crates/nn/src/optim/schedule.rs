//! Learning-rate schedules: linear warm-up followed by constant, step or cosine decay.
//!
//! With base rate $\eta_0$ and epoch (or step) $t = 0, 1, \dots$:
//!
//! - warm-up over $w$ steps from factor $s$: $\eta_t = \eta_0 \left(s + (1 - s)\,t/w\right)$ for
//!   $t < w$ (PyTorch's `LinearLR`); the decay below then runs on $t - w$
//!   (`SequentialLR` with milestone $w$);
//! - step: $\eta_t = \eta_0 \gamma^{\lfloor t / k \rfloor}$ (`StepLR`);
//! - cosine: $\eta_t = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})(1 + \cos(\pi t / T))$
//!   (`CosineAnnealingLR`'s closed form; past $T$ it rises again, as PyTorch's does).
//!
//! Cost: $O(1)$ per query. Reference: I. Loshchilov, F. Hutter, *SGDR: Stochastic Gradient
//! Descent with Warm Restarts*, ICLR 2017; P. Goyal et al., *Accurate, Large Minibatch SGD*, 2017.
//!
//! ```
//! use breadth_nn::optim::schedule::{Decay, Schedule, Warmup};
//! let s = Schedule { warmup: Some(Warmup { steps: 4, start_factor: 0.1 }),
//!                    decay: Decay::Cosine { t_max: 16, eta_min: 0.0 } };
//! assert!((s.lr(0.1, 0) - 0.01).abs() < 1e-12);
//! assert!((s.lr(0.1, 4) - 0.1).abs() < 1e-12);
//! assert!(s.lr(0.1, 19) < s.lr(0.1, 5));
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Linear warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Warmup {
    /// Number of warm-up steps $w$ (at least 1).
    pub steps: usize,
    /// Factor $s$ of the base rate at step 0, in $(0, 1]$.
    pub start_factor: f64,
}

/// What follows the warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Decay {
    /// The base rate throughout.
    Constant,
    /// Multiply by `gamma` every `step_size` steps.
    Step {
        /// Steps between decays (at least 1).
        step_size: usize,
        /// Factor per decay.
        gamma: f64,
    },
    /// Cosine annealing to `eta_min` over `t_max` steps.
    Cosine {
        /// Half period $T$ (at least 1).
        t_max: usize,
        /// The lowest rate.
        eta_min: f64,
    },
}

/// A learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Optional warm-up before the decay.
    pub warmup: Option<Warmup>,
    /// The decay.
    pub decay: Decay,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            warmup: None,
            decay: Decay::Constant,
        }
    }
}

impl Schedule {
    /// Check the settings.
    pub fn validate(&self) -> breadth_core::Result<()> {
        use breadth_core::Error;
        if let Some(w) = self.warmup {
            if w.steps == 0 || !(w.start_factor > 0.0 && w.start_factor <= 1.0) {
                return Err(Error::param(
                    "warmup",
                    format!("needs at least one step and a start factor in (0, 1], got {w:?}"),
                ));
            }
        }
        match self.decay {
            Decay::Step { step_size: 0, .. } => {
                Err(Error::param("schedule", "step size must be at least 1"))
            }
            Decay::Step { gamma, .. } if !(gamma > 0.0 && gamma.is_finite()) => Err(Error::param(
                "schedule",
                format!("step gamma must be > 0, got {gamma}"),
            )),
            Decay::Cosine { t_max: 0, .. } => {
                Err(Error::param("schedule", "cosine t_max must be at least 1"))
            }
            Decay::Cosine { eta_min, .. } if eta_min.is_nan() || eta_min < 0.0 => {
                Err(Error::param(
                    "schedule",
                    format!("cosine eta_min must be >= 0, got {eta_min}"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The rate at step `t` for base rate `base`.
    pub fn lr(&self, base: f64, t: usize) -> f64 {
        let mut t = t;
        if let Some(w) = self.warmup {
            if t < w.steps {
                return base
                    * (w.start_factor + (1.0 - w.start_factor) * t as f64 / w.steps as f64);
            }
            t -= w.steps;
        }
        match self.decay {
            Decay::Constant => base,
            Decay::Step { step_size, gamma } => base * gamma.powi((t / step_size) as i32),
            Decay::Cosine { t_max, eta_min } => {
                let c = (std::f64::consts::PI * t as f64 / t_max as f64).cos();
                eta_min + 0.5 * (base - eta_min) * (1.0 + c)
            }
        }
    }
}

impl FromStr for Decay {
    type Err = String;
    /// `constant`, `step:K:GAMMA` or `cosine:T[:ETA_MIN]`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let bad = || format!("expected constant, step:K:GAMMA or cosine:T[:ETA_MIN], got `{s}`");
        match parts.as_slice() {
            ["constant"] => Ok(Decay::Constant),
            ["step", k, g] => Ok(Decay::Step {
                step_size: k.parse().map_err(|_| bad())?,
                gamma: g.parse().map_err(|_| bad())?,
            }),
            ["cosine", t, rest @ ..] if rest.len() <= 1 => Ok(Decay::Cosine {
                t_max: t.parse().map_err(|_| bad())?,
                eta_min: rest
                    .first()
                    .map_or(Ok(0.0), |e| e.parse())
                    .map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Decay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decay::Constant => f.write_str("constant"),
            Decay::Step { step_size, gamma } => write!(f, "step:{step_size}:{gamma}"),
            Decay::Cosine { t_max, eta_min } => write!(f, "cosine:{t_max}:{eta_min}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    fn lrs(v: &serde_json::Value) -> Vec<f64> {
        v["lrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    }

    /// The first 20 rates of torch 2.15.0's `StepLR`, `CosineAnnealingLR` and
    /// `SequentialLR(LinearLR, CosineAnnealingLR)` (`reference/nn.py`), 1e-12.
    #[test]
    fn match_pytorch_schedulers() {
        let fx = fixture("schedules");
        let base = fx["base_lr"].as_f64().unwrap();
        let u = |v: &serde_json::Value| v.as_u64().unwrap() as usize;
        let f = |v: &serde_json::Value| v.as_f64().unwrap();
        let cases = [
            (
                "step",
                Schedule {
                    warmup: None,
                    decay: Decay::Step {
                        step_size: u(&fx["step"]["step_size"]),
                        gamma: f(&fx["step"]["gamma"]),
                    },
                },
            ),
            (
                "cosine",
                Schedule {
                    warmup: None,
                    decay: Decay::Cosine {
                        t_max: u(&fx["cosine"]["t_max"]),
                        eta_min: f(&fx["cosine"]["eta_min"]),
                    },
                },
            ),
            (
                "warmup_cosine",
                Schedule {
                    warmup: Some(Warmup {
                        steps: u(&fx["warmup_cosine"]["warmup"]),
                        start_factor: f(&fx["warmup_cosine"]["start_factor"]),
                    }),
                    decay: Decay::Cosine {
                        t_max: u(&fx["warmup_cosine"]["t_max"]),
                        eta_min: 0.0,
                    },
                },
            ),
        ];
        for (name, s) in cases {
            s.validate().unwrap();
            for (t, want) in lrs(&fx[name]).into_iter().enumerate() {
                let got = s.lr(base, t);
                assert!((got - want).abs() < 1e-12, "{name} at {t}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn parse_and_validate() {
        assert_eq!(
            "step:3:0.5".parse::<Decay>().unwrap(),
            Decay::Step {
                step_size: 3,
                gamma: 0.5
            }
        );
        assert_eq!(
            "cosine:10".parse::<Decay>().unwrap(),
            Decay::Cosine {
                t_max: 10,
                eta_min: 0.0
            }
        );
        assert!("cosine".parse::<Decay>().is_err());
        let d = Decay::Cosine {
            t_max: 5,
            eta_min: 0.01,
        };
        assert_eq!(d.to_string().parse::<Decay>().unwrap(), d);
        let bad = Schedule {
            warmup: None,
            decay: Decay::Step {
                step_size: 0,
                gamma: 0.5,
            },
        };
        assert!(bad.validate().is_err());
    }
}
