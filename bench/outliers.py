"""IsolationForest on 200,000 x 20 (2% outliers): breadth against scikit-learn.

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
rng = np.random.default_rng(0)
n_out = n // 50
X = np.vstack([rng.normal(size=(n - n_out, d)), rng.uniform(-5, 5, size=(n_out, d))])
truth = np.r_[np.zeros(n - n_out), np.ones(n_out)]
perm = rng.permutation(n)
X, truth = X[perm], truth[perm]
paths = [DATA / f"iforest_{name}_{n}.npy" for name in ("X", "truth")]
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
    [Row("IsolationForest 100 trees", f"{n}x{d}", ours, peer, "scikit-learn", "ROC AUC")],
)
