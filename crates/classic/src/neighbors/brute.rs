//! Brute-force neighbour search: every query against every training row.
//!
//! For the Euclidean metric (and Mahalanobis and cosine, which reduce to it at fit) the squared
//! distance splits as $\lVert q - t \rVert^2 = \lVert q \rVert^2 + \lVert t \rVert^2 - 2 q^\top t$,
//! so a tile of $Q_b$ queries against $T_b$ training rows is one matrix product
//! $T_b Q_b^\top$ (faer's GEMM) plus a broadcast of $\lVert t \rVert^2$; $\lVert q \rVert^2$ is
//! constant per query and is left out of the ranking key (for cosine on unit rows the key is
//! $-2 q^\top t$ alone). The product rounds, so the few selected candidates get their distances
//! recomputed directly before the final sort (as scikit-learn does); other metrics compute each
//! reduced distance directly.
//!
//! Cost: $O(n_q n_t d)$ time (as GEMM flops for Euclidean), $O(Q_b T_b)$ scratch per thread;
//! queries are split across threads in fixed blocks, so results do not depend on the thread
//! count.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use rayon::prelude::*;

use super::metric::{Norm, Space};
use super::topk::{sort_pairs, TopK};
use breadth_core::linalg::{as_faer, as_faer_mut};

/// Queries per parallel task and per GEMM tile.
const QUERY_BLOCK: usize = 64;
/// Training rows per GEMM tile: a 64 x 2048 tile of f64 is 1 MiB, within a core's L2.
const TRAIN_BLOCK: usize = 2048;

/// Sorted `(distance, index)` lists, one per query.
pub(crate) type Lists = Vec<Vec<(f64, usize)>>;

/// What one query looks for.
#[derive(Clone, Copy)]
pub(crate) enum Want {
    /// The `k` nearest.
    K(usize),
    /// All within this distance.
    Radius(f64),
}

/// Brute-force search of `queries` (mapped rows) against `train` (mapped rows). With
/// `exclude_self`, query `i` is training row `i` and never finds itself.
pub(crate) fn search(
    space: Space,
    train: ArrayView2<'_, f64>,
    sq_norms: &[f64],
    queries: ArrayView2<'_, f64>,
    want: Want,
    exclude_self: bool,
) -> Lists {
    let n_blocks = queries.nrows().div_ceil(QUERY_BLOCK);
    let blocks: Vec<Lists> = (0..n_blocks)
        .into_par_iter()
        .map(|b| {
            let q0 = b * QUERY_BLOCK;
            let q1 = (q0 + QUERY_BLOCK).min(queries.nrows());
            let block = queries.slice(ndarray::s![q0..q1, ..]);
            let skip = |qi: usize| exclude_self.then_some(q0 + qi);
            match space {
                Space::Minkowski(Norm::L2) | Space::Cosine => {
                    gemm_block(space, train, sq_norms, block, want, skip)
                }
                Space::Minkowski(norm) => direct_block(norm, train, block, want, skip),
            }
        })
        .collect();
    blocks.into_iter().flatten().collect()
}

/// Per-query state of a GEMM search: a top-k list or a radius list, with the key threshold.
enum Collector {
    K(TopK),
    Radius(f64, Vec<usize>),
}

fn gemm_block(
    space: Space,
    train: ArrayView2<'_, f64>,
    sq_norms: &[f64],
    block: ArrayView2<'_, f64>,
    want: Want,
    skip: impl Fn(usize) -> Option<usize>,
) -> Lists {
    let (nq, nt) = (block.nrows(), train.nrows());
    let cosine = space == Space::Cosine;
    let max_t = sq_norms.iter().copied().fold(0.0, f64::max);
    let mut collectors: Vec<Collector> = (0..nq)
        .map(|qi| match want {
            Want::K(k) => Collector::K(TopK::new(k)),
            Want::Radius(r) => {
                let q = block.row(qi);
                let qq = q.dot(&q);
                // Key thresholds, loosened by a bound on the product's rounding; the exact
                // recomputation below decides.
                let slack = 1e-9 * (qq + max_t + 1.0);
                let thr = if cosine {
                    2.0 * (r - 1.0) + slack
                } else {
                    r * r - qq + slack
                };
                Collector::Radius(thr, Vec::new())
            }
        })
        .collect();
    let mut buf = Array2::<f64>::zeros((TRAIN_BLOCK.min(nt), nq).f());
    for t0 in (0..nt).step_by(TRAIN_BLOCK) {
        let t1 = (t0 + TRAIN_BLOCK).min(nt);
        let mut tile = buf.slice_mut(ndarray::s![..t1 - t0, ..]);
        faer::linalg::matmul::matmul(
            as_faer_mut(tile.view_mut()),
            faer::Accum::Replace,
            as_faer(train.slice(ndarray::s![t0..t1, ..])),
            as_faer(block.t()),
            -2.0,
            faer::Par::Seq,
        );
        for (qi, c) in collectors.iter_mut().enumerate() {
            let col = tile.column(qi);
            let dots = col.as_slice().expect("column-major tile");
            let own = skip(qi);
            let norms = &sq_norms[t0..t1];
            match c {
                Collector::K(top) => {
                    let mut worst = top.worst();
                    for (j, (&m2qt, &tt)) in dots.iter().zip(norms).enumerate() {
                        let key = if cosine { m2qt } else { tt + m2qt };
                        if key <= worst && own != Some(t0 + j) {
                            top.push(key, t0 + j);
                            worst = top.worst();
                        }
                    }
                }
                Collector::Radius(thr, found) => {
                    for (j, (&m2qt, &tt)) in dots.iter().zip(norms).enumerate() {
                        let key = if cosine { m2qt } else { tt + m2qt };
                        if key <= *thr && own != Some(t0 + j) {
                            found.push(t0 + j);
                        }
                    }
                }
            }
        }
    }
    let flat = train.as_slice().expect("standard layout");
    let d = train.ncols();
    collectors
        .into_iter()
        .enumerate()
        .map(|(qi, c)| {
            let q = block.row(qi);
            let q = q.as_slice().expect("standard layout");
            let exact = |j: usize| (space.exact(q, &flat[j * d..(j + 1) * d]), j);
            let mut pairs: Vec<(f64, usize)> = match (c, want) {
                (Collector::K(top), _) => top.indices().iter().map(|&j| exact(j)).collect(),
                (Collector::Radius(_, found), Want::Radius(r)) => found
                    .into_iter()
                    .map(exact)
                    .filter(|&(dist, _)| dist <= r)
                    .collect(),
                (Collector::Radius(..), Want::K(_)) => unreachable!("collector follows want"),
            };
            sort_pairs(&mut pairs);
            pairs
        })
        .collect()
}

fn direct_block(
    norm: Norm,
    train: ArrayView2<'_, f64>,
    block: ArrayView2<'_, f64>,
    want: Want,
    skip: impl Fn(usize) -> Option<usize>,
) -> Lists {
    let flat = train.as_slice().expect("standard layout");
    let d = train.ncols();
    (0..block.nrows())
        .map(|qi| {
            let q = block.row(qi);
            let q = q.as_slice().expect("standard layout");
            let own = skip(qi);
            let rows = flat
                .chunks_exact(d)
                .enumerate()
                .filter(|&(j, _)| own != Some(j));
            let mut pairs: Vec<(f64, usize)> = match want {
                Want::K(k) => {
                    let mut top = TopK::new(k);
                    for (j, t) in rows {
                        top.push(norm.reduced(q, t), j);
                    }
                    top.into_pairs()
                }
                Want::Radius(r) => {
                    let rr = norm.to_reduced(r);
                    rows.map(|(j, t)| (norm.reduced(q, t), j))
                        .filter(|&(rd, _)| rd <= rr)
                        .collect()
                }
            };
            pairs.iter_mut().for_each(|p| p.0 = norm.to_dist(p.0));
            sort_pairs(&mut pairs);
            pairs
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    /// The obviously correct search: all distances, full sort.
    fn slow(space: Space, train: &Array2<f64>, q: &Array2<f64>, want: Want) -> Lists {
        q.rows()
            .into_iter()
            .map(|qr| {
                let mut all: Vec<(f64, usize)> = train
                    .rows()
                    .into_iter()
                    .enumerate()
                    .map(|(j, t)| {
                        (
                            space.exact(qr.as_slice().unwrap(), t.as_slice().unwrap()),
                            j,
                        )
                    })
                    .collect();
                sort_pairs(&mut all);
                match want {
                    Want::K(k) => all.truncate(k),
                    Want::Radius(r) => all.retain(|p| p.0 <= r),
                }
                all
            })
            .collect()
    }

    #[test]
    fn gemm_and_direct_agree_with_the_slow_search() {
        let mut rng = breadth_core::seeded_rng(3);
        // More training rows than one tile, so tile seams are crossed.
        let train = Array2::from_shape_fn((2100, 4), |_| rng.random::<f64>());
        let q = Array2::from_shape_fn((70, 4), |_| rng.random::<f64>());
        let norms: Vec<f64> = train.rows().into_iter().map(|r| r.dot(&r)).collect();
        for space in [
            Space::Minkowski(Norm::L2),
            Space::Minkowski(Norm::L1),
            Space::Minkowski(Norm::LInf),
            Space::Minkowski(Norm::Lp(3.0)),
        ] {
            for want in [Want::K(7), Want::Radius(0.2)] {
                let fast = search(space, train.view(), &norms, q.view(), want, false);
                let expect = slow(space, &train, &q, want);
                for (f, e) in fast.iter().zip(&expect) {
                    let fi: Vec<usize> = f.iter().map(|p| p.1).collect();
                    let ei: Vec<usize> = e.iter().map(|p| p.1).collect();
                    assert_eq!(fi, ei, "{space:?}");
                    for (a, b) in f.iter().zip(e) {
                        assert!((a.0 - b.0).abs() <= 1e-12, "{space:?}: {} vs {}", a.0, b.0);
                    }
                }
            }
        }
    }
}
