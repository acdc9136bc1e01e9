"""breadth-metrics against scikit-learn: ROC AUC of 10 million scores and the pairwise Euclidean
distance matrix of 20,000 x 64 points.

Run:  CARGO_TARGET_DIR=/work/target python bench/metrics.py [--small]
Quality is the AUC itself and the mean pairwise distance: both sides must agree.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.metrics.pairwise import euclidean_distances

from harness import DATA, Row, compare, example, run_ours

small = "--small" in sys.argv
N_SCORES = 1_000_000 if small else 10_000_000
N_POINTS = 4_000 if small else 20_000


def main():
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y = (rng.random(N_SCORES) < 0.3).astype(np.float64)
    s = rng.normal(size=N_SCORES) + 0.8 * y
    s = np.round(s, 4)  # realistic ties
    ly, ls = DATA / "metrics_roc_labels.npy", DATA / "metrics_roc_scores.npy"
    np.save(ly, y)
    np.save(ls, s)
    x = rng.normal(size=(N_POINTS, 64))
    lx = DATA / "metrics_pairwise_x.npy"
    np.save(lx, x)
    roc_bin = example("breadth-metrics", "bench_roc_auc")
    pw_bin = example("breadth-metrics", "bench_pairwise")
    yi = y.astype(np.int64)

    def peer_roc():
        t0 = time.perf_counter()
        auc = roc_auc_score(yi, s)
        return {"seconds": time.perf_counter() - t0, "quality": auc}

    def peer_pairwise():
        t0 = time.perf_counter()
        d = euclidean_distances(x)
        sec = time.perf_counter() - t0
        q = float(d.mean())
        del d
        return {"seconds": sec, "quality": q}

    rows = [
        Row("roc_auc", f"{N_SCORES:,} scores", lambda: run_ours(roc_bin, ly, ls), peer_roc, "scikit-learn", "AUC"),
        Row("pairwise euclidean", f"{N_POINTS:,} x 64", lambda: run_ours(pw_bin, lx), peer_pairwise, "scikit-learn", "mean dist"),
    ]
    compare("metrics", rows, repeats=3, peers=("scikit-learn", "numpy", "scipy"))


if __name__ == "__main__":
    main()
