//! Truncated backpropagation through time (TBPTT).
//!
//! A sequence of length $T$ is cut into windows of $k$ steps. Window $w$ runs the layer from the
//! final state of window $w - 1$, *detached* from the graph, so its backward pass stops at the
//! window's start: the gradient of a loss at step $t$ reaches $h_s$ only for $s$ in the same
//! window, $\partial L_t / \partial h_s$ is set to 0 for $s <$ window start. Memory is $O(k)$
//! steps instead of $O(T)$ and the parameters are updated after every window; the forward state
//! still flows through the whole sequence, so the network can carry information further than
//! $k$ steps, only it gets no gradient signal for doing so (R. Williams, J. Peng, *An Efficient
//! Gradient-Based Algorithm for On-Line Training of Recurrent Network Trajectories*, 1990;
//! I. Sutskever, *Training Recurrent Neural Networks*, PhD thesis, 2013, §2.8.6).
//! With $k \ge T$ it is full backpropagation through time.
//!
//! Bidirectional layers are refused: their backward direction needs the whole sequence.
//! Variational dropout masks are drawn afresh for every window.
//! Cost: that of [`super::layer`] over the whole sequence, one optimizer step per window.
//!
//! ```
//! use breadth_nn::recurrent::{cell::CellKind, layer::{Recurrent, RecurrentConfig}, tbptt::train_tbptt};
//! use breadth_nn::{layers::Mode, optim::{Optimizer, OptimizerKind}, params::Params};
//! use breadth_core::seeded_rng;
//! use candle_core::{DType, Device, Tensor};
//! let mut params = Params::new();
//! let rnn = Recurrent::new(&mut params, "r", &RecurrentConfig::new(CellKind::Gru, 1, 4),
//!     &mut seeded_rng(0), DType::F32).unwrap();
//! // Learn to output 0.5 at every step of a 40-step sequence, in windows of 10 steps.
//! let x = Tensor::ones((2, 40, 1), DType::F32, &Device::Cpu).unwrap();
//! let mut opt = Optimizer::new(OptimizerKind::adam(), 0.05, params.trainable()).unwrap();
//! let mut losses = vec![];
//! for _ in 0..20 {
//!     losses = train_tbptt(&rnn, &x, 10, &mut opt, None, &mut Mode::Eval,
//!         |out, _start, _mode| (out.output.mean_all()? - 0.5)?.sqr()).unwrap();
//! }
//! assert_eq!(losses.len(), 4);
//! assert!(losses[3] < 1e-2);
//! ```

use breadth_core::{Error, Result};
use candle_core::{DType, Tensor};

use super::cell::State;
use super::layer::{Recurrent, RecurrentOutput};
use crate::clip::Clip;
use crate::layers::Mode;
use crate::optim::Optimizer;

/// Run `rnn` over `x` $(B, T, I)$ in windows of `window` steps, each from the detached final
/// state of the previous one, calling `f(output, start, mode)` on every window (`start` is the
/// window's first time step). Returns the final states (detached).
pub fn for_each_window<F>(
    rnn: &Recurrent,
    x: &Tensor,
    window: usize,
    init: Option<Vec<State>>,
    mode: &mut Mode<'_>,
    mut f: F,
) -> Result<Vec<State>>
where
    F: FnMut(&RecurrentOutput, usize, &mut Mode<'_>) -> Result<()>,
{
    if window == 0 {
        return Err(Error::param("window", "needs at least one time step"));
    }
    if rnn.config().bidirectional {
        return Err(Error::param(
            "bidirectional",
            "truncated BPTT needs a unidirectional layer (the reverse direction sees the future)",
        ));
    }
    let terr = crate::tensor_err("truncated BPTT");
    let t = x.dim(1).map_err(&terr)?;
    let mut state = init;
    for start in (0..t).step_by(window) {
        let len = window.min(t - start);
        let xs = x.narrow(1, start, len).map_err(&terr)?;
        let out = rnn.forward(&xs, state.as_deref(), mode).map_err(&terr)?;
        f(&out, start, mode)?;
        state = Some(
            out.states()
                .map_err(&terr)?
                .iter()
                .map(State::detach)
                .collect(),
        );
    }
    state.ok_or_else(|| Error::param("x", "an empty sequence (T = 0)"))
}

/// One pass of truncated BPTT over `x`: for every window, the loss `loss(output, start, mode)`
/// is back-propagated within the window, the gradients of the optimizer's variables are clipped
/// (when `clip` is given) and the optimizer steps. Returns each window's loss.
pub fn train_tbptt<F>(
    rnn: &Recurrent,
    x: &Tensor,
    window: usize,
    opt: &mut Optimizer,
    clip: Option<Clip>,
    mode: &mut Mode<'_>,
    mut loss: F,
) -> Result<Vec<f64>>
where
    F: FnMut(&RecurrentOutput, usize, &mut Mode<'_>) -> candle_core::Result<Tensor>,
{
    let terr = crate::tensor_err("truncated BPTT");
    let mut losses = Vec::new();
    for_each_window(rnn, x, window, None, mode, |out, start, mode| {
        let l = loss(out, start, mode).map_err(&terr)?;
        let mut grads = l.backward().map_err(&terr)?;
        if let Some(c) = clip {
            c.apply(&mut grads, opt.vars()).map_err(&terr)?;
        }
        opt.step(&grads)?;
        losses.push(
            l.to_dtype(DType::F64)
                .and_then(|v| v.to_scalar::<f64>())
                .map_err(&terr)?,
        );
        Ok(())
    })?;
    Ok(losses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::recurrent::cell::CellKind;
    use crate::recurrent::layer::RecurrentConfig;
    use breadth_core::seeded_rng;
    use candle_core::Var;

    fn setup(kind: CellKind) -> (Params, Recurrent, Tensor) {
        let mut params = Params::new();
        let rnn = Recurrent::new(
            &mut params,
            "r",
            &RecurrentConfig::new(kind, 2, 3),
            &mut seeded_rng(0),
            DType::F64,
        )
        .unwrap();
        let x = crate::init::Init::Normal { std: 1.0 }
            .sample(&[2, 7, 2], &mut seeded_rng(1), DType::F64)
            .unwrap();
        (params, rnn, x)
    }

    /// The state carries across windows: the window outputs, concatenated, are the full run.
    #[test]
    fn windows_continue_the_state() {
        let (_, rnn, x) = setup(CellKind::Lstm);
        let full = rnn.forward(&x, None, &mut Mode::Eval).unwrap();
        let mut parts = vec![];
        let last = for_each_window(&rnn, &x, 3, None, &mut Mode::Eval, |o, _, _| {
            parts.push(o.output.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(parts.len(), 3);
        let joined = Tensor::cat(&parts, 1).unwrap();
        let err = (joined - &full.output)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        assert!(err < 1e-12, "{err}");
        let err = (&last[0].h - full.h_n.get(0).unwrap())
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        assert!(err < 1e-12, "{err}");
    }

    /// A loss on the last window sends gradient to the inputs of that window only; with a
    /// window as long as the sequence (full BPTT) it reaches the first step.
    #[test]
    fn gradients_stop_at_the_window_start() {
        let (_, rnn, x) = setup(CellKind::Gru);
        let xv = Var::from_tensor(&x).unwrap();
        for (window, reaches_start) in [(3, false), (7, true)] {
            let mut grad_norms = vec![];
            for_each_window(
                &rnn,
                xv.as_tensor(),
                window,
                None,
                &mut Mode::Eval,
                |o, start, _| {
                    if start + window >= 7 {
                        let g = o.output.sum_all().unwrap().backward().unwrap();
                        let gx = g
                            .get(xv.as_tensor())
                            .unwrap()
                            .sqr()
                            .unwrap()
                            .sum(2)
                            .unwrap()
                            .sum(0)
                            .unwrap();
                        grad_norms = gx.to_vec1::<f64>().unwrap();
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(
                grad_norms[0] > 0.0,
                reaches_start,
                "window {window}: {grad_norms:?}"
            );
            assert!(grad_norms[6] > 0.0);
        }
    }

    #[test]
    fn bad_settings_are_refused() {
        let (_, rnn, x) = setup(CellKind::Lstm);
        assert!(for_each_window(&rnn, &x, 0, None, &mut Mode::Eval, |_, _, _| Ok(())).is_err());
        let mut p = Params::new();
        let bi = Recurrent::new(
            &mut p,
            "b",
            &RecurrentConfig::new(CellKind::Lstm, 2, 3).bidirectional(true),
            &mut seeded_rng(0),
            DType::F64,
        )
        .unwrap();
        assert!(for_each_window(&bi, &x, 2, None, &mut Mode::Eval, |_, _, _| Ok(())).is_err());
    }
}
