//! Pairwise preference: ratings from a sequence of head-to-head outcomes, the arithmetic behind
//! an LLM arena.
//!
//! An outcome says that player $a$ met player $b$ and scored $o \in \{1, \tfrac12, 0\}$ (win, tie,
//! loss; $b$ scored $1 - o$).
//! - Elo: in order, with expected score $E_a = 1/(1 + B^{(R_b - R_a)/S})$, update
//!   $R_a \mathrel{+}= K (o - E_a)$, $R_b \mathrel{-}= K (o - E_a)$ (defaults $K = 32$, $S = 400$,
//!   $B = 10$, initial rating 1000). Order-dependent by design. $O(\#\text{games})$.
//! - Bradley-Terry: $\Pr(a \text{ beats } b) = \frac{p_a}{p_a + p_b}$; the maximum-likelihood
//!   strengths come from Hunter's minorization-maximization iteration
//!   $p_a \leftarrow W_a / \sum_b \frac{n_{ab}}{p_a + p_b}$ ($W_a$ the points of $a$, $n_{ab}$ the games
//!   between $a$ and $b$, ties counting half a win each way), renormalized to geometric mean 1.
//!   The MLE exists only when every player both gains and loses points against every split of the
//!   players (the "beats" graph is strongly connected, Ford 1957); otherwise this is an error.
//!   Reported as log-strengths $\theta_a = \ln p_a$ (mean 0) and on the Elo scale
//!   $1000 + \frac{400}{\ln 10}\theta_a$. $O(\text{iterations} \times \#\text{pairs})$.
//! - Win rate of a player with a bootstrap confidence interval over its games
//!   ([`crate::stats::bootstrap_ci`]).
//!
//! References: Elo, *The Rating of Chessplayers, Past and Present* (1978); Hunter, "MM algorithms
//! for generalized Bradley-Terry models", Ann. Statist. 32 (2004); Chiang et al., "Chatbot Arena"
//! (2024).
//!
//! ```
//! use breadth_metrics::preference::{elo, EloParams, Outcome};
//! let games = [Outcome::new(0, 1, 1.0)];
//! let r = elo(&games, 2, &EloParams::default()).unwrap();
//! assert_eq!(r.to_vec(), vec![1016.0, 984.0]);
//! ```

use breadth_core::{Error, Result};
use ndarray::{Array1, Array2};

use crate::stats::{bootstrap_ci, BootstrapCi, BootstrapParams};

/// One game: `a` met `b` and scored `score` (1 win, 0.5 tie, 0 loss).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// First player.
    pub a: usize,
    /// Second player.
    pub b: usize,
    /// Points of `a`: 1, 0.5 or 0.
    pub score: f64,
}

impl Outcome {
    /// A game between `a` and `b` where `a` scored `score`.
    pub fn new(a: usize, b: usize, score: f64) -> Self {
        Outcome { a, b, score }
    }
}

fn check_games(games: &[Outcome], n_players: usize) -> Result<()> {
    if games.is_empty() {
        return Err(Error::EmptyInput {
            what: "games".into(),
            detail: "no outcomes".into(),
        });
    }
    for (i, g) in games.iter().enumerate() {
        if g.a >= n_players || g.b >= n_players {
            return Err(Error::UnknownLabel {
                label: g.a.max(g.b).to_string(),
                what: format!("game {i}"),
                known: format!("players 0..{n_players}"),
            });
        }
        if g.a == g.b {
            return Err(Error::param(
                "games",
                format!("game {i} pits player {} against itself", g.a),
            ));
        }
        if !(0.0..=1.0).contains(&g.score) {
            return Err(Error::param(
                "games",
                format!("game {i} has score {}, outside [0, 1]", g.score),
            ));
        }
    }
    Ok(())
}

/// Elo settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EloParams {
    /// Update step $K$.
    pub k: f64,
    /// Rating everyone starts from.
    pub initial: f64,
    /// Scale $S$: a difference of $S$ means odds of $B$ to 1.
    pub scale: f64,
    /// Base $B$.
    pub base: f64,
}

impl Default for EloParams {
    fn default() -> Self {
        EloParams {
            k: 32.0,
            initial: 1000.0,
            scale: 400.0,
            base: 10.0,
        }
    }
}

/// Elo ratings after playing `games` in order.
pub fn elo(games: &[Outcome], n_players: usize, params: &EloParams) -> Result<Array1<f64>> {
    check_games(games, n_players)?;
    breadth_core::validate::positive("k", params.k)?;
    breadth_core::validate::positive("scale", params.scale)?;
    if params.base.is_nan() || params.base <= 1.0 || params.base.is_infinite() {
        return Err(Error::param(
            "base",
            format!("must be a finite number > 1, got {}", params.base),
        ));
    }
    let mut r = Array1::from_elem(n_players, params.initial);
    for g in games {
        let expected = 1.0 / (1.0 + params.base.powf((r[g.b] - r[g.a]) / params.scale));
        let delta = params.k * (g.score - expected);
        r[g.a] += delta;
        r[g.b] -= delta;
    }
    Ok(r)
}

/// Bradley-Terry strengths.
#[derive(Debug, Clone, PartialEq)]
pub struct BradleyTerry {
    /// Log-strengths $\theta$, mean zero.
    pub log_strength: Array1<f64>,
    /// $1000 + 400\,\theta/\ln 10$.
    pub elo_scale: Array1<f64>,
    /// MM iterations used.
    pub iterations: usize,
}

/// Every player reachable from player 0 along `edge[u][v] > 0`.
fn reaches_all(edge: &Array2<f64>) -> bool {
    let n = edge.nrows();
    let mut seen = vec![false; n];
    let mut stack = vec![0];
    seen[0] = true;
    while let Some(u) = stack.pop() {
        for v in 0..n {
            if edge[[u, v]] > 0.0 && !seen[v] {
                seen[v] = true;
                stack.push(v);
            }
        }
    }
    seen.into_iter().all(|s| s)
}

/// Maximum-likelihood Bradley-Terry strengths (MM iterations until the largest change of
/// $\theta$ is below `tol`).
pub fn bradley_terry(
    games: &[Outcome],
    n_players: usize,
    max_iter: usize,
    tol: f64,
) -> Result<BradleyTerry> {
    check_games(games, n_players)?;
    breadth_core::validate::positive("tol", tol)?;
    // wins[a][b]: points a took from b.
    let mut wins = Array2::<f64>::zeros((n_players, n_players));
    for g in games {
        wins[[g.a, g.b]] += g.score;
        wins[[g.b, g.a]] += 1.0 - g.score;
    }
    if !reaches_all(&wins) || !reaches_all(&wins.t().to_owned()) {
        return Err(Error::numerical(
            "Bradley-Terry",
            "the maximum-likelihood strengths do not exist: some group of players never takes a point from the rest (or some player never plays)",
        ));
    }
    let games_between = &wins + &wins.t();
    let points = wins.sum_axis(ndarray::Axis(1));
    let mut p = Array1::<f64>::ones(n_players);
    for it in 1..=max_iter {
        let mut next = Array1::<f64>::zeros(n_players);
        for a in 0..n_players {
            let den: f64 = (0..n_players)
                .filter(|&b| games_between[[a, b]] > 0.0)
                .map(|b| games_between[[a, b]] / (p[a] + p[b]))
                .sum();
            next[a] = points[a] / den;
        }
        let mean_log = next.mapv(f64::ln).mean().unwrap_or(0.0);
        next.mapv_inplace(|v| v / mean_log.exp());
        let change = next
            .iter()
            .zip(&p)
            .map(|(a, b)| (a.ln() - b.ln()).abs())
            .fold(0.0, f64::max);
        p = next;
        if change < tol {
            let theta = p.mapv(f64::ln);
            let elo_scale = theta.mapv(|t| 1000.0 + 400.0 / std::f64::consts::LN_10 * t);
            return Ok(BradleyTerry {
                log_strength: theta,
                elo_scale,
                iterations: it,
            });
        }
    }
    Err(Error::numerical(
        "Bradley-Terry",
        format!("no convergence within {max_iter} iterations; raise max_iter"),
    ))
}

/// Share of the points `player` took in its games, with a bootstrap interval over those games.
pub fn win_rate(
    games: &[Outcome],
    n_players: usize,
    player: usize,
    params: &BootstrapParams,
) -> Result<BootstrapCi> {
    check_games(games, n_players)?;
    let points: Vec<f64> = games
        .iter()
        .filter_map(|g| match (g.a == player, g.b == player) {
            (true, _) => Some(g.score),
            (_, true) => Some(1.0 - g.score),
            _ => None,
        })
        .collect();
    if points.is_empty() {
        return Err(Error::param(
            "player",
            format!("player {player} plays no game"),
        ));
    }
    bootstrap_ci(points.len(), params, |idx| {
        Ok(idx.iter().map(|&i| points[i]).sum::<f64>() / idx.len() as f64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn games_of(v: &serde_json::Value) -> Vec<Outcome> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| {
                Outcome::new(
                    g[0].as_u64().unwrap() as usize,
                    g[1].as_u64().unwrap() as usize,
                    f(&g[2]),
                )
            })
            .collect()
    }

    /// Against `tests/fixtures/metrics/preference.json` from `reference/metrics.py`: Elo by the
    /// plain loop there (1e-10), Bradley-Terry by SciPy's BFGS on the exact log-likelihood (1e-6).
    #[test]
    fn ratings_match_the_reference() {
        let fx = load(include_str!("../tests/fixtures/metrics/preference.json"));
        let games = games_of(&fx["games"]);
        let n = fx["n_players"].as_u64().unwrap() as usize;
        assert_all_close(
            &elo(&games, n, &EloParams::default()).unwrap(),
            &vf(&fx["elo"]),
            1e-10,
            "elo",
        );
        let bt = bradley_terry(&games, n, 10_000, 1e-12).unwrap();
        assert_all_close(
            &bt.log_strength,
            &vf(&fx["bt_theta"]),
            1e-6,
            "bradley-terry",
        );
        let ci = win_rate(&games, n, 0, &BootstrapParams::default().n_resamples(500)).unwrap();
        assert!(close(ci.estimate, f(&fx["win_rate_0"]), 1e-12));
        assert!(ci.low <= ci.estimate && ci.estimate <= ci.high);
    }

    #[test]
    fn undefined_strengths_are_refused() {
        // Player 2 never takes a point.
        let games = [
            Outcome::new(0, 1, 1.0),
            Outcome::new(1, 0, 1.0),
            Outcome::new(0, 2, 1.0),
            Outcome::new(1, 2, 1.0),
        ];
        assert!(bradley_terry(&games, 3, 100, 1e-9).is_err());
        assert!(elo(&[Outcome::new(0, 0, 1.0)], 2, &EloParams::default()).is_err());
        assert!(elo(&[Outcome::new(0, 3, 1.0)], 2, &EloParams::default()).is_err());
        assert!(win_rate(&games, 4, 3, &BootstrapParams::default()).is_err());
    }
}
