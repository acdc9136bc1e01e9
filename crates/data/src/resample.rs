//! Resampling for imbalanced classes: random over- and under-sampling, SMOTE and Borderline-SMOTE,
//! and cross-validation that resamples only the training folds.
//!
//! With $n_c$ rows of class $c$ and $n_{\max} = \max_c n_c$, $n_{\min} = \min_c n_c$:
//!
//! - [`RandomOverSampler`] draws $n_{\max} - n_c$ extra rows of every class with replacement;
//! - [`RandomUnderSampler`] keeps $n_{\min}$ rows of every class, drawn without replacement;
//! - [`Smote`] adds $n_{\max} - n_c$ synthetic rows per class, each
//!   $x_{\text{new}} = x_i + u\,(x_j - x_i)$ with $x_i$ a random row of the class, $x_j$ one of
//!   its $k$ nearest same-class neighbours (random) and $u \sim U[0, 1)$;
//! - [`Smote`] with [`SmoteKind::Borderline1`] draws $x_i$ only from the *danger* rows, whose $m$
//!   nearest neighbours in the whole data are at least half but not all of another class.
//!
//! Neighbours come from the shared index [`breadth_classic::neighbors::NearestNeighbors`].
//! Resampled rows follow the originals, which are kept in order; sample weights are dropped.
//!
//! A resampler must see only training rows: evaluated on resampled data, a model would be scored
//! on copies (or interpolations) of its own training rows. [`resampled_folds`] and
//! [`cross_validate_resampled`] resample each training fold alone and leave the test fold as it is.
//!
//! Shapes: `n x d` in, `n' x d` out. Cost: $O(n)$ for the random samplers; SMOTE one $k$-NN query
//! per class.
//!
//! Reference: N. V. Chawla, K. W. Bowyer, L. O. Hall, W. P. Kegelmeyer, "SMOTE: Synthetic Minority
//! Over-sampling Technique", JAIR 16, 2002; H. Han, W.-Y. Wang, B.-H. Mao, "Borderline-SMOTE",
//! ICIC 2005; imbalanced-learn's samplers.
//!
//! ```
//! use breadth_core::{Dataset, Target};
//! use breadth_data::resample::{Resampler, Smote};
//! use ndarray::array;
//! let ds = Dataset::new(array![[0.0], [0.1], [0.2], [0.3], [5.0], [5.5]])
//!     .with_target(Target::classes(vec![0, 0, 0, 0, 1, 1], vec!["a".into(), "b".into()]).unwrap())
//!     .unwrap();
//! let out = Smote::default().k_neighbors(1).fit_resample(&ds).unwrap();
//! assert_eq!(out.n_samples(), 8);
//! assert!(out.features().column(0).iter().skip(6).all(|&v| (5.0..=5.5).contains(&v)));
//! ```

use breadth_classic::neighbors::NearestNeighborsParams;
use breadth_core::registry::ModelSpec;
use breadth_core::validate::check_fit_input;
use breadth_core::{seeded_rng, Dataset, Error, Result, Target};
use ndarray::{Array2, Axis};
use rand::Rng as _;

use crate::model_selection::cross_validate::score_model;
use crate::model_selection::split::Splitter;

/// Something that returns a rebalanced copy of a labelled dataset.
pub trait Resampler {
    /// The original rows followed by the added ones (or the kept rows, for under-sampling).
    fn fit_resample(&self, data: &Dataset) -> Result<Dataset>;
}

/// Class labels, class names and each class's rows.
fn classes_of(data: &Dataset) -> Result<(Vec<usize>, Vec<String>, Vec<Vec<usize>>)> {
    check_fit_input(data)?;
    let (labels, names) = data.class_target("resampler")?;
    let mut rows = vec![Vec::new(); names.len()];
    labels
        .iter()
        .enumerate()
        .for_each(|(i, &l)| rows[l].push(i));
    Ok((labels.to_vec(), names.to_vec(), rows))
}

/// `data`'s features and labels followed by `extra` rows of `extra_labels`.
fn appended(
    data: &Dataset,
    labels: &[usize],
    names: &[String],
    extra: Array2<f64>,
    extra_labels: Vec<usize>,
) -> Result<Dataset> {
    let x = ndarray::concatenate![Axis(0), data.features(), extra];
    let y: Vec<usize> = labels.iter().copied().chain(extra_labels).collect();
    Dataset::new(x)
        .with_feature_names(data.feature_names().to_vec())?
        .with_target(Target::classes(y, names.to_vec())?)
}

/// Duplicate random rows of every class up to the majority count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RandomOverSampler {
    /// Seed of the draws.
    pub seed: u64,
}

impl Resampler for RandomOverSampler {
    fn fit_resample(&self, data: &Dataset) -> Result<Dataset> {
        let (labels, names, rows) = classes_of(data)?;
        let target = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut rng = seeded_rng(self.seed);
        let mut picks = Vec::new();
        let mut extra_labels = Vec::new();
        for (c, r) in rows.iter().enumerate().filter(|(_, r)| !r.is_empty()) {
            for _ in r.len()..target {
                picks.push(r[rng.random_range(0..r.len())]);
                extra_labels.push(c);
            }
        }
        let extra = data.features().select(Axis(0), &picks);
        appended(data, &labels, &names, extra, extra_labels)
    }
}

/// Keep a random subset of every class of the minority count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RandomUnderSampler {
    /// Seed of the draws.
    pub seed: u64,
}

impl Resampler for RandomUnderSampler {
    fn fit_resample(&self, data: &Dataset) -> Result<Dataset> {
        let (_, _, rows) = classes_of(data)?;
        let target = rows
            .iter()
            .map(Vec::len)
            .filter(|&n| n > 0)
            .min()
            .unwrap_or(0);
        let mut rng = seeded_rng(self.seed);
        let mut keep: Vec<usize> = rows
            .iter()
            .filter(|r| !r.is_empty())
            .flat_map(|r| {
                rand::seq::index::sample(&mut rng, r.len(), target)
                    .into_iter()
                    .map(|i| r[i])
                    .collect::<Vec<_>>()
            })
            .collect();
        keep.sort_unstable();
        let out = data.select(&keep);
        // Sample weights describe the original rows' importance, not the rebalanced set's.
        Dataset::new(out.features().to_owned())
            .with_feature_names(out.feature_names().to_vec())?
            .with_target(out.target().expect("labelled").clone())
    }
}

/// Which rows SMOTE interpolates from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmoteKind {
    /// Every row of the class (Chawla et al.).
    Regular,
    /// Only the class's rows near the border with other classes (Han et al., variant 1).
    Borderline1,
}

/// Synthetic minority over-sampling.
#[derive(Debug, Clone, PartialEq)]
pub struct Smote {
    /// Same-class neighbours to interpolate towards, $k$.
    pub k_neighbors: usize,
    /// Neighbours in the whole data that decide the danger rows (Borderline-SMOTE), $m$.
    pub m_neighbors: usize,
    /// Which rows are interpolated from.
    pub kind: SmoteKind,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for Smote {
    fn default() -> Self {
        Smote {
            k_neighbors: 5,
            m_neighbors: 10,
            kind: SmoteKind::Regular,
            seed: 0,
        }
    }
}

impl Smote {
    /// Borderline-SMOTE (variant 1) with the default $k = 5$, $m = 10$.
    pub fn borderline() -> Self {
        Smote {
            kind: SmoteKind::Borderline1,
            ..Smote::default()
        }
    }
    /// Set $k$.
    pub fn k_neighbors(mut self, k: usize) -> Self {
        self.k_neighbors = k;
        self
    }
    /// Set $m$.
    pub fn m_neighbors(mut self, m: usize) -> Self {
        self.m_neighbors = m;
        self
    }
    /// Set the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Rows of class `c` in danger: at least half, not all, of their `m` neighbours are of
    /// another class.
    fn danger(
        &self,
        data: &Dataset,
        labels: &[usize],
        c: usize,
        rows: &[usize],
    ) -> Result<Vec<usize>> {
        let n = data.n_samples();
        let m = self.m_neighbors.min(n - 1);
        let index = NearestNeighborsParams::default()
            .n_neighbors(m)
            .fit_array(data.features())?;
        let q = data.features().select(Axis(0), rows);
        // The query rows are training rows: ask for one more and drop each row itself.
        let nn = index.kneighbors(q.view(), (m + 1).min(n))?;
        Ok(rows
            .iter()
            .zip(nn.indices.outer_iter())
            .filter(|(&r, idx)| {
                let others = idx
                    .iter()
                    .filter(|&&j| j != r)
                    .take(m)
                    .filter(|&&j| labels[j] != c)
                    .count();
                2 * others >= m && others < m
            })
            .map(|(&r, _)| r)
            .collect())
    }
}

impl Resampler for Smote {
    fn fit_resample(&self, data: &Dataset) -> Result<Dataset> {
        if self.k_neighbors == 0 {
            return Err(Error::param("k_neighbors", "must be at least 1"));
        }
        if self.kind == SmoteKind::Borderline1 && self.m_neighbors == 0 {
            return Err(Error::param("m_neighbors", "must be at least 1"));
        }
        let (labels, names, rows) = classes_of(data)?;
        let target = rows.iter().map(Vec::len).max().unwrap_or(0);
        let x = data.features();
        let mut rng = seeded_rng(self.seed);
        let mut extra = Vec::new();
        let mut extra_labels = Vec::new();
        for (c, r) in rows.iter().enumerate() {
            let need = target - r.len();
            if need == 0 || r.is_empty() {
                continue;
            }
            if r.len() <= self.k_neighbors {
                return Err(Error::param(
                    "k_neighbors",
                    format!(
                        "class {} has {} rows; SMOTE needs more than k = {}",
                        names[c],
                        r.len(),
                        self.k_neighbors
                    ),
                ));
            }
            let class_x = x.select(Axis(0), r);
            let index = NearestNeighborsParams::default()
                .n_neighbors(self.k_neighbors)
                .fit_array(class_x.view())?;
            let nn = index.kneighbors_of_training(self.k_neighbors)?;
            // Seeds (positions within the class) to interpolate from.
            let seeds: Vec<usize> = match self.kind {
                SmoteKind::Regular => (0..r.len()).collect(),
                SmoteKind::Borderline1 => {
                    let danger = self.danger(data, &labels, c, r)?;
                    r.iter()
                        .enumerate()
                        .filter(|(_, row)| danger.contains(row))
                        .map(|(i, _)| i)
                        .collect()
                }
            };
            if seeds.is_empty() {
                continue;
            }
            for _ in 0..need {
                let i = seeds[rng.random_range(0..seeds.len())];
                let j = nn.indices[[i, rng.random_range(0..self.k_neighbors)]];
                let u: f64 = rng.random();
                let (a, b) = (class_x.row(i), class_x.row(j));
                extra.extend(a.iter().zip(b.iter()).map(|(&p, &q)| p + u * (q - p)));
                extra_labels.push(c);
            }
        }
        let extra = Array2::from_shape_vec((extra_labels.len(), x.ncols()), extra)
            .expect("one row per label");
        appended(data, &labels, &names, extra, extra_labels)
    }
}

/// Per fold, the resampled training rows and the untouched test rows.
pub fn resampled_folds(
    data: &Dataset,
    splitter: &dyn Splitter,
    resampler: &dyn Resampler,
) -> Result<Vec<(Dataset, Dataset)>> {
    splitter
        .split(data)?
        .into_iter()
        .map(|s| {
            Ok((
                resampler.fit_resample(&data.select(&s.train))?,
                data.select(&s.test),
            ))
        })
        .collect()
}

/// Test scores per fold (rows) and metric (columns) of `spec` fitted on resampled training
/// folds and scored on the original test folds.
pub fn cross_validate_resampled(
    spec: &ModelSpec,
    settings: &[(String, String)],
    data: &Dataset,
    splitter: &dyn Splitter,
    resampler: &dyn Resampler,
    metrics: &[String],
) -> Result<Vec<Vec<f64>>> {
    resampled_folds(data, splitter, resampler)?
        .iter()
        .map(|(train, test)| score_model(spec.fit_with(settings, train)?.as_ref(), test, metrics))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_selection::split::StratifiedKFold;
    use ndarray::{array, ArrayView1};

    fn imbalanced() -> Dataset {
        // 30 rows of class 0 around (0, 0), 8 of class 1 around (3, 3), 2 of class 1 on the border.
        let mut rng = seeded_rng(5);
        let mut x = Array2::zeros((40, 2));
        let mut y = vec![0usize; 40];
        for i in 0..40 {
            let centre = if (30..38).contains(&i) { 3.0 } else { 0.0 };
            for j in 0..2 {
                x[[i, j]] = centre + rng.random_range(-1.0..1.0);
            }
            if i >= 38 {
                x[[i, 0]] = 1.2;
                x[[i, 1]] = 1.0 + 0.3 * (i - 38) as f64;
            }
            if i >= 30 {
                y[i] = 1;
            }
        }
        Dataset::new(x)
            .with_target(Target::classes(y, vec!["maj".into(), "min".into()]).unwrap())
            .unwrap()
    }

    fn counts(ds: &Dataset) -> Vec<usize> {
        let (l, names) = ds.class_target("t").unwrap();
        (0..names.len())
            .map(|c| l.iter().filter(|&&v| v == c).count())
            .collect()
    }

    /// Whether `p` lies on the segment between two rows of `x` with label `c`.
    fn on_segment(p: ArrayView1<'_, f64>, x: &Array2<f64>, labels: &[usize], c: usize) -> bool {
        let rows: Vec<usize> = (0..x.nrows()).filter(|&i| labels[i] == c).collect();
        rows.iter().any(|&a| {
            rows.iter().any(|&b| {
                let (xa, xb) = (x.row(a), x.row(b));
                let d = &xb - &xa;
                let dd = d.dot(&d);
                if dd == 0.0 {
                    return (&p - &xa).iter().all(|v| v.abs() < 1e-12);
                }
                let u = (&p - &xa).dot(&d) / dd;
                (-1e-12..=1.0 + 1e-12).contains(&u)
                    && (&xa + &(&d * u) - p).iter().all(|v| v.abs() < 1e-9)
            })
        })
    }

    #[test]
    fn samplers_balance_the_classes() {
        let ds = imbalanced();
        assert_eq!(counts(&ds), vec![30, 10]);
        let over = RandomOverSampler { seed: 1 }.fit_resample(&ds).unwrap();
        assert_eq!(counts(&over), vec![30, 30]);
        assert_eq!(over.features().slice(ndarray::s![..40, ..]), ds.features());
        let under = RandomUnderSampler { seed: 1 }.fit_resample(&ds).unwrap();
        assert_eq!(counts(&under), vec![10, 10]);
        let smote = Smote::default().fit_resample(&ds).unwrap();
        assert_eq!(counts(&smote), vec![30, 30]);
        assert_eq!(smote, Smote::default().fit_resample(&ds).unwrap());
    }

    #[test]
    fn smote_interpolates_between_same_class_rows() {
        let ds = imbalanced();
        let (labels, _) = ds.class_target("t").unwrap();
        let x = ds.features().to_owned();
        let out = Smote::default().seed(3).fit_resample(&ds).unwrap();
        for row in out.features().outer_iter().skip(40) {
            assert!(on_segment(row, &x, labels.as_slice().unwrap(), 1));
        }
    }

    #[test]
    fn borderline_smote_starts_only_from_danger_rows() {
        let ds = imbalanced();
        let s = Smote::borderline().k_neighbors(3).m_neighbors(5);
        let (labels, _) = ds.class_target("t").unwrap();
        let rows: Vec<usize> = (30..40).collect();
        let danger = s.danger(&ds, labels.as_slice().unwrap(), 1, &rows).unwrap();
        // The two minority rows on the border are in danger; the cluster at (3, 3) is safe.
        assert_eq!(danger, vec![38, 39]);
        let out = s.fit_resample(&ds).unwrap();
        assert_eq!(counts(&out), vec![30, 30]);
    }

    #[test]
    fn smote_never_leaks_into_validation_folds() {
        let ds = imbalanced();
        let splitter = StratifiedKFold::new(4).shuffled(2);
        let splits = splitter.split(&ds).unwrap();
        let folds = resampled_folds(&ds, &splitter, &Smote::default().k_neighbors(3)).unwrap();
        let x = ds.features().to_owned();
        let (labels, _) = ds.class_target("t").unwrap();
        for ((train, test), split) in folds.iter().zip(&splits) {
            // The test fold is exactly the original held-out rows: nothing synthetic.
            assert_eq!(test.features(), x.select(Axis(0), &split.test));
            // Every synthetic training row comes from training rows of the fold only.
            let tx = x.select(Axis(0), &split.train);
            let tl: Vec<usize> = split.train.iter().map(|&i| labels[i]).collect();
            let n_orig = split.train.len();
            assert!(train.n_samples() > n_orig);
            for row in train.features().outer_iter().skip(n_orig) {
                assert!(on_segment(row, &tx, &tl, 1));
            }
        }
        // The helper fits and scores on those folds.
        let spec = ModelSpec::classifier::<breadth_classic::dummy::DummyClassifierParams>(
            "dummy-classifier",
            "test",
        );
        let scores = cross_validate_resampled(
            &spec,
            &[],
            &ds,
            &splitter,
            &Smote::default().k_neighbors(3),
            &["accuracy".into()],
        )
        .unwrap();
        assert_eq!(scores.len(), 4);
    }

    #[test]
    fn refuses_bad_input() {
        let ds = imbalanced();
        assert!(Smote::default().k_neighbors(0).fit_resample(&ds).is_err());
        assert!(Smote::default().k_neighbors(10).fit_resample(&ds).is_err());
        let unlabelled = Dataset::new(array![[0.0], [1.0]]);
        assert!(RandomOverSampler::default()
            .fit_resample(&unlabelled)
            .is_err());
        let mut x = ds.features().to_owned();
        x[[0, 0]] = f64::NAN;
        let nan = ds.with_features(x, ds.feature_names().to_vec()).unwrap();
        assert!(Smote::default().fit_resample(&nan).is_err());
    }
}
