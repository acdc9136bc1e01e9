//! Splitting rows into training and test sets: k-fold (plain, stratified, grouped, repeated),
//! leave-one-out, and the single train/test split.
//!
//! Every splitter assigns each row $i \in \{0, \dots, n-1\}$ to a test fold $f(i) \in \{0, \dots,
//! k-1\}$ and yields, for each fold $j$, the test set $T_j = \{i : f(i) = j\}$ and the training
//! set $\{0, \dots, n-1\} \setminus T_j$, both ascending (as scikit-learn returns them).
//!
//! - [`KFold`]: the rows in order (or shuffled) cut into $k$ consecutive blocks, the first
//!   $n \bmod k$ of size $\lceil n/k \rceil$ and the rest of size $\lfloor n/k \rfloor$.
//! - [`StratifiedKFold`]: classes numbered by first appearance, the sorted labels dealt round
//!   robin to the folds to decide how many members of each class each fold receives, then each
//!   class's members given to the folds in blocks in row order (scikit-learn's rule, so that
//!   unshuffled folds equal scikit-learn's); each fold holds $\lfloor c/k \rfloor$ or
//!   $\lceil c/k \rceil$ members of a class of $c$.
//! - [`GroupKFold`]: no group is split between training and test. Groups, largest first (ties:
//!   the larger group value first), go one by one to the fold with the fewest rows so far (ties:
//!   the lowest fold), as scikit-learn does; shuffled, the groups are permuted and cut into $k$
//!   nearly equal blocks of groups.
//! - [`LeaveOneOut`], [`RepeatedKFold`], [`RepeatedStratifiedKFold`] and [`TrainTestSplit`]
//!   (test size a fraction, $n_\text{test} = \lceil f n \rceil$, or a count; optionally
//!   stratified with largest-remainder quotas per class, see [`crate::sampling`]).
//!
//! Shuffled variants draw from [`breadth_core::rng`] with the given seed: seeded and portable,
//! but not numpy's stream, so only unshuffled folds coincide with scikit-learn's.
//!
//! Errors (never panics): fewer than 2 splits, more splits than rows (or groups), no rows, a
//! class with fewer members than `n_splits` in stratified k-fold (scikit-learn only warns when
//! some class is that small; breadth refuses, because such a fold trains or tests without that
//! class and its scores mislead), a target that is not class labels where strata are needed.
//!
//! Cost: $O(n \log n)$ at most per split set (sorting), $O(n k)$ to write the index lists.
//!
//! Reference: scikit-learn 1.9.1, `sklearn/model_selection/_split.py`; T. Hastie, R. Tibshirani,
//! J. Friedman, *The Elements of Statistical Learning*, 2nd ed., §7.10.
//!
//! ```
//! use breadth_data::model_selection::split::{KFold, StratifiedKFold};
//! let folds = KFold::new(3).folds(7).unwrap();
//! assert_eq!(folds[0].test, vec![0, 1, 2]);
//! assert_eq!(folds[2].train, vec![0, 1, 2, 3, 4]);
//! let strat = StratifiedKFold::new(2).folds(&[0, 0, 1, 1]).unwrap();
//! assert_eq!(strat[0].test, vec![0, 2]);
//! ```

use breadth_core::{seeded_rng, Dataset, Error, Result};

use crate::sampling::{class_counts, largest_remainder, shuffle};

/// One split: rows to train on and rows to test on, each ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
}

/// Something that splits a dataset's rows into (train, test) pairs.
pub trait Splitter: Send + Sync + std::fmt::Debug {
    /// The splits of `data`'s rows, in order.
    fn split(&self, data: &Dataset) -> Result<Vec<Split>>;
}

fn check_n_splits(n_splits: usize, n_samples: usize, what: &str) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::EmptyInput {
            what: "data to split".into(),
            detail: "no rows".into(),
        });
    }
    if n_splits < 2 {
        return Err(Error::param(
            "n_splits",
            format!("must be at least 2, got {n_splits}"),
        ));
    }
    if n_splits > n_samples {
        return Err(Error::param(
            "n_splits",
            format!("{n_splits} splits cannot be greater than the number of {what} ({n_samples})"),
        ));
    }
    Ok(())
}

/// The splits defined by a test-fold assignment `fold_of[i] < k`.
fn folds_from_assignment(fold_of: &[usize], k: usize) -> Vec<Split> {
    (0..k)
        .map(|j| {
            let (test, train) = (0..fold_of.len()).partition(|&i| fold_of[i] == j);
            Split { train, test }
        })
        .collect()
}

/// Sizes of `k` nearly equal consecutive blocks of `n` (numpy's `array_split`).
fn block_sizes(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..k).map(move |j| n / k + usize::from(j < n % k))
}

/// Numbers `0..n_groups` for arbitrary labels, in sorted order of the labels (`numpy.unique`).
fn encode_sorted<T: Ord>(values: &[T]) -> (Vec<usize>, usize) {
    let mut unique: Vec<&T> = values.iter().collect();
    unique.sort();
    unique.dedup();
    let codes = values
        .iter()
        .map(|v| {
            unique
                .binary_search(&v)
                .expect("value is among the unique values")
        })
        .collect();
    (codes, unique.len())
}

/// K-fold cross-validation: consecutive blocks of the (optionally shuffled) rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KFold {
    /// Number of folds, at least 2.
    pub n_splits: usize,
    /// `Some(seed)` shuffles the rows before cutting them into blocks.
    pub shuffle: Option<u64>,
}

impl Default for KFold {
    fn default() -> Self {
        KFold::new(5)
    }
}

impl KFold {
    /// `n_splits` folds, rows in order.
    pub fn new(n_splits: usize) -> Self {
        KFold {
            n_splits,
            shuffle: None,
        }
    }
    /// Shuffle the rows with `seed` first.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
    /// The folds of `n` rows.
    pub fn folds(&self, n: usize) -> Result<Vec<Split>> {
        check_n_splits(self.n_splits, n, "samples")?;
        let mut order: Vec<usize> = (0..n).collect();
        if let Some(seed) = self.shuffle {
            shuffle(&mut order, &mut seeded_rng(seed));
        }
        let mut fold_of = vec![0; n];
        let mut start = 0;
        for (j, size) in block_sizes(n, self.n_splits).enumerate() {
            order[start..start + size]
                .iter()
                .for_each(|&i| fold_of[i] = j);
            start += size;
        }
        Ok(folds_from_assignment(&fold_of, self.n_splits))
    }
}

impl Splitter for KFold {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        self.folds(data.n_samples())
    }
}

/// K-fold that keeps each class's share in every fold (needs class labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratifiedKFold {
    /// Number of folds, at least 2 and at most the size of the smallest class.
    pub n_splits: usize,
    /// `Some(seed)` shuffles which members of a class go to which fold.
    pub shuffle: Option<u64>,
}

impl Default for StratifiedKFold {
    fn default() -> Self {
        StratifiedKFold::new(5)
    }
}

impl StratifiedKFold {
    /// `n_splits` folds, members of each class assigned in row order.
    pub fn new(n_splits: usize) -> Self {
        StratifiedKFold {
            n_splits,
            shuffle: None,
        }
    }
    /// Shuffle the assignment within each class with `seed`.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
    /// The folds for these labels (any `usize` codes; only the classes present count).
    pub fn folds(&self, labels: &[usize]) -> Result<Vec<Split>> {
        let k = self.n_splits;
        check_n_splits(k, labels.len(), "samples")?;
        // Classes numbered by first appearance, as scikit-learn does: it fixes the round robin.
        let mut code_of = std::collections::HashMap::new();
        let encoded: Vec<usize> = labels
            .iter()
            .map(|&l| {
                let next = code_of.len();
                *code_of.entry(l).or_insert(next)
            })
            .collect();
        let counts = class_counts(&encoded);
        if let Some((c, &n_c)) = counts.iter().enumerate().find(|(_, &n_c)| n_c < k) {
            let label = code_of.iter().find(|(_, &code)| code == c).map(|(l, _)| l);
            return Err(Error::param(
                "n_splits",
                format!(
                    "{k} stratified folds need at least {k} members in every class, but class {} has {n_c}",
                    label.expect("every code has a label")
                ),
            ));
        }
        // allocation[j][c]: members of class c in fold j, from dealing the sorted codes round robin.
        let mut allocation = vec![vec![0usize; counts.len()]; k];
        let mut pos = 0;
        for (c, &n_c) in counts.iter().enumerate() {
            for p in pos..pos + n_c {
                allocation[p % k][c] += 1;
            }
            pos += n_c;
        }
        let mut rng = self.shuffle.map(seeded_rng);
        // folds_for_class[c][r]: the fold of the r-th member (in row order) of class c.
        let folds_for_class: Vec<Vec<usize>> = (0..counts.len())
            .map(|c| {
                let mut f: Vec<usize> = (0..k)
                    .flat_map(|j| std::iter::repeat_n(j, allocation[j][c]))
                    .collect();
                if let Some(rng) = rng.as_mut() {
                    shuffle(&mut f, rng);
                }
                f
            })
            .collect();
        let mut seen = vec![0usize; counts.len()];
        let fold_of: Vec<usize> = encoded
            .iter()
            .map(|&c| {
                seen[c] += 1;
                folds_for_class[c][seen[c] - 1]
            })
            .collect();
        Ok(folds_from_assignment(&fold_of, k))
    }
}

fn labels_of<'a>(data: &'a Dataset, who: &str) -> Result<ndarray::ArrayView1<'a, usize>> {
    Ok(data.class_target(who)?.0)
}

impl Splitter for StratifiedKFold {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        self.folds(&labels_of(data, "stratified k-fold")?.to_vec())
    }
}

/// K-fold over groups: all rows of a group fall in the same fold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKFold {
    /// Number of folds, at least 2 and at most the number of groups.
    pub n_splits: usize,
    /// `Some(seed)` permutes the groups and cuts them into blocks instead of balancing sizes.
    pub shuffle: Option<u64>,
    /// Each row's group, numbered in sorted order of the original group values.
    codes: Vec<usize>,
    n_groups: usize,
}

impl GroupKFold {
    /// `n_splits` folds over the groups of each row (one group value per row, any ordered type;
    /// ties between equally large groups are broken by that order, as numpy's `unique` sorts).
    pub fn new<T: Ord>(n_splits: usize, groups: &[T]) -> Self {
        let (codes, n_groups) = encode_sorted(groups);
        GroupKFold {
            n_splits,
            shuffle: None,
            codes,
            n_groups,
        }
    }
    /// Shuffle the groups with `seed`.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
    /// The folds of the rows whose groups were given.
    pub fn folds(&self) -> Result<Vec<Split>> {
        let k = self.n_splits;
        check_n_splits(k, self.codes.len(), "samples")?;
        check_n_splits(k, self.n_groups, "groups")?;
        let group_to_fold: Vec<usize> = match self.shuffle {
            Some(seed) => {
                let mut order: Vec<usize> = (0..self.n_groups).collect();
                shuffle(&mut order, &mut seeded_rng(seed));
                let mut to_fold = vec![0; self.n_groups];
                let mut start = 0;
                for (j, size) in block_sizes(self.n_groups, k).enumerate() {
                    order[start..start + size]
                        .iter()
                        .for_each(|&g| to_fold[g] = j);
                    start += size;
                }
                to_fold
            }
            None => {
                let sizes = class_counts(&self.codes);
                // numpy's stable ascending argsort reversed: largest first, ties larger code first.
                let mut order: Vec<usize> = (0..self.n_groups).collect();
                order.sort_by_key(|&g| sizes[g]);
                order.reverse();
                let mut fold_rows = vec![0usize; k];
                let mut to_fold = vec![0; self.n_groups];
                for g in order {
                    let lightest = (0..k).min_by_key(|&j| fold_rows[j]).expect("k >= 2");
                    fold_rows[lightest] += sizes[g];
                    to_fold[g] = lightest;
                }
                to_fold
            }
        };
        let fold_of: Vec<usize> = self.codes.iter().map(|&g| group_to_fold[g]).collect();
        Ok(folds_from_assignment(&fold_of, k))
    }
}

impl Splitter for GroupKFold {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        if data.n_samples() != self.codes.len() {
            return Err(Error::shape(
                "group k-fold: groups against rows",
                data.n_samples(),
                self.codes.len(),
            ));
        }
        self.folds()
    }
}

/// Each row alone is a test set once ($n$ splits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeaveOneOut;

impl LeaveOneOut {
    /// The `n` splits of `n` rows.
    pub fn folds(&self, n: usize) -> Result<Vec<Split>> {
        // Two rows at least: one to test and one to train on.
        check_n_splits(n.max(2), n, "samples")?;
        Ok(folds_from_assignment(&(0..n).collect::<Vec<_>>(), n))
    }
}

impl Splitter for LeaveOneOut {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        self.folds(data.n_samples())
    }
}

/// [`KFold`] repeated `n_repeats` times with different shuffles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedKFold {
    /// Folds per repetition.
    pub n_splits: usize,
    /// Number of repetitions, at least 1.
    pub n_repeats: usize,
    /// Seed of the repetitions' shuffles (one child seed each).
    pub seed: u64,
}

fn check_repeats(n_repeats: usize) -> Result<()> {
    if n_repeats == 0 {
        return Err(Error::param("n_repeats", "must be at least 1, got 0"));
    }
    Ok(())
}

impl RepeatedKFold {
    /// `n_repeats` shuffled `n_splits`-fold splits.
    pub fn new(n_splits: usize, n_repeats: usize, seed: u64) -> Self {
        RepeatedKFold {
            n_splits,
            n_repeats,
            seed,
        }
    }
    /// All `n_splits * n_repeats` splits of `n` rows, repetition by repetition.
    pub fn folds(&self, n: usize) -> Result<Vec<Split>> {
        check_repeats(self.n_repeats)?;
        let mut out = Vec::with_capacity(self.n_splits * self.n_repeats);
        for seed in breadth_core::rng::child_seeds(self.seed, self.n_repeats) {
            out.extend(KFold::new(self.n_splits).shuffled(seed).folds(n)?);
        }
        Ok(out)
    }
}

impl Splitter for RepeatedKFold {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        self.folds(data.n_samples())
    }
}

/// [`StratifiedKFold`] repeated `n_repeats` times with different shuffles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedStratifiedKFold {
    /// Folds per repetition.
    pub n_splits: usize,
    /// Number of repetitions, at least 1.
    pub n_repeats: usize,
    /// Seed of the repetitions' shuffles (one child seed each).
    pub seed: u64,
}

impl RepeatedStratifiedKFold {
    /// `n_repeats` shuffled stratified `n_splits`-fold splits.
    pub fn new(n_splits: usize, n_repeats: usize, seed: u64) -> Self {
        RepeatedStratifiedKFold {
            n_splits,
            n_repeats,
            seed,
        }
    }
    /// All `n_splits * n_repeats` splits for these labels, repetition by repetition.
    pub fn folds(&self, labels: &[usize]) -> Result<Vec<Split>> {
        check_repeats(self.n_repeats)?;
        let mut out = Vec::with_capacity(self.n_splits * self.n_repeats);
        for seed in breadth_core::rng::child_seeds(self.seed, self.n_repeats) {
            out.extend(
                StratifiedKFold::new(self.n_splits)
                    .shuffled(seed)
                    .folds(labels)?,
            );
        }
        Ok(out)
    }
}

impl Splitter for RepeatedStratifiedKFold {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        self.folds(&labels_of(data, "repeated stratified k-fold")?.to_vec())
    }
}

/// How large the test set of a [`TrainTestSplit`] is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TestSize {
    /// A share of the rows in (0, 1); the test set has $\lceil f n \rceil$ rows.
    Fraction(f64),
    /// A number of rows, at least 1 and less than the number of rows.
    Count(usize),
}

impl std::str::FromStr for TestSize {
    type Err = String;
    /// `0.25` is a fraction, `30` a count.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        if let Ok(c) = s.parse::<usize>() {
            return Ok(TestSize::Count(c));
        }
        s.parse::<f64>()
            .map(TestSize::Fraction)
            .map_err(|_| format!("expected a fraction such as 0.25 or a row count, got `{s}`"))
    }
}

/// One split into a training and a test set (scikit-learn's `train_test_split`).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainTestSplit {
    /// Size of the test set.
    pub test_size: TestSize,
    /// `Some(seed)` draws the test rows at random; `None` takes the last rows.
    pub shuffle: Option<u64>,
    /// Keep each class's share in both sets (needs class labels and `shuffle`).
    pub stratify: bool,
}

impl Default for TrainTestSplit {
    fn default() -> Self {
        TrainTestSplit {
            test_size: TestSize::Fraction(0.25),
            shuffle: Some(0),
            stratify: false,
        }
    }
}

impl TrainTestSplit {
    /// A shuffled split (seed 0) with this test size.
    pub fn new(test_size: TestSize) -> Self {
        TrainTestSplit {
            test_size,
            ..Default::default()
        }
    }
    /// Shuffle with `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }
    /// Do not shuffle: train on the first rows and test on the last.
    pub fn unshuffled(mut self) -> Self {
        self.shuffle = None;
        self
    }
    /// Stratify by the class labels.
    pub fn stratified(mut self) -> Self {
        self.stratify = true;
        self
    }

    /// Number of test rows out of `n`.
    pub fn n_test(&self, n: usize) -> Result<usize> {
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "data to split".into(),
                detail: "no rows".into(),
            });
        }
        let n_test = match self.test_size {
            TestSize::Fraction(f) if f > 0.0 && f < 1.0 => (f * n as f64).ceil() as usize,
            TestSize::Count(c) if c >= 1 && c < n => c,
            other => {
                return Err(Error::param(
                    "test_size",
                    format!("{other:?} must be a fraction in (0, 1) or a count in [1, {n})"),
                ))
            }
        };
        if n_test >= n {
            return Err(Error::param(
                "test_size",
                format!("{n_test} test rows out of {n} leave no training row"),
            ));
        }
        Ok(n_test)
    }

    /// The split of `n` rows; `labels` are needed (and used) only when stratifying.
    pub fn indices(&self, n: usize, labels: Option<&[usize]>) -> Result<Split> {
        let n_test = self.n_test(n)?;
        let n_train = n - n_test;
        let is_test: Vec<bool> = match (self.shuffle, self.stratify) {
            (None, false) => (0..n).map(|i| i >= n_train).collect(),
            (None, true) => {
                return Err(Error::param(
                    "stratify",
                    "a stratified split needs shuffling (give a seed)",
                ))
            }
            (Some(seed), false) => {
                let mut order: Vec<usize> = (0..n).collect();
                shuffle(&mut order, &mut seeded_rng(seed));
                let mut is_test = vec![false; n];
                order[..n_test].iter().for_each(|&i| is_test[i] = true);
                is_test
            }
            (Some(seed), true) => {
                let labels = labels.ok_or_else(|| {
                    Error::param("stratify", "a stratified split needs class labels")
                })?;
                stratified_test_rows(labels, n_test, n_train, seed)?
            }
        };
        let (test, train) = (0..n).partition(|&i| is_test[i]);
        Ok(Split { train, test })
    }

    /// Split `data` into (train, test) datasets.
    pub fn apply(&self, data: &Dataset) -> Result<(Dataset, Dataset)> {
        let s = self.split_one(data)?;
        Ok((data.select(&s.train), data.select(&s.test)))
    }

    fn split_one(&self, data: &Dataset) -> Result<Split> {
        let labels = if self.stratify {
            Some(labels_of(data, "stratified train/test split")?.to_vec())
        } else {
            None
        };
        self.indices(data.n_samples(), labels.as_deref())
    }
}

fn stratified_test_rows(
    labels: &[usize],
    n_test: usize,
    n_train: usize,
    seed: u64,
) -> Result<Vec<bool>> {
    let counts = class_counts(labels);
    let present: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] > 0).collect();
    if let Some(&c) = present.iter().find(|&&c| counts[c] < 2) {
        return Err(Error::param(
            "stratify",
            format!("class {c} has a single member; a stratified split needs at least 2 per class"),
        ));
    }
    if n_test < present.len() || n_train < present.len() {
        return Err(Error::param(
            "test_size",
            format!(
                "{n_test} test and {n_train} training rows cannot each hold all {} classes",
                present.len()
            ),
        ));
    }
    let quota = largest_remainder(&counts, n_test);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); counts.len()];
    for (i, &l) in labels.iter().enumerate() {
        members[l].push(i);
    }
    let mut rng = seeded_rng(seed);
    let mut is_test = vec![false; labels.len()];
    for c in present {
        shuffle(&mut members[c], &mut rng);
        members[c][..quota[c]]
            .iter()
            .for_each(|&i| is_test[i] = true);
    }
    Ok(is_test)
}

impl Splitter for TrainTestSplit {
    fn split(&self, data: &Dataset) -> Result<Vec<Split>> {
        Ok(vec![self.split_one(data)?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    // Fixtures: reference/model_selection.py with scikit-learn 1.9.1, numpy 2.4.6.
    const SPLITS: &str = include_str!("../../tests/fixtures/model_selection/splits.json");

    #[derive(Deserialize)]
    struct KFoldCase {
        n: usize,
        k: usize,
        test: Vec<Vec<usize>>,
    }
    #[derive(Deserialize)]
    struct StratCase {
        labels: Vec<usize>,
        k: usize,
        test: Vec<Vec<usize>>,
    }
    #[derive(Deserialize)]
    struct GroupCase {
        groups: Vec<i64>,
        k: usize,
        test: Vec<Vec<usize>>,
    }
    #[derive(Deserialize)]
    struct TtsCase {
        n: usize,
        test_size: f64,
        train: Vec<usize>,
        test: Vec<usize>,
    }
    #[derive(Deserialize)]
    struct Fixture {
        kfold: Vec<KFoldCase>,
        stratified: Vec<StratCase>,
        group: Vec<GroupCase>,
        train_test_split: Vec<TtsCase>,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(SPLITS).unwrap()
    }

    fn tests_of(folds: &[Split]) -> Vec<Vec<usize>> {
        folds.iter().map(|s| s.test.clone()).collect()
    }

    /// Every row tested exactly once, train the complement of test, both ascending.
    fn assert_partition(folds: &[Split], n: usize) {
        let mut seen = vec![0; n];
        for s in folds {
            assert!(s.test.windows(2).all(|w| w[0] < w[1]));
            assert!(s.train.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(s.train.len() + s.test.len(), n);
            s.test.iter().for_each(|&i| seen[i] += 1);
            assert!(s.train.iter().all(|i| s.test.binary_search(i).is_err()));
        }
        assert!(seen.iter().all(|&c| c == 1), "{seen:?}");
    }

    #[test]
    fn kfold_equals_scikit_learn() {
        for case in fixture().kfold {
            let folds = KFold::new(case.k).folds(case.n).unwrap();
            assert_eq!(tests_of(&folds), case.test, "n={} k={}", case.n, case.k);
            assert_partition(&folds, case.n);
        }
    }

    #[test]
    fn stratified_kfold_equals_scikit_learn() {
        for case in fixture().stratified {
            let folds = StratifiedKFold::new(case.k).folds(&case.labels).unwrap();
            assert_eq!(tests_of(&folds), case.test, "labels {:?}", case.labels);
        }
    }

    #[test]
    fn group_kfold_equals_scikit_learn() {
        for case in fixture().group {
            let folds = GroupKFold::new(case.k, &case.groups).folds().unwrap();
            assert_eq!(tests_of(&folds), case.test, "groups {:?}", case.groups);
        }
    }

    #[test]
    fn unshuffled_train_test_split_equals_scikit_learn() {
        for case in fixture().train_test_split {
            let size = if case.test_size >= 1.0 {
                TestSize::Count(case.test_size as usize)
            } else {
                TestSize::Fraction(case.test_size)
            };
            let s = TrainTestSplit::new(size)
                .unshuffled()
                .indices(case.n, None)
                .unwrap();
            assert_eq!((s.train, s.test), (case.train, case.test), "n={}", case.n);
        }
    }

    #[test]
    fn shuffled_stratified_folds_keep_exact_class_shares() {
        let labels: Vec<usize> = (0..103).map(|i| (i * 7 % 11) % 3).collect();
        let counts = class_counts(&labels);
        for seed in 0..5 {
            let folds = StratifiedKFold::new(4)
                .shuffled(seed)
                .folds(&labels)
                .unwrap();
            assert_partition(&folds, labels.len());
            for s in &folds {
                for (c, &n_c) in counts.iter().enumerate() {
                    let in_fold = s.test.iter().filter(|&&i| labels[i] == c).count();
                    assert!(
                        in_fold == n_c / 4 || in_fold == n_c.div_ceil(4),
                        "{in_fold} of {n_c}"
                    );
                }
            }
        }
        let a = StratifiedKFold::new(4).shuffled(1).folds(&labels).unwrap();
        assert_eq!(
            a,
            StratifiedKFold::new(4).shuffled(1).folds(&labels).unwrap()
        );
        assert_ne!(
            a,
            StratifiedKFold::new(4).shuffled(2).folds(&labels).unwrap()
        );
    }

    #[test]
    fn shuffled_kfold_is_a_seeded_partition() {
        let a = KFold::new(4).shuffled(3).folds(30).unwrap();
        assert_partition(&a, 30);
        assert_eq!(a, KFold::new(4).shuffled(3).folds(30).unwrap());
        assert_ne!(a, KFold::new(4).folds(30).unwrap());
        let sizes: Vec<usize> = a.iter().map(|s| s.test.len()).collect();
        assert_eq!(sizes, vec![8, 8, 7, 7]);
    }

    #[test]
    fn shuffled_group_kfold_never_splits_a_group() {
        let groups: Vec<u32> = (0..60).map(|i| i % 13).collect();
        let folds = GroupKFold::new(4, &groups).shuffled(5).folds().unwrap();
        assert_partition(&folds, 60);
        for s in &folds {
            for &i in &s.test {
                assert!(s.train.iter().all(|&t| groups[t] != groups[i]));
            }
        }
        let n_groups: Vec<usize> = folds
            .iter()
            .map(|s| {
                let mut g: Vec<u32> = s.test.iter().map(|&i| groups[i]).collect();
                g.sort_unstable();
                g.dedup();
                g.len()
            })
            .collect();
        assert_eq!(n_groups, vec![4, 3, 3, 3]);
    }

    #[test]
    fn leave_one_out_and_repeated() {
        let loo = LeaveOneOut.folds(4).unwrap();
        assert_eq!(loo.len(), 4);
        assert_eq!(
            loo[2],
            Split {
                train: vec![0, 1, 3],
                test: vec![2]
            }
        );
        assert!(LeaveOneOut.folds(1).is_err());
        assert!(LeaveOneOut.folds(0).is_err());

        let rep = RepeatedKFold::new(3, 2, 7).folds(10).unwrap();
        assert_eq!(rep.len(), 6);
        assert_partition(&rep[..3], 10);
        assert_partition(&rep[3..], 10);
        assert_ne!(rep[..3], rep[3..]);
        assert!(RepeatedKFold::new(3, 0, 7).folds(10).is_err());

        let labels: Vec<usize> = (0..20).map(|i| i % 2).collect();
        let rs = RepeatedStratifiedKFold::new(5, 3, 1)
            .folds(&labels)
            .unwrap();
        assert_eq!(rs.len(), 15);
        assert!(rs
            .iter()
            .all(|s| s.test.iter().filter(|&&i| labels[i] == 0).count() == 2));
    }

    #[test]
    fn stratified_train_test_split_has_exact_class_shares() {
        let labels: Vec<usize> = (0..50)
            .map(|i| usize::from(i % 5 == 0) + usize::from(i % 7 == 0))
            .collect();
        let counts = class_counts(&labels);
        let s = TrainTestSplit::new(TestSize::Fraction(0.3))
            .seed(4)
            .stratified()
            .indices(50, Some(&labels))
            .unwrap();
        assert_eq!(s.test.len(), 15);
        for (c, &n_c) in counts.iter().enumerate() {
            let got = s.test.iter().filter(|&&i| labels[i] == c).count() as f64;
            let quota = 0.3 * n_c as f64;
            assert!(
                got == quota.floor() || got == quota.ceil(),
                "class {c}: {got} vs {quota}"
            );
        }
        let mut all = [s.train, s.test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn bad_inputs_are_refused() {
        let msg = |r: Result<Vec<Split>>| r.unwrap_err().to_string();
        assert!(
            msg(KFold::new(5).folds(4)).contains("cannot be greater than the number of samples")
        );
        assert!(msg(KFold::new(1).folds(4)).contains("at least 2"));
        assert!(matches!(
            KFold::new(2).folds(0),
            Err(Error::EmptyInput { .. })
        ));
        assert!(msg(StratifiedKFold::new(3).folds(&[4, 4, 4, 9, 9])).contains("class 9 has 2"));
        assert!(msg(GroupKFold::new(3, &["a", "a", "b", "b"]).folds()).contains("number of groups"));
        let tts = |size, n| TrainTestSplit::new(size).indices(n, None);
        assert!(tts(TestSize::Fraction(1.0), 10).is_err());
        assert!(tts(TestSize::Count(10), 10).is_err());
        assert!(tts(TestSize::Fraction(0.5), 0).is_err());
        assert!(
            tts(TestSize::Fraction(0.99), 2).is_err(),
            "no training row left"
        );
        let strat = TrainTestSplit::new(TestSize::Count(1)).stratified();
        assert!(
            strat.indices(4, Some(&[0, 0, 1, 1])).is_err(),
            "test set too small for both classes"
        );
        assert!(
            strat.indices(4, Some(&[0, 0, 0, 1])).is_err(),
            "class of one"
        );
        assert!(strat
            .clone()
            .unshuffled()
            .indices(4, Some(&[0, 0, 1, 1]))
            .is_err());
        let regression = Dataset::new(ndarray::Array2::zeros((4, 1)))
            .with_target(breadth_core::Target::Continuous(ndarray::Array1::zeros(4)))
            .unwrap();
        assert!(StratifiedKFold::new(2).split(&regression).is_err());
        assert!(GroupKFold::new(2, &[0, 1, 2]).split(&regression).is_err());
        assert_eq!("0.3".parse::<TestSize>(), Ok(TestSize::Fraction(0.3)));
        assert_eq!("30".parse::<TestSize>(), Ok(TestSize::Count(30)));
    }
}
