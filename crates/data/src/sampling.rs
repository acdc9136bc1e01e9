//! Random sampling of rows: uniform with and without replacement, the bootstrap, reservoir
//! sampling of a stream of unknown length, and stratified sampling with exact class proportions.
//!
//! Every function takes the generator explicitly ([`breadth_core::rng::Rng`], seeded with
//! [`breadth_core::seeded_rng`]), so a seed fixes the result on every platform.
//!
//! - **Without replacement** (partial Fisher–Yates): after step $i$ the first $i$ slots hold a
//!   uniformly random ordered $i$-subset of $\{0, \dots, n-1\}$; each of the $n!/(n-k)!$ ordered
//!   samples has probability $(n-k)!/n!$. $O(n)$ time and memory.
//! - **With replacement / bootstrap**: $k$ independent uniform draws; a bootstrap draws $n$ of
//!   $n$ and its out-of-bag rows are those never drawn (a share $(1 - 1/n)^n \to e^{-1} \approx
//!   0.368$ of them on average).
//! - **Reservoir sampling** keeps a uniform $k$-subset of a stream read once, in $O(k)$ memory:
//!   *Algorithm R* (Vitter 1985) replaces a random slot with item $t$ (1-based) with probability
//!   $k/t$, one random number per item; *Algorithm L* (Li 1994) draws how many items to skip,
//!   $\lfloor \ln u / \ln(1 - W) \rfloor$ with $W \leftarrow W u'^{1/k}$ ($u, u'$ uniform on
//!   $(0, 1]$), so it costs $O(k (1 + \ln(N/k)))$ random numbers for a stream of $N$ items.
//! - **Stratified sampling** of $m$ rows from classes of sizes $c_1, \dots, c_K$ ($\sum c_j = n$)
//!   takes $\lfloor m c_j / n \rfloor$ from class $j$ and hands the $m - \sum_j \lfloor m c_j / n
//!   \rfloor$ rows left over to the classes with the largest remainders $m c_j \bmod n$ (the
//!   largest-remainder, or Hamilton, method; ties go to the lower label), so every class's count is
//!   its exact quota rounded down or up.
//!
//! References: D. E. Knuth, *TAOCP* vol. 2, §3.4.2 (Algorithms P and R); J. S. Vitter, "Random
//! sampling with a reservoir", ACM TOMS 11(1), 1985; K.-H. Li, "Reservoir-sampling algorithms of
//! time complexity O(n(1 + log(N/n)))", ACM TOMS 20(4), 1994.
//!
//! ```
//! use breadth_core::seeded_rng;
//! use breadth_data::sampling::{reservoir_l, stratified_sample};
//! let mut rng = seeded_rng(3);
//! let kept = reservoir_l(0..1_000_000u64, 5, &mut rng);
//! assert_eq!(kept.len(), 5);
//! // 10 rows, classes of 6 and 4: a sample of 5 takes 3 and 2.
//! let labels = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
//! let rows = stratified_sample(&labels, 5, &mut rng).unwrap();
//! assert_eq!(rows.iter().filter(|&&i| labels[i] == 0).count(), 3);
//! ```

use breadth_core::{Error, Result, Rng};
use rand::distr::{Distribution, Uniform};
use rand::Rng as _;

/// Shuffle `items` in place (Fisher–Yates): every permutation equally likely.
pub fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// A uniformly random permutation of `0..n`.
pub fn permutation(n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    shuffle(&mut idx, rng);
    idx
}

/// `k` distinct indices from `0..n`, uniformly, in random order (partial Fisher–Yates).
pub fn sample_without_replacement(n: usize, k: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    if k > n {
        return Err(Error::param(
            "k",
            format!("cannot draw {k} distinct rows from {n} without replacement"),
        ));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = rng.random_range(i..n);
        idx.swap(i, j);
    }
    idx.truncate(k);
    Ok(idx)
}

/// `k` independent uniform draws from `0..n` (repeats allowed).
pub fn sample_with_replacement(n: usize, k: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    if n == 0 && k > 0 {
        return Err(Error::EmptyInput {
            what: "population to sample from".into(),
            detail: format!("cannot draw {k} rows from 0"),
        });
    }
    if k == 0 {
        return Ok(Vec::new());
    }
    // One distribution for all draws: its rejection zone is computed once, not per draw.
    let dist = Uniform::new(0, n).expect("n > 0");
    Ok((0..k).map(|_| dist.sample(rng)).collect())
}

/// One bootstrap resample: the drawn rows and the rows never drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// `n` draws with replacement from `0..n`, in draw order.
    pub indices: Vec<usize>,
    /// The rows not among `indices`, ascending.
    pub out_of_bag: Vec<usize>,
}

/// A bootstrap resample of `n` rows with its out-of-bag rows.
pub fn bootstrap(n: usize, rng: &mut Rng) -> Result<Bootstrap> {
    if n == 0 {
        return Err(Error::EmptyInput {
            what: "bootstrap population".into(),
            detail: "no rows".into(),
        });
    }
    let indices = sample_with_replacement(n, n, rng)?;
    let mut drawn = vec![false; n];
    indices.iter().for_each(|&i| drawn[i] = true);
    let out_of_bag = (0..n).filter(|&i| !drawn[i]).collect();
    Ok(Bootstrap {
        indices,
        out_of_bag,
    })
}

/// A uniform sample of `k` items of a stream read once (Vitter's Algorithm R).
///
/// One random number per item after the first `k`. A stream shorter than `k` is returned whole,
/// in order. The order of the returned items is not random; shuffle them if it matters.
pub fn reservoir_r<T>(items: impl IntoIterator<Item = T>, k: usize, rng: &mut Rng) -> Vec<T> {
    let mut reservoir = Vec::with_capacity(k);
    if k == 0 {
        return reservoir;
    }
    for (t, item) in items.into_iter().enumerate() {
        if t < k {
            reservoir.push(item);
        } else {
            // Item t (0-based) survives with probability k / (t + 1), into a uniform slot.
            let j = rng.random_range(0..=t);
            if j < k {
                reservoir[j] = item;
            }
        }
    }
    reservoir
}

/// A uniform draw from $(0, 1]$, so that its logarithm is finite.
fn open_unit(rng: &mut Rng) -> f64 {
    1.0 - rng.random::<f64>()
}

/// A uniform sample of `k` items of a stream read once (Li's Algorithm L).
///
/// Draws the length of each run of skipped items instead of a number per item, so it is much
/// cheaper than [`reservoir_r`] when the stream is long compared with `k`; the items skipped are
/// still read (with `Iterator::nth`), which is free for ranges and slices. A stream shorter than
/// `k` is returned whole, in order.
pub fn reservoir_l<T>(items: impl IntoIterator<Item = T>, k: usize, rng: &mut Rng) -> Vec<T> {
    let mut iter = items.into_iter();
    let mut reservoir: Vec<T> = iter.by_ref().take(k).collect();
    if k == 0 || reservoir.len() < k {
        return reservoir;
    }
    let inv_k = 1.0 / k as f64;
    // W is the largest of k uniforms: the threshold an item's key must beat to enter.
    let mut w = (open_unit(rng).ln() * inv_k).exp();
    loop {
        // ln(1 - W) with ln_1p keeps precision when W is tiny (early in the stream).
        let skip = (open_unit(rng).ln() / (-w).ln_1p()).floor();
        // A skip beyond usize (W rounded to 0) means no later item can enter.
        if skip.is_nan() || skip >= usize::MAX as f64 {
            return reservoir;
        }
        match iter.nth(skip as usize) {
            Some(item) => {
                reservoir[rng.random_range(0..k)] = item;
                w *= (open_unit(rng).ln() * inv_k).exp();
            }
            None => return reservoir,
        }
    }
}

/// Split `total` into integer parts proportional to `counts` (largest-remainder method).
///
/// Part `j` is $\lfloor \text{total}\, c_j / n \rfloor$ or one more, the extra units going to the
/// largest remainders, ties to the lower index. Computed in exact integer arithmetic.
pub fn largest_remainder(counts: &[usize], total: usize) -> Vec<usize> {
    let n: u128 = counts.iter().map(|&c| c as u128).sum();
    if n == 0 {
        return vec![0; counts.len()];
    }
    let scaled: Vec<u128> = counts.iter().map(|&c| c as u128 * total as u128).collect();
    let mut parts: Vec<usize> = scaled.iter().map(|&s| (s / n) as usize).collect();
    let left = total - parts.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Stable sort keeps the lower index first among equal remainders.
    order.sort_by_key(|&j| std::cmp::Reverse(scaled[j] % n));
    for &j in order.iter().take(left) {
        parts[j] += 1;
    }
    parts
}

/// Number of members of each class, for labels `0..K` (K = largest label + 1).
pub fn class_counts(labels: &[usize]) -> Vec<usize> {
    let k = labels.iter().max().map_or(0, |&m| m + 1);
    let mut counts = vec![0; k];
    labels.iter().for_each(|&l| counts[l] += 1);
    counts
}

/// For each class, how many of its members go to the sample: [`largest_remainder`] of `size`
/// over the class counts, refusing a `size` larger than the population.
pub fn stratified_allocation(labels: &[usize], size: usize) -> Result<Vec<usize>> {
    if labels.is_empty() {
        return Err(Error::EmptyInput {
            what: "labels to stratify".into(),
            detail: "no rows".into(),
        });
    }
    if size > labels.len() {
        return Err(Error::param(
            "size",
            format!(
                "cannot take {size} rows from {} without replacement",
                labels.len()
            ),
        ));
    }
    Ok(largest_remainder(&class_counts(labels), size))
}

/// `size` distinct rows, ascending, whose class counts are the exact quotas rounded by the
/// largest-remainder method; the members of each class are chosen uniformly.
pub fn stratified_sample(labels: &[usize], size: usize, rng: &mut Rng) -> Result<Vec<usize>> {
    let quota = stratified_allocation(labels, size)?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); quota.len()];
    for (i, &l) in labels.iter().enumerate() {
        members[l].push(i);
    }
    let mut rows = Vec::with_capacity(size);
    for (class, q) in members.iter().zip(quota) {
        let picked = sample_without_replacement(class.len(), q, rng)?;
        rows.extend(picked.into_iter().map(|p| class[p]));
    }
    rows.sort_unstable();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;

    /// Index of a k-subset of `0..n` among all of them (subsets as bit masks, ranked).
    fn subset_cells(n: usize, k: usize) -> Vec<u32> {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .collect()
    }

    /// Pearson's chi-squared statistic of subset counts against the uniform law over all k-subsets.
    fn uniformity_statistic(
        n: usize,
        k: usize,
        runs: usize,
        draw: impl Fn(u64) -> Vec<usize>,
    ) -> f64 {
        let cells = subset_cells(n, k);
        let mut observed = vec![0usize; cells.len()];
        for run in 0..runs {
            let mask = draw(run as u64).iter().fold(0u32, |m, &i| m | 1 << i);
            let cell = cells.iter().position(|&c| c == mask).expect("a k-subset");
            observed[cell] += 1;
        }
        let expected = runs as f64 / cells.len() as f64;
        observed
            .iter()
            .map(|&o| (o as f64 - expected).powi(2) / expected)
            .sum()
    }

    // 20 cells (3-subsets of 6) x 1000 expected each, so the statistic follows chi-squared with
    // 19 degrees of freedom under uniformity. With fixed seeds the statistics are fixed; a sampler
    // with a real bias lands far beyond the critical values (see `the_test_detects_bias`).
    const N: usize = 6;
    const K: usize = 3;
    const RUNS: usize = 20_000;
    /// Upper 0.1% point of chi-squared(19): scipy 1.17.1 `chi2.ppf(0.999, 19)` (also NIST/SEMATECH
    /// e-Handbook of Statistical Methods, table 1.3.6.7.4).
    const CRITICAL_19_0_001: f64 = 43.820;
    /// Upper 1e-6 point of chi-squared(19): scipy 1.17.1 `chi2.ppf(1 - 1e-6, 19)`.
    const CRITICAL_19_1E6: f64 = 63.677;

    #[test]
    fn algorithm_r_is_uniform_over_subsets() {
        let stat = uniformity_statistic(N, K, RUNS, |s| reservoir_r(0..N, K, &mut seeded_rng(s)));
        assert!(stat < CRITICAL_19_0_001, "chi2 = {stat}");
    }

    #[test]
    fn algorithm_l_is_uniform_over_subsets() {
        let stat = uniformity_statistic(N, K, RUNS, |s| reservoir_l(0..N, K, &mut seeded_rng(s)));
        assert!(stat < CRITICAL_19_0_001, "chi2 = {stat}");
    }

    #[test]
    fn sampling_without_replacement_is_uniform_over_subsets() {
        let stat = uniformity_statistic(N, K, RUNS, |s| {
            sample_without_replacement(N, K, &mut seeded_rng(s)).unwrap()
        });
        assert!(stat < CRITICAL_19_0_001, "chi2 = {stat}");
    }

    #[test]
    fn the_test_detects_bias() {
        // Algorithm R with the replacement probability off by one item: k/(t+2) instead of k/(t+1).
        let biased = |s: u64| {
            let mut rng = seeded_rng(s);
            let mut r: Vec<usize> = (0..K).collect();
            for t in K..N {
                let j = rng.random_range(0..=t + 1);
                if j < K {
                    r[j] = t;
                }
            }
            r
        };
        let stat = uniformity_statistic(N, K, RUNS, biased);
        assert!(stat > CRITICAL_19_1E6, "chi2 = {stat}");
    }

    #[test]
    fn reservoirs_on_a_long_stream_keep_each_item_equally_often() {
        // Inclusion frequency of each item of a 1000-item stream over 2000 runs of k = 10.
        let algos: [fn(std::ops::Range<usize>, usize, &mut Rng) -> Vec<usize>; 2] = [
            |s, k, r| reservoir_r(s, k, r),
            |s, k, r| reservoir_l(s, k, r),
        ];
        for algo in algos {
            let (n, k, runs) = (1000, 10, 2000);
            let mut hits = [0usize; 10];
            for s in 0..runs {
                for i in algo(0..n, k, &mut seeded_rng(s)) {
                    hits[i / 100] += 1;
                }
            }
            // Each decile expects runs * k / 10 = 2000 with a standard deviation of about 42.
            for (d, &h) in hits.iter().enumerate() {
                assert!((h as f64 - 2000.0).abs() < 250.0, "decile {d}: {h}");
            }
        }
    }

    #[test]
    fn short_streams_and_zero_k() {
        let mut rng = seeded_rng(0);
        assert_eq!(reservoir_l(0..3, 5, &mut rng), vec![0, 1, 2]);
        assert_eq!(reservoir_r(0..3, 5, &mut rng), vec![0, 1, 2]);
        assert!(reservoir_l(0..3, 0, &mut rng).is_empty());
        assert!(reservoir_r(std::iter::empty::<u8>(), 2, &mut rng).is_empty());
    }

    #[test]
    fn reservoir_is_seeded() {
        assert_eq!(
            reservoir_l(0..10_000, 7, &mut seeded_rng(9)),
            reservoir_l(0..10_000, 7, &mut seeded_rng(9))
        );
        assert_ne!(
            reservoir_l(0..10_000, 7, &mut seeded_rng(9)),
            reservoir_l(0..10_000, 7, &mut seeded_rng(10))
        );
    }

    #[test]
    fn without_replacement_gives_distinct_indices() {
        let mut rng = seeded_rng(1);
        let mut s = sample_without_replacement(50, 50, &mut rng).unwrap();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert!(sample_without_replacement(3, 4, &mut rng).is_err());
        assert!(sample_with_replacement(0, 1, &mut rng).is_err());
        assert!(sample_with_replacement(0, 0, &mut rng).unwrap().is_empty());
    }

    #[test]
    fn bootstrap_out_of_bag_is_the_complement() {
        let b = bootstrap(1000, &mut seeded_rng(4)).unwrap();
        assert_eq!(b.indices.len(), 1000);
        for &i in &b.out_of_bag {
            assert!(!b.indices.contains(&i));
        }
        let mut seen: Vec<usize> = b.indices.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len() + b.out_of_bag.len(), 1000);
        // About e^-1 of the rows are out of bag; the standard deviation is about 15 rows.
        assert!((b.out_of_bag.len() as f64 - 367.9).abs() < 60.0);
        assert!(bootstrap(0, &mut seeded_rng(4)).is_err());
    }

    #[test]
    fn largest_remainder_matches_hand_computed_quotas() {
        // Quotas 7 * (5, 3, 2) / 10 = 3.5, 2.1, 1.4: floors 3, 2, 1 and one unit left for 3.5.
        assert_eq!(largest_remainder(&[5, 3, 2], 7), vec![4, 2, 1]);
        // Quotas 1.5, 1.5: the tie goes to the lower index.
        assert_eq!(largest_remainder(&[1, 1], 3), vec![2, 1]);
        assert_eq!(largest_remainder(&[0, 4], 2), vec![0, 2]);
        assert_eq!(largest_remainder(&[], 0), Vec::<usize>::new());
    }

    #[test]
    fn stratified_sample_has_exact_proportions() {
        let labels: Vec<usize> = (0..97).map(|i| [0, 0, 0, 1, 1, 2][i % 6]).collect();
        let counts = class_counts(&labels);
        for size in [1, 10, 33, 50, 97] {
            let rows = stratified_sample(&labels, size, &mut seeded_rng(size as u64)).unwrap();
            assert_eq!(rows.len(), size);
            assert!(rows.windows(2).all(|w| w[0] < w[1]), "distinct, ascending");
            for (c, &n_c) in counts.iter().enumerate() {
                let got = rows.iter().filter(|&&i| labels[i] == c).count() as f64;
                let quota = size as f64 * n_c as f64 / 97.0;
                assert!(
                    got == quota.floor() || got == quota.ceil(),
                    "class {c}: {got} vs {quota}"
                );
            }
        }
        assert!(stratified_sample(&labels, 98, &mut seeded_rng(0)).is_err());
        assert!(stratified_sample(&[], 0, &mut seeded_rng(0)).is_err());
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let p = permutation(100, &mut seeded_rng(2));
        assert_ne!(p, (0..100).collect::<Vec<_>>());
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }
}
