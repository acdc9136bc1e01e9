//! Hyper-parameter search by cross-validation: every combination of a grid, or settings drawn at
//! random from lists and distributions.
//!
//! A candidate is a list of `key=value` settings, the same text a user passes to `breadth fit
//! --set`. Each candidate $\theta$ is cross-validated on the *same* splits; its score is the mean
//! over folds $\bar s(\theta) = \frac1k \sum_j s_j(\theta)$ with the population standard deviation
//! beside it. Candidates are ranked on the first metric (rank $1 + $ the number of candidates with
//! a strictly better mean, so ties share the smaller rank, as scikit-learn's `rank_test_score`);
//! the best is the first of rank 1, and is refitted on all the data.
//!
//! - [`expand_grid`]: the Cartesian product of the value lists, the first key varying slowest
//!   (`itertools.product` order; scikit-learn additionally sorts the keys by name, breadth keeps
//!   the order given). $\prod_p |V_p|$ candidates.
//! - [`sample_candidates`]: `n_iter` draws; each key from a list (uniformly) or a
//!   [`Distribution`]: `uniform:a,b` ($U[a, b)$), `loguniform:a,b` ($\exp U[\ln a, \ln b)$, for
//!   scales such as a regularization strength), `int:a,b` (uniform on $\{a, \dots, b\}$, both
//!   ends included). When every key is a list, the draws are taken from the grid *without*
//!   replacement (all of it if `n_iter` exceeds its size), as scikit-learn does.
//!
//! A candidate whose fit fails (a value out of range, a numerical failure) is kept in the results
//! with its error and NaN scores and ranked last; the search fails only when every candidate
//! does. Candidates run in parallel, and each candidate's folds too; results do not depend on the
//! number of threads.
//!
//! Cost: (candidates $\times$ folds) fits, plus one refit.
//!
//! Reference: J. Bergstra, Y. Bengio, "Random search for hyper-parameter optimization", JMLR 13,
//! 2012; scikit-learn 1.9.1, `sklearn/model_selection/_search.py`.
//!
//! ```
//! use breadth_data::model_selection::search::{expand_grid, Distribution};
//! let grid = vec![
//!     ("alpha".to_string(), vec!["0.1".to_string(), "1".to_string()]),
//!     ("fit_intercept".to_string(), vec!["true".to_string(), "false".to_string()]),
//! ];
//! let candidates = expand_grid(&grid).unwrap();
//! assert_eq!(candidates.len(), 4);
//! assert_eq!(candidates[1][1].1, "false");
//! assert!(matches!("loguniform:1e-3,10".parse::<Distribution>(), Ok(Distribution::LogUniform { .. })));
//! ```

use breadth_core::registry::DynModel;
use breadth_core::{seeded_rng, Dataset, Error, Result, Rng};
use breadth_metrics::scorer;
use rand::Rng as _;
use rayon::prelude::*;

use super::cross_validate::{check_metrics, cross_validate_splits, mean_std, CvOptions};
use super::split::Splitter;
use crate::sampling::sample_without_replacement;

/// `key=value` settings of one candidate.
pub type Settings = Vec<(String, String)>;

/// Fits a model with settings: `|s, d| spec.fit_with(s, d)` for a registered model, or a
/// pipeline's `fit_with`.
pub type SettingsFitFn<'a> =
    dyn Fn(&[(String, String)], &Dataset) -> Result<Box<dyn DynModel>> + Sync + 'a;

/// Every combination of the grid's values, the last key varying fastest.
pub fn expand_grid(grid: &[(String, Vec<String>)]) -> Result<Vec<Settings>> {
    for (i, (key, values)) in grid.iter().enumerate() {
        if values.is_empty() {
            return Err(Error::param(key, "the grid gives this parameter no value"));
        }
        if grid[..i].iter().any(|(k, _)| k == key) {
            return Err(Error::param(key, "appears twice in the grid"));
        }
    }
    let mut out: Vec<Settings> = vec![Vec::new()];
    for (key, values) in grid {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut s = prefix.clone();
                    s.push((key.clone(), v.clone()));
                    s
                })
            })
            .collect();
    }
    Ok(out)
}

fn split_key_value(arg: &str) -> Result<(&str, &str)> {
    arg.split_once('=')
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| Error::param(arg, "expected KEY=VALUES, for example alpha=0.1,1,10"))
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',').map(|v| v.trim().to_string()).collect()
}

/// Parse one grid argument, `alpha=0.1,1,10`, into the key and its values.
pub fn parse_grid_arg(arg: &str) -> Result<(String, Vec<String>)> {
    let (key, values) = split_key_value(arg)?;
    Ok((key.to_string(), comma_list(values)))
}

/// Parse one random-search argument, `alpha=loguniform:1e-4,1` or `kernel=rbf,linear`.
pub fn parse_space_arg(arg: &str) -> Result<(String, Distribution)> {
    let (key, dist) = split_key_value(arg)?;
    let dist: Distribution = dist.parse().map_err(|e: String| Error::param(key, e))?;
    dist.check(key)?;
    Ok((key.to_string(), dist))
}

/// Where a random search draws one parameter's values from.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// One of these values, uniformly.
    Choice(Vec<String>),
    /// Uniform on `[low, high)`.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// $\exp$ of a uniform on $[\ln \text{low}, \ln \text{high})$; both ends positive.
    LogUniform {
        /// Lower end, > 0.
        low: f64,
        /// Upper end.
        high: f64,
    },
    /// An integer in `low..=high`, uniformly.
    IntRange {
        /// Smallest value.
        low: i64,
        /// Largest value.
        high: i64,
    },
}

impl std::str::FromStr for Distribution {
    type Err = String;
    /// `uniform:a,b`, `loguniform:a,b`, `int:a,b`, or a comma-separated list of values.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let pair = |rest: &str| -> std::result::Result<(String, String), String> {
            match comma_list(rest).as_slice() {
                [a, b] => Ok((a.clone(), b.clone())),
                _ => Err(format!("expected two bounds LOW,HIGH, got `{rest}`")),
            }
        };
        let float = |v: &str| v.parse::<f64>().map_err(|e| format!("`{v}`: {e}"));
        let int = |v: &str| v.parse::<i64>().map_err(|e| format!("`{v}`: {e}"));
        if let Some(rest) = s.strip_prefix("uniform:") {
            let (a, b) = pair(rest)?;
            Ok(Distribution::Uniform {
                low: float(&a)?,
                high: float(&b)?,
            })
        } else if let Some(rest) = s.strip_prefix("loguniform:") {
            let (a, b) = pair(rest)?;
            Ok(Distribution::LogUniform {
                low: float(&a)?,
                high: float(&b)?,
            })
        } else if let Some(rest) = s.strip_prefix("int:") {
            let (a, b) = pair(rest)?;
            Ok(Distribution::IntRange {
                low: int(&a)?,
                high: int(&b)?,
            })
        } else {
            Ok(Distribution::Choice(comma_list(s)))
        }
    }
}

impl Distribution {
    /// Refuse empty lists and empty or reversed ranges, naming parameter `key`.
    pub fn check(&self, key: &str) -> Result<()> {
        let ok = match self {
            Distribution::Choice(v) => !v.is_empty(),
            Distribution::Uniform { low, high } => {
                low.is_finite() && high.is_finite() && low < high
            }
            Distribution::LogUniform { low, high } => *low > 0.0 && high.is_finite() && low < high,
            Distribution::IntRange { low, high } => low <= high,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::param(
                key,
                format!("{self:?} is empty (log-uniform bounds must also be positive)"),
            ))
        }
    }

    /// One draw, as the text of a setting.
    pub fn sample(&self, rng: &mut Rng) -> String {
        match self {
            Distribution::Choice(v) => v[rng.random_range(0..v.len())].clone(),
            Distribution::Uniform { low, high } => rng.random_range(*low..*high).to_string(),
            Distribution::LogUniform { low, high } => rng
                .random_range(low.ln()..high.ln())
                .exp()
                .clamp(*low, *high)
                .to_string(),
            Distribution::IntRange { low, high } => rng.random_range(*low..=*high).to_string(),
        }
    }
}

/// `n_iter` candidates drawn from `space` with `seed`.
pub fn sample_candidates(
    space: &[(String, Distribution)],
    n_iter: usize,
    seed: u64,
) -> Result<Vec<Settings>> {
    if n_iter == 0 {
        return Err(Error::param("n_iter", "must be at least 1"));
    }
    for (key, d) in space {
        d.check(key)?;
    }
    let mut rng = seeded_rng(seed);
    let lists: Option<Vec<(String, Vec<String>)>> = space
        .iter()
        .map(|(k, d)| match d {
            Distribution::Choice(v) => Some((k.clone(), v.clone())),
            _ => None,
        })
        .collect();
    if let Some(grid) = lists {
        let grid = expand_grid(&grid)?;
        let picked = sample_without_replacement(grid.len(), n_iter.min(grid.len()), &mut rng)?;
        return Ok(picked.into_iter().map(|i| grid[i].clone()).collect());
    }
    Ok((0..n_iter)
        .map(|_| {
            space
                .iter()
                .map(|(k, d)| (k.clone(), d.sample(&mut rng)))
                .collect()
        })
        .collect())
}

/// How to search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Metrics and parallelism of each cross-validation; the first metric ranks the candidates.
    pub cv: CvOptions,
    /// Refit the best candidate on all the data into [`SearchResult::best_model`].
    pub refit: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            cv: CvOptions::default(),
            refit: true,
        }
    }
}

/// One candidate's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its settings.
    pub settings: Settings,
    /// Test scores, `[metric][fold]` (empty when the candidate failed).
    pub fold_scores: Vec<Vec<f64>>,
    /// Mean test score of each metric (NaN when the candidate failed).
    pub mean: Vec<f64>,
    /// Population standard deviation of each metric's test scores.
    pub std: Vec<f64>,
    /// Mean seconds per fit.
    pub mean_fit_seconds: f64,
    /// Rank on the first metric, 1 for the best.
    pub rank: usize,
    /// Why the candidate failed, if it did.
    pub error: Option<String>,
}

/// The outcome of a search.
pub struct SearchResult {
    /// The metrics scored; the first ranks.
    pub metrics: Vec<String>,
    /// Every candidate, in the order they were given or drawn.
    pub candidates: Vec<Candidate>,
    /// Index of the best candidate.
    pub best: usize,
    /// The best candidate refitted on all the data, when asked for.
    pub best_model: Option<Box<dyn DynModel>>,
}

impl std::fmt::Debug for SearchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchResult")
            .field("metrics", &self.metrics)
            .field("candidates", &self.candidates)
            .field("best", &self.best)
            .field("best_model", &self.best_model.as_ref().map(|m| m.kind()))
            .finish()
    }
}

fn settings_text(s: &Settings) -> String {
    let parts: Vec<String> = s.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

impl SearchResult {
    /// The best candidate's settings.
    pub fn best_settings(&self) -> &Settings {
        &self.candidates[self.best].settings
    }

    /// The best candidate's mean score on the first metric.
    pub fn best_score(&self) -> f64 {
        self.candidates[self.best].mean[0]
    }

    /// A text table of the candidates, best first: rank, mean and std of the first metric, mean
    /// fit seconds, settings (or the error).
    pub fn table(&self) -> String {
        let metric = &self.metrics[0];
        let mut out = format!(
            "{:>4} {:>14} {:>12} {:>9}  settings\n",
            "rank",
            format!("mean {metric}"),
            "std",
            "fit s"
        );
        let mut order: Vec<usize> = (0..self.candidates.len()).collect();
        order.sort_by_key(|&i| self.candidates[i].rank);
        for i in order {
            let c = &self.candidates[i];
            let what = match &c.error {
                Some(e) => format!("{}  (failed: {e})", settings_text(&c.settings)),
                None => settings_text(&c.settings),
            };
            out += &format!(
                "{:>4} {:>14.6} {:>12.6} {:>9.4}  {what}\n",
                c.rank, c.mean[0], c.std[0], c.mean_fit_seconds
            );
        }
        out
    }
}

/// Cross-validate each candidate on the same splits, rank them, and refit the best.
pub fn search_cv(
    fit: &SettingsFitFn<'_>,
    candidates: &[Settings],
    data: &Dataset,
    splitter: &dyn Splitter,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    if candidates.is_empty() {
        return Err(Error::param("candidates", "nothing to search"));
    }
    check_metrics(&opts.cv.metrics)?;
    let splits = splitter.split(data)?;
    let cv_opts = CvOptions {
        return_models: false,
        ..opts.cv.clone()
    };
    let run = |settings: &Settings| {
        cross_validate_splits(&|d: &Dataset| fit(settings, d), data, &splits, &cv_opts)
    };
    let outcomes: Vec<_> = if opts.cv.parallel {
        candidates.par_iter().map(run).collect()
    } else {
        candidates.iter().map(run).collect()
    };
    let metrics = match outcomes.iter().find_map(|o| o.as_ref().ok()) {
        Some(cv) => cv.metrics.clone(),
        None => {
            return Err(outcomes
                .into_iter()
                .next()
                .and_then(|o| o.err())
                .expect("every candidate failed"))
        }
    };
    let mut results: Vec<Candidate> = candidates
        .iter()
        .zip(outcomes)
        .map(|(settings, outcome)| match outcome {
            Ok(cv) if cv.metrics == metrics => {
                let fold_scores: Vec<Vec<f64>> = (0..metrics.len())
                    .map(|m| cv.folds.iter().map(|f| f.test[m]).collect())
                    .collect();
                let (mean, std) = fold_scores.iter().map(|s| mean_std(s)).unzip();
                let fit_s: Vec<f64> = cv.folds.iter().map(|f| f.fit_seconds).collect();
                Candidate {
                    settings: settings.clone(),
                    fold_scores,
                    mean,
                    std,
                    mean_fit_seconds: mean_std(&fit_s).0,
                    rank: 0,
                    error: None,
                }
            }
            other => Candidate {
                settings: settings.clone(),
                fold_scores: Vec::new(),
                mean: vec![f64::NAN; metrics.len()],
                std: vec![f64::NAN; metrics.len()],
                mean_fit_seconds: f64::NAN,
                rank: 0,
                error: Some(match other {
                    Err(e) => e.to_string(),
                    Ok(_) => "scored with other metrics than the other candidates".into(),
                }),
            },
        })
        .collect();
    let best = assign_ranks(&mut results, scorer::greater_is_better(&metrics[0]));
    let best_model = if opts.refit {
        Some(fit(&results[best].settings, data)?)
    } else {
        None
    };
    Ok(SearchResult {
        metrics,
        candidates: results,
        best,
        best_model,
    })
}

/// Rank on the first metric's mean (ties share the smaller rank, failures last) and return the
/// index of the first candidate of rank 1.
fn assign_ranks(candidates: &mut [Candidate], greater_is_better: bool) -> usize {
    let key = |c: &Candidate| {
        let m = c.mean[0];
        if greater_is_better {
            m
        } else {
            -m
        }
    };
    let valid: Vec<f64> = candidates
        .iter()
        .filter(|c| c.mean[0].is_finite())
        .map(key)
        .collect();
    for c in candidates.iter_mut() {
        c.rank = if c.mean[0].is_finite() {
            let k = key(c);
            1 + valid.iter().filter(|&&v| v > k).count()
        } else {
            valid.len() + 1
        };
    }
    (0..candidates.len())
        .min_by_key(|&i| candidates[i].rank)
        .expect("at least one candidate")
}

/// Search every combination of `grid`.
pub fn grid_search(
    fit: &SettingsFitFn<'_>,
    grid: &[(String, Vec<String>)],
    data: &Dataset,
    splitter: &dyn Splitter,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    search_cv(fit, &expand_grid(grid)?, data, splitter, opts)
}

/// Search `n_iter` candidates drawn from `space` with `seed`.
pub fn random_search(
    fit: &SettingsFitFn<'_>,
    space: &[(String, Distribution)],
    n_iter: usize,
    seed: u64,
    data: &Dataset,
    splitter: &dyn Splitter,
    opts: &SearchOptions,
) -> Result<SearchResult> {
    search_cv(
        fit,
        &sample_candidates(space, n_iter, seed)?,
        data,
        splitter,
        opts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::split::KFold;
    use crate::model_selection::test_models::{quantile_spec, CV_FIXTURE};
    use breadth_core::registry::Predictions;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Grid {
        quantiles: Vec<f64>,
        mean_test_score: Vec<f64>,
        std_test_score: Vec<f64>,
        rank_test_score: Vec<usize>,
        split_test_scores: Vec<Vec<f64>>,
        best_quantile: f64,
    }
    #[derive(Deserialize)]
    struct Fixture {
        diabetes_quantile_grid: Grid,
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn grid_search_equals_scikit_learn() {
        let fx: Fixture = serde_json::from_str(CV_FIXTURE).unwrap();
        let g = fx.diabetes_quantile_grid;
        let spec = quantile_spec();
        let fit = |s: &[(String, String)], d: &Dataset| spec.fit_with(s, d);
        let grid = vec![parse_grid_arg("quantile=0.1,0.3,0.5,0.7,0.9").unwrap()];
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let opts = SearchOptions {
            cv: CvOptions::default().metric("r2"),
            refit: true,
        };
        let res = grid_search(&fit, &grid, &diabetes, &KFold::new(5), &opts).unwrap();
        assert_eq!(res.candidates.len(), g.quantiles.len());
        for (i, c) in res.candidates.iter().enumerate() {
            assert!(
                close(c.mean[0], g.mean_test_score[i]),
                "{} vs {}",
                c.mean[0],
                g.mean_test_score[i]
            );
            assert!(close(c.std[0], g.std_test_score[i]));
            assert_eq!(c.rank, g.rank_test_score[i]);
            for fold in 0..5 {
                assert!(close(c.fold_scores[0][fold], g.split_test_scores[fold][i]));
            }
        }
        assert_eq!(
            res.best_settings()[0].1.parse::<f64>().unwrap(),
            g.best_quantile
        );
        // The refit model predicts the chosen quantile of the whole target.
        let model = res.best_model.as_ref().unwrap();
        let whole = spec.fit_with(res.best_settings(), &diabetes).unwrap();
        let x = diabetes.features().slice(ndarray::s![..1, ..]).to_owned();
        assert_eq!(
            model.predict(x.view()).unwrap(),
            whole.predict(x.view()).unwrap()
        );
        assert!(res
            .table()
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("1 "));
    }

    #[test]
    fn lower_is_better_metrics_rank_the_other_way() {
        let spec = quantile_spec();
        let fit = |s: &[(String, String)], d: &Dataset| spec.fit_with(s, d);
        let grid = vec![parse_grid_arg("quantile=0.05,0.5,0.95").unwrap()];
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let opts = SearchOptions {
            cv: CvOptions::default().metric("mse").metric("r2"),
            refit: false,
        };
        let res = grid_search(&fit, &grid, &diabetes, &KFold::new(3), &opts).unwrap();
        assert_eq!(res.best, 1, "the median has the lowest mean squared error");
        assert!(res.best_model.is_none());
        assert_eq!(res.candidates[1].mean.len(), 2);
    }

    #[test]
    fn failed_candidates_rank_last() {
        let spec = quantile_spec();
        let fit = |s: &[(String, String)], d: &Dataset| spec.fit_with(s, d);
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let grid = vec![parse_grid_arg("quantile=1.5,0.5").unwrap()];
        let res = grid_search(
            &fit,
            &grid,
            &diabetes,
            &KFold::new(3),
            &SearchOptions::default(),
        )
        .unwrap();
        assert_eq!(res.metrics, vec!["r2"]);
        assert_eq!(res.best, 1);
        assert_eq!(res.candidates[0].rank, 2);
        assert!(res.candidates[0]
            .error
            .as_ref()
            .unwrap()
            .contains("quantile"));
        assert!(res.table().contains("failed"));
        let all_bad = vec![parse_grid_arg("quantile=1.5,2").unwrap()];
        assert!(grid_search(
            &fit,
            &all_bad,
            &diabetes,
            &KFold::new(3),
            &SearchOptions::default()
        )
        .is_err());
    }

    #[test]
    fn random_search_draws_within_the_space_and_is_seeded() {
        let space = vec![
            parse_space_arg("a=uniform:-1,2").unwrap(),
            parse_space_arg("b=loguniform:1e-3,10").unwrap(),
            parse_space_arg("c=int:3,5").unwrap(),
            parse_space_arg("d=x,y").unwrap(),
        ];
        let cands = sample_candidates(&space, 200, 9).unwrap();
        assert_eq!(cands, sample_candidates(&space, 200, 9).unwrap());
        let mut ints = std::collections::BTreeSet::new();
        let mut small_b = 0;
        for c in &cands {
            let a: f64 = c[0].1.parse().unwrap();
            let b: f64 = c[1].1.parse().unwrap();
            assert!((-1.0..2.0).contains(&a) && (1e-3..=10.0).contains(&b));
            small_b += usize::from(b < 0.1);
            ints.insert(c[2].1.clone());
            assert!(c[3].1 == "x" || c[3].1 == "y");
        }
        assert_eq!(ints.into_iter().collect::<Vec<_>>(), vec!["3", "4", "5"]);
        // Log-uniform: half of the draws fall below the geometric middle 0.1 (binomial sd ~7).
        assert!((small_b as f64 - 100.0).abs() < 30.0, "{small_b}");

        let lists = vec![
            parse_space_arg("p=1,2,3").unwrap(),
            parse_space_arg("q=a,b").unwrap(),
        ];
        let mut drawn = sample_candidates(&lists, 10, 1).unwrap();
        assert_eq!(drawn.len(), 6, "the whole grid, once each");
        drawn.sort();
        drawn.dedup();
        assert_eq!(drawn.len(), 6);
    }

    #[test]
    fn random_search_runs_end_to_end() {
        let spec = quantile_spec();
        let fit = |s: &[(String, String)], d: &Dataset| spec.fit_with(s, d);
        let diabetes = crate::datasets::load("diabetes").unwrap();
        let space = vec![parse_space_arg("quantile=uniform:0.2,0.8").unwrap()];
        let res = random_search(
            &fit,
            &space,
            6,
            3,
            &diabetes,
            &KFold::new(3),
            &SearchOptions::default(),
        )
        .unwrap();
        assert_eq!(res.candidates.len(), 6);
        let best = res.best_score();
        assert!(res.candidates.iter().all(|c| c.mean[0] <= best));
        assert!(matches!(
            res.best_model
                .unwrap()
                .predict(diabetes.features())
                .unwrap(),
            Predictions::Values(_)
        ));
    }

    #[test]
    fn malformed_arguments_are_refused() {
        assert!(parse_grid_arg("novalue").is_err());
        assert!(parse_grid_arg("=1,2").is_err());
        assert!(parse_space_arg("a=uniform:1").is_err());
        assert!(parse_space_arg("a=uniform:2,1").is_err());
        assert!(parse_space_arg("a=loguniform:0,1").is_err());
        assert!(parse_space_arg("a=int:1.5,3").is_err());
        assert!(sample_candidates(&[], 0, 0).is_err());
        let dup = vec![("a".to_string(), vec!["1".to_string()]); 2];
        assert!(expand_grid(&dup).is_err());
        assert!(expand_grid(&[("a".to_string(), vec![])]).is_err());
        assert_eq!(
            expand_grid(&[]).unwrap(),
            vec![Vec::<(String, String)>::new()]
        );
    }
}
