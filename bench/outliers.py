"""IsolationForest on 200,000 x 20 with 2% overlapping outliers: breadth against scikit-learn.

The inliers are a mixture of 4 Gaussian clusters (centres ~ N(0, 3^2), per-feature scales in
[0.5, 2]); the outliers are half drawn around the data's mean at the whole mixture's scale (many
land inside clusters) and half cluster members inflated 2.5x on 5 random features. Neither side
can separate them fully (ROC AUC near 0.9, not the 1.0 of uniformly planted outliers).

Both sides time fit plus scoring every row (100 trees of 256 rows); quality is the ROC AUC of the
scores against the planted outliers.

Run: python3 bench/outliers.py [n_samples]
"""

import sys

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

from harness import DATA, Row, compare, example, run_ours, timed

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
d = 20
DATA.mkdir(parents=True, exist_ok=True)


def overlapping(n, d, seed=0):
    rng = np.random.default_rng(seed)
    n_out = n // 50
    n_in, k = n - n_out, 4
    centres = rng.normal(scale=3.0, size=(k, d))
    scales = rng.uniform(0.5, 2.0, size=(k, d))
    comp = rng.integers(k, size=n_in)
    X_in = centres[comp] + scales[comp] * rng.normal(size=(n_in, d))
    half = n_out // 2
    X_far = X_in.mean(0) + X_in.std(0) * rng.normal(size=(half, d))
    c = rng.integers(k, size=n_out - half)
    inflate = np.ones((n_out - half, d))
    for i in range(n_out - half):
        inflate[i, rng.choice(d, 5, replace=False)] = 2.5
    X_local = centres[c] + scales[c] * inflate * rng.normal(size=(n_out - half, d))
    X = np.vstack([X_in, X_far, X_local])
    truth = np.r_[np.zeros(n_in), np.ones(n_out)]
    perm = rng.permutation(n)
    return X[perm], truth[perm]


X, truth = overlapping(n, d)
paths = [DATA / f"iforest_overlap_{name}_{n}.npy" for name in ("X", "truth")]
for p, a in zip(paths, (X, truth)):
    np.save(p, a)
binary = example("breadth-classic", "bench_outlier_iforest")


def ours():
    return run_ours(binary, *paths)


def peer():
    model = IsolationForest(n_estimators=100, random_state=0, n_jobs=2)

    def fit_score():
        model.fit(X)
        return model.score_samples(X)

    seconds, scores = timed(fit_score)
    return {"seconds": seconds, "quality": float(roc_auc_score(truth, -scores))}


compare(
    "outliers",
    [Row("IsolationForest 100 trees, overlap", f"{n}x{d}", ours, peer, "scikit-learn", "ROC AUC")],
)
